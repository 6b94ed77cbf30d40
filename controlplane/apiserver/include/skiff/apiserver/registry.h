#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "skiff/apiserver/field_validation.h"
#include "skiff/apiserver/resources.h"
#include "skiff/apiserver/selectors.h"
#include "skiff/store/store.h"

namespace skiff::apiserver {

struct ListOptions {
  LabelSelector labels;
  FieldSelector fields;
  int64_t limit = 0;
  std::string continue_token;
  // A list at this exact revision (resourceVersionMatch=Exact), 0: the latest.
  int64_t exact_revision = 0;
  // Where the listed objects are allocated (a request's arena, freed at once with its response).
  boost::json::storage_ptr storage;
};

struct ListResult {
  std::vector<boost::json::object> items;
  int64_t revision = 0;
  std::string continue_token;
};

enum class PatchType { merge, json, strategic };

// The subresource a write goes to: the object itself (whose status a write does not change
// when the type has a status subresource), its status only, or its scale.
enum class Part { object, status, scale };

// How a create, update or patch is done: kube's dryRun=All (everything but the store write) and
// fieldValidation, with the fields the request's JSON body gave twice.
struct WriteOptions {
  bool dry_run = false;
  FieldValidation field_validation = FieldValidation::warn;
  std::vector<std::string> duplicate_fields;
  // Where the warnings of FieldValidation::warn go (kube sends them as Warning headers).
  std::vector<std::string>* warnings = nullptr;
};

// What happens to an object's dependents (the objects whose ownerReferences name it).
enum class PropagationPolicy { background, foreground, orphan };

// The part of a DeleteOptions this server honours.
struct DeletePreconditions {
  std::string uid;
  std::string resource_version;
  bool dry_run = false;
  // gracePeriodSeconds; unset: the object's own (a pod's terminationGracePeriodSeconds).
  std::optional<int64_t> grace_period_seconds;
  // unset: the type's default (orphan for none of the served kinds, so background).
  std::optional<PropagationPolicy> propagation;
};

// The events of a watch as newline-delimited WatchEvent JSON, pulled by the HTTP layer.
class EventStream {
 public:
  virtual ~EventStream() = default;
  // The next chunk of lines: "" when nothing happened yet, nullopt when the watch is over
  // (timeoutSeconds reached, the store ended the watch, or an ERROR event was sent).
  virtual std::optional<std::string> poll() = 0;
};

struct WatchOptions {
  LabelSelector labels;
  FieldSelector fields;
  // Watch from this revision; 0 (or resourceVersion "0"/"") sends the current objects first as
  // ADDED events, as kube does.
  int64_t from_revision = 0;
  bool send_initial = true;
  bool bookmarks = false;
  std::chrono::seconds timeout{0};
  // Turns each event's object into what the client asked for (a Table row, or the object).
  std::function<boost::json::value(const boost::json::object&)> encode;
};

// Kubernetes objects of every served type as JSON documents in the store, under kube's keys
// (/registry/<resource>/<namespace>/<name>), with resourceVersion = the store revision of the
// object's latest write.
class ObjectRegistry {
 public:
  explicit ObjectRegistry(store::Store& store);

  // Creates the namespaces kube has from the start (default, kube-system, kube-public,
  // kube-node-lease) when they are missing.
  void ensure_default_namespaces();

  boost::json::object create(const ResourceType& type, const std::string& ns, boost::json::object object,
                             const WriteOptions& options = {});
  boost::json::object get(const ResourceType& type, const std::string& ns, const std::string& name);
  ListResult list(const ResourceType& type, const std::string& ns, const ListOptions& options);
  // PUT: replaces the object (or its status/scale). A resourceVersion in the body must be the
  // current one (409 Conflict otherwise); without one the update is unconditional.
  boost::json::object update(const ResourceType& type, const std::string& ns, const std::string& name, Part part,
                             const boost::json::object& body, const WriteOptions& options = {});
  boost::json::object patch(const ResourceType& type, const std::string& ns, const std::string& name, Part part,
                            PatchType patch_type, const boost::json::value& patch, const WriteOptions& options = {});
  // The part as the client sees it: the object, or a Scale for Part::scale.
  boost::json::object get_part(const ResourceType& type, const std::string& ns, const std::string& name, Part part);
  // Sets spec.nodeName of an unbound pod (the binding subresource).
  void bind(const std::string& ns, const std::string& pod, const boost::json::object& binding);
  // Deletes the object as kube's generic registry does and returns it as it was. An object left
  // with finalizers (its own, or the garbage collector's: foregroundDeletion for Foreground,
  // orphan for Orphan) gets deletionTimestamp and deletionGracePeriodSeconds 0 and stays until
  // an update empties its finalizers; a namespace becomes Terminating until the namespace
  // deleter emptied it. Otherwise it goes at once and its dependents after it (background).
  // A pod bound to a node is deleted gracefully: it gets deletionTimestamp and
  // deletionGracePeriodSeconds and stays until a delete with grace period 0 (its node agent's);
  // it is returned as it is then.
  boost::json::object remove(const ResourceType& type, const std::string& ns, const std::string& name,
                             const DeletePreconditions& preconditions);
  std::unique_ptr<EventStream> watch(const ResourceType& type, const std::string& ns, WatchOptions options);

  [[nodiscard]] store::Store& store() { return store_; }

  // The objects in namespace ns whose ownerReferences name uid, with their types.
  std::vector<std::pair<const ResourceType*, boost::json::object>> dependents_of(const std::string& ns,
                                                                                 const std::string& uid);
  // Deletes the dependents of uid in ns with this policy, or (orphan) removes their references to it.
  void release_dependents(const std::string& ns, const std::string& uid, PropagationPolicy policy);

 private:
  boost::json::object decode(const store::KeyValue& kv, boost::json::storage_ptr storage = {}) const;
  boost::json::object replace(const ResourceType& type, const std::string& ns, const std::string& name,
                              const std::function<boost::json::object(const boost::json::object&)>& mutate,
                              bool conditional, const WriteOptions& options = {},
                              BodyKind body_kind = BodyKind::object);
  void allocate_cluster_ip(boost::json::object& service);
  // Deletes what an update left being deleted without finalizers (kube's ShouldDeleteDuringUpdate),
  // if it is still at revision, and then its dependents.
  void delete_finalized(const ResourceType& type, const std::string& ns, const boost::json::object& object,
                        int64_t revision);

  store::Store& store_;
  // Serialises cluster IP allocation (a scan of the services in use) within this server.
  std::mutex cluster_ip_mutex_;
};

// "2026-01-02T03:04:05Z": kube's metav1.Time, at second precision, now or offset_seconds from now.
std::string kube_timestamp(int64_t offset_seconds = 0);
std::string random_uuid();

}  // namespace skiff::apiserver

#pragma once

// metadata.finalizers and deletionTimestamp as kube's generic registry handles them: a delete of
// an object with finalizers marks it as being deleted and keeps it; the update that empties its
// finalizers deletes it. The garbage collector's own finalizers (foregroundDeletion, orphan)
// come from the delete's propagationPolicy.
#include <boost/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace skiff::apiserver {

class ObjectRegistry;
enum class PropagationPolicy;
struct ResourceType;

inline constexpr const char* kForegroundDeletionFinalizer = "foregroundDeletion";
inline constexpr const char* kOrphanFinalizer = "orphan";

std::vector<std::string> finalizers_of(const boost::json::object& object);
void set_finalizers(boost::json::object& object, const std::vector<std::string>& finalizers);
// A Namespace's spec.finalizers ("kubernetes": the namespace deleter's).
std::vector<std::string> namespace_spec_finalizers(const boost::json::object& ns);
bool being_deleted(const boost::json::object& object);

// The finalizers a delete with this propagationPolicy leaves on the object (kube's
// deletionFinalizersForGarbageCollection): the object's own, with orphan for Orphan and
// foregroundDeletion for Foreground; without a policy the GC finalizers it has stay.
std::vector<std::string> finalizers_after_delete(const boost::json::object& object,
                                                 std::optional<PropagationPolicy> policy);

// kube's markAsDeleting: deletionTimestamp now (unless it is already set and earlier),
// deletionGracePeriodSeconds 0, and the generation bumped on the first mark.
void mark_as_deleting(boost::json::object& object);

// An update of an object being deleted may not add finalizers (422, as kube's
// ValidateObjectMetaUpdate).
void check_no_new_finalizers(const ResourceType& type, const boost::json::object& current,
                             const boost::json::object& updated);

// Whether an update that wrote updated over current deletes the object (kube's
// ShouldDeleteDuringUpdate): it is being deleted with no grace period left and has no
// finalizers (a namespace: no spec.finalizers either).
bool deleted_by_update(const ResourceType& type, const boost::json::object& current,
                       const boost::json::object& updated);

// Writes object back if it is still at the resourceVersion it carries: false when another write
// came first (a 409; the caller reads it again), true when written or when it is gone.
bool write_if_unchanged(ObjectRegistry& registry, const ResourceType& type, const std::string& ns,
                        const boost::json::object& object);

}  // namespace skiff::apiserver

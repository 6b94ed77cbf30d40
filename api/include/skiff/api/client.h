#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "skiff/api/api_error.h"
#include "skiff/api/http_client.h"
#include "skiff/api/kubeconfig.h"

namespace skiff::api {

// A kind of object as the API serves it: its group ("" for core), version and plural.
struct Resource {
  std::string group;
  std::string version = "v1";
  std::string plural;
  bool namespaced = true;

  // "/api/v1/namespaces/ns/pods", "/apis/apps/v1/deployments" (ns "" for all namespaces or a
  // cluster-scoped kind).
  [[nodiscard]] std::string collection_path(const std::string& ns) const;
};

struct ListOptions {
  std::string label_selector;
  std::string field_selector;
  // At most this many items per page (0: all); continue_token resumes a paged list.
  int64_t limit = 0;
  std::string continue_token;
};

struct ListPage {
  std::vector<boost::json::object> items;
  std::string resource_version;
  // Empty on the last page.
  std::string continue_token;
};

enum class PatchType { merge, strategic_merge, json_patch };

struct WatchOptions {
  // Events after this version; "" starts with the current state as ADDED events.
  std::string resource_version;
  std::string label_selector;
  std::string field_selector;
  bool bookmarks = true;
  // The server ends the watch after this long (0: its default).
  int64_t timeout_seconds = 0;
};

struct WatchEvent {
  enum class Type { added, modified, deleted, bookmark };
  Type type;
  boost::json::object object;

  [[nodiscard]] std::string resource_version() const;
};

const char* to_string(WatchEvent::Type type);

// One watch request's stream of events.
class Watch {
 public:
  explicit Watch(std::unique_ptr<HttpStream> stream, std::string what);
  Watch(const Watch&) = delete;
  Watch& operator=(const Watch&) = delete;
  ~Watch();

  // The next event; nullopt when the stream ended (the server closed it, the connection
  // dropped, or cancel()). An ERROR event (410 Gone when the version was compacted) throws
  // ApiError.
  std::optional<WatchEvent> next();
  // From another thread: next() returns nullopt.
  void cancel();

 private:
  std::unique_ptr<HttpStream> stream_;
  std::string what_;
  std::string pending_;
};

// The Kubernetes API over HTTPS with keep-alive; objects are JSON. Calls may run from several
// threads at once. Errors the server answers are ApiError; transport failures are Error.
class ApiClient {
 public:
  explicit ApiClient(const Kubeconfig& config);
  explicit ApiClient(HttpEndpoint endpoint);

  boost::json::object get(const Resource& resource, const std::string& ns, const std::string& name);
  // One page (options.limit items from options.continue_token).
  ListPage list(const Resource& resource, const std::string& ns, const ListOptions& options = {});
  // Every item, paging by options.limit when it is set; the version is the first page's (a
  // paged list is a snapshot at it).
  ListPage list_all(const Resource& resource, const std::string& ns, ListOptions options = {});
  // The stored object (with uid, resourceVersion ...). ns "" takes the object's namespace.
  boost::json::object create(const Resource& resource, const std::string& ns, const boost::json::object& object);
  // PUT of the object (metadata.resourceVersion, when set, must still be current: 409 otherwise).
  boost::json::object update(const Resource& resource, const std::string& ns, const boost::json::object& object);
  boost::json::object patch(const Resource& resource, const std::string& ns, const std::string& name, PatchType type,
                            const boost::json::value& patch);
  // The deleted object, or the Status the server answered with. propagation: "Background",
  // "Foreground", "Orphan" or "" (the server's default).
  boost::json::object remove(const Resource& resource, const std::string& ns, const std::string& name,
                             const std::string& propagation = "");
  // Starts a watch (throws ApiError when the server refuses it, 410 for a compacted version).
  std::unique_ptr<Watch> watch(const Resource& resource, const std::string& ns, const WatchOptions& options);

  // A GET of a path that answers text (/metrics, /healthz): the body.
  std::string get_text(const std::string& target);
  // A request of any kind, for what the typed calls do not cover: the response body as JSON.
  boost::json::value call(boost::beast::http::verb method, const std::string& target, const std::string& body = "",
                          const std::string& content_type = "application/json");

 private:
  HttpEndpoint endpoint_;
  HttpClient http_;
};

}  // namespace skiff::api

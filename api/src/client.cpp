#include "skiff/api/client.h"

#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include "skiff/api/object_meta.h"
#include "skiff/base/json.h"

namespace skiff::api {

namespace http = boost::beast::http;

namespace {

std::string query_value(std::string_view text) {
  return boost::urls::encode(text, boost::urls::unreserved_chars);
}

// Appends "name=value" to a target with ? or &.
void add_query(std::string& target, std::string_view name, std::string_view value) {
  target += target.find('?') == std::string::npos ? '?' : '&';
  target.append(name);
  target += '=';
  target += query_value(value);
}

boost::json::object as_object_reply(boost::json::value reply, const std::string& what) {
  if (!reply.is_object()) {
    throw Error(what + ": the server answered with something other than an object");
  }
  return std::move(reply.get_object());
}

}  // namespace

std::string Resource::collection_path(const std::string& ns) const {
  std::string path = group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
  if (namespaced && !ns.empty()) {
    path += "/namespaces/" + ns;
  }
  return path + "/" + plural;
}

std::string WatchEvent::resource_version() const {
  return metadata_field(object, "resourceVersion");
}

const char* to_string(WatchEvent::Type type) {
  switch (type) {
    case WatchEvent::Type::added:
      return "ADDED";
    case WatchEvent::Type::modified:
      return "MODIFIED";
    case WatchEvent::Type::deleted:
      return "DELETED";
    case WatchEvent::Type::bookmark:
      return "BOOKMARK";
  }
  return "?";
}

Watch::Watch(std::unique_ptr<HttpStream> stream, std::string what)
    : stream_(std::move(stream)), what_(std::move(what)) {}

Watch::~Watch() = default;

std::optional<WatchEvent> Watch::next() {
  size_t newline = 0;
  while ((newline = pending_.find('\n')) == std::string::npos) {
    if (!stream_->read(pending_)) {
      return std::nullopt;
    }
  }
  std::string line = pending_.substr(0, newline);
  pending_.erase(0, newline + 1);
  if (line.empty()) {
    return next();
  }
  boost::json::value parsed = json::parse(line, what_ + " event");
  const boost::json::object& event = json::as_object(parsed, "event");
  std::string type = string_member(event, "type");
  const boost::json::value* object = event.if_contains("object");
  boost::json::object body = object != nullptr && object->is_object() ? object->get_object() : boost::json::object{};
  if (type == "ERROR") {
    throw ApiError(what_, std::move(body), 500);
  }
  WatchEvent out{WatchEvent::Type::added, std::move(body)};
  if (type == "MODIFIED") {
    out.type = WatchEvent::Type::modified;
  } else if (type == "DELETED") {
    out.type = WatchEvent::Type::deleted;
  } else if (type == "BOOKMARK") {
    out.type = WatchEvent::Type::bookmark;
  } else if (type != "ADDED") {
    throw Error(what_ + ": unknown event type " + type);
  }
  return out;
}

void Watch::cancel() {
  stream_->cancel();
}

ApiClient::ApiClient(const Kubeconfig& config) : ApiClient(config.endpoint()) {}

ApiClient::ApiClient(HttpEndpoint endpoint) : endpoint_(std::move(endpoint)), http_(endpoint_) {}

boost::json::value ApiClient::call(http::verb method, const std::string& target, const std::string& body,
                                   const std::string& content_type) {
  HttpResult result = http_.request(method, target, body, content_type);
  std::string what = std::string(http::to_string(method)) + " " + target;
  if (result.status >= 300) {
    throw ApiError(what, result.status, result.body);
  }
  return json::parse(result.body, what);
}

std::string ApiClient::get_text(const std::string& target) {
  HttpResult result = http_.request(http::verb::get, target);
  if (result.status >= 300) {
    throw ApiError("GET " + target, result.status, result.body);
  }
  return result.body;
}

boost::json::object ApiClient::get(const Resource& resource, const std::string& ns, const std::string& name) {
  std::string target = resource.collection_path(ns) + "/" + name;
  return as_object_reply(call(http::verb::get, target), "GET " + target);
}

ListPage ApiClient::list(const Resource& resource, const std::string& ns, const ListOptions& options) {
  std::string target = resource.collection_path(ns);
  if (!options.label_selector.empty()) {
    add_query(target, "labelSelector", options.label_selector);
  }
  if (!options.field_selector.empty()) {
    add_query(target, "fieldSelector", options.field_selector);
  }
  if (options.limit > 0) {
    add_query(target, "limit", std::to_string(options.limit));
  }
  if (!options.continue_token.empty()) {
    add_query(target, "continue", options.continue_token);
  }
  boost::json::object reply = as_object_reply(call(http::verb::get, target), "GET " + target);
  ListPage page;
  const boost::json::object& meta = metadata_of(reply);
  page.resource_version = string_member(meta, "resourceVersion");
  page.continue_token = string_member(meta, "continue");
  if (boost::json::value* items = reply.if_contains("items"); items != nullptr && items->is_array()) {
    for (boost::json::value& item : items->get_array()) {
      if (item.is_object()) {
        page.items.push_back(std::move(item.get_object()));
      }
    }
  }
  return page;
}

ListPage ApiClient::list_all(const Resource& resource, const std::string& ns, ListOptions options) {
  ListPage all = list(resource, ns, options);
  options.continue_token = all.continue_token;
  while (!options.continue_token.empty()) {
    ListPage page = list(resource, ns, options);
    std::move(page.items.begin(), page.items.end(), std::back_inserter(all.items));
    options.continue_token = page.continue_token;
  }
  all.continue_token.clear();
  return all;
}

boost::json::object ApiClient::create(const Resource& resource, const std::string& ns,
                                      const boost::json::object& object) {
  std::string target = resource.collection_path(ns.empty() ? metadata_field(object, "namespace") : ns);
  return as_object_reply(call(http::verb::post, target, boost::json::serialize(object)), "POST " + target);
}

boost::json::object ApiClient::update(const Resource& resource, const std::string& ns,
                                      const boost::json::object& object) {
  const boost::json::object& meta = metadata_of(object);
  std::string target =
      resource.collection_path(ns.empty() ? string_member(meta, "namespace") : ns) + "/" + string_member(meta, "name");
  return as_object_reply(call(http::verb::put, target, boost::json::serialize(object)), "PUT " + target);
}

boost::json::object ApiClient::patch(const Resource& resource, const std::string& ns, const std::string& name,
                                     PatchType type, const boost::json::value& patch) {
  std::string target = resource.collection_path(ns) + "/" + name;
  const char* content_type = type == PatchType::merge             ? "application/merge-patch+json"
                             : type == PatchType::strategic_merge ? "application/strategic-merge-patch+json"
                                                                  : "application/json-patch+json";
  return as_object_reply(call(http::verb::patch, target, boost::json::serialize(patch), content_type),
                         "PATCH " + target);
}

boost::json::object ApiClient::remove(const Resource& resource, const std::string& ns, const std::string& name,
                                      const std::string& propagation) {
  std::string target = resource.collection_path(ns) + "/" + name;
  std::string body;
  if (!propagation.empty()) {
    body = boost::json::serialize(
        boost::json::object{{"kind", "DeleteOptions"}, {"apiVersion", "v1"}, {"propagationPolicy", propagation}});
  }
  return as_object_reply(call(http::verb::delete_, target, body), "DELETE " + target);
}

std::unique_ptr<Watch> ApiClient::watch(const Resource& resource, const std::string& ns, const WatchOptions& options) {
  std::string target = resource.collection_path(ns);
  add_query(target, "watch", "true");
  if (!options.resource_version.empty()) {
    add_query(target, "resourceVersion", options.resource_version);
  }
  if (!options.label_selector.empty()) {
    add_query(target, "labelSelector", options.label_selector);
  }
  if (!options.field_selector.empty()) {
    add_query(target, "fieldSelector", options.field_selector);
  }
  if (options.bookmarks) {
    add_query(target, "allowWatchBookmarks", "true");
  }
  if (options.timeout_seconds > 0) {
    add_query(target, "timeoutSeconds", std::to_string(options.timeout_seconds));
  }
  std::unique_ptr<HttpStream> stream = http_.stream(http::verb::get, target);
  if (stream->status() != 200) {
    throw ApiError("GET " + target, stream->status(), stream->read_all());
  }
  return std::make_unique<Watch>(std::move(stream), "GET " + target);
}

}  // namespace skiff::api

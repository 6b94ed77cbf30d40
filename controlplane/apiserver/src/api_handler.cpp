#include "skiff/apiserver/api_handler.h"

#include <ctime>

#include "protobuf_to_json.h"
#include "skiff/apiserver/discovery.h"
#include "skiff/apiserver/openapi.h"
#include "skiff/apiserver/schema.h"
#include "skiff/apiserver/status.h"
#include "skiff/apiserver/table.h"
#include "skiff/apiserver/yaml.h"
#include "skiff/base/log.h"
#include "skiff/base/strings.h"

namespace skiff::apiserver {

namespace {

constexpr std::string_view kAggregatedType = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

std::string percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else if (plus_is_space && text[i] == '+') {
      out += ' ';
    } else {
      out += text[i];
    }
  }
  return out;
}

ApiResponse json_response(int status, const boost::json::value& body) {
  ApiResponse response;
  response.status = status;
  response.body = boost::json::serialize(body);
  return response;
}

ApiResponse text_response(const std::string& text) {
  ApiResponse response;
  response.content_type = "text/plain; charset=utf-8";
  response.body = text;
  return response;
}

std::string param(const ParsedTarget& target, const std::string& name) {
  auto it = target.query.find(name);
  return it == target.query.end() ? "" : it->second;
}

bool flag(const ParsedTarget& target, const std::string& name) {
  std::string value = param(target, name);
  return value == "1" || value == "true";
}

boost::json::value parse_body(const ApiRequest& request, const std::string& kind) {
  if (request.body.empty()) {
    throw bad_request("the request body is empty; a " + kind + " was expected");
  }
  std::string type = request.content_type.substr(0, request.content_type.find(';'));
  if (type == "application/yaml") {
    return yaml_to_json(request.body);
  }
  if (type == "application/vnd.kubernetes.protobuf") {
    return protobuf_to_json(request.body, kind);
  }
  if (!type.empty() && type != "application/json" && !type.ends_with("+json")) {
    throw ApiError(415, "UnsupportedMediaType",
                   "the body of the request was in an unknown format (" + type +
                       ") - accepted media types include: application/json, application/yaml, "
                       "application/vnd.kubernetes.protobuf");
  }
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(request.body, ec);
  if (ec) {
    throw bad_request("the object provided is unrecognized (must be of type " + kind +
                      "): couldn't get version/kind; json parse error: " + ec.message());
  }
  return value;
}

boost::json::object parse_object(const ApiRequest& request, const std::string& kind) {
  boost::json::value value = parse_body(request, kind);
  if (!value.is_object()) {
    throw bad_request("the object provided is unrecognized (must be of type " + kind + "): not a JSON object");
  }
  return std::move(value.as_object());
}

IncludeObject include_object(const ParsedTarget& target) {
  std::string value = param(target, "includeObject");
  if (value == "None") {
    return IncludeObject::none;
  }
  return value == "Object" ? IncludeObject::object : IncludeObject::metadata;
}

int64_t parse_revision(const std::string& text, const char* what) {
  if (text.empty()) {
    return 0;
  }
  try {
    return parse_int(text, what);
  } catch (const Error&) {
    throw bad_request(std::string("invalid ") + what + ": \"" + text + "\"");
  }
}

struct ResourceRoute {
  const ResourceType* type = nullptr;
  std::string ns;
  std::string name;
  std::string subresource;
  bool watch_path = false;
};

// The resource a path under /api/v1 or /apis/<group>/<version> names.
ResourceRoute resolve(const std::string& group, const std::string& version, std::vector<std::string> rest) {
  ResourceRoute route;
  if (!rest.empty() && rest.front() == "watch") {
    route.watch_path = true;
    rest.erase(rest.begin());
  }
  if (rest.size() >= 3 && rest[0] == "namespaces" && find_resource(group, version, rest[2])) {
    route.ns = rest[1];
    rest.erase(rest.begin(), rest.begin() + 2);
  }
  if (rest.empty() || rest.size() > 3) {
    throw not_found(group, "", "");
  }
  route.type = find_resource(group, version, rest[0]);
  if (!route.type) {
    ApiError error(404, "NotFound", "the server could not find the requested resource");
    throw error;
  }
  route.name = rest.size() > 1 ? rest[1] : "";
  route.subresource = rest.size() > 2 ? rest[2] : "";
  if (!route.subresource.empty() && !route.type->has_subresource(route.subresource)) {
    throw ApiError(404, "NotFound", "the server could not find the requested resource");
  }
  if (route.type->namespaced && route.ns.empty() && !route.name.empty()) {
    throw ApiError(404, "NotFound", "the server could not find the requested resource");
  }
  return route;
}

Part part_of(const std::string& subresource) {
  if (subresource == "status") {
    return Part::status;
  }
  return subresource == "scale" ? Part::scale : Part::object;
}

PatchType patch_type_of(const std::string& content_type) {
  std::string type = content_type.substr(0, content_type.find(';'));
  if (type == "application/merge-patch+json") {
    return PatchType::merge;
  }
  if (type == "application/json-patch+json") {
    return PatchType::json;
  }
  if (type == "application/strategic-merge-patch+json") {
    return PatchType::strategic;
  }
  throw ApiError(415, "UnsupportedMediaType",
                 "the body of the request was in an unknown format - accepted media types "
                 "include: application/json-patch+json, application/merge-patch+json, "
                 "application/strategic-merge-patch+json");
}

std::optional<PropagationPolicy> parse_propagation(const std::string& value) {
  if (value.empty()) {
    return std::nullopt;
  }
  if (value == "Background") {
    return PropagationPolicy::background;
  }
  if (value == "Foreground") {
    return PropagationPolicy::foreground;
  }
  if (value == "Orphan") {
    return PropagationPolicy::orphan;
  }
  throw bad_request("propagationPolicy must be one of Orphan, Background or Foreground, not \"" + value + "\"");
}

ApiResponse serve_resource(ObjectRegistry& registry, const ApiRequest& request, const ParsedTarget& target,
                           const ResourceRoute& route) {
  const ResourceType& type = *route.type;
  bool table = request.accept.find("as=Table") != std::string::npos;
  std::string dry_run = param(target, "dryRun");
  if (!dry_run.empty() && dry_run != "All") {
    throw bad_request("dryRun may only be All, not \"" + dry_run + "\"");
  }
  std::vector<std::string> warnings;
  WriteOptions write;
  write.dry_run = dry_run == "All";
  write.field_validation = parse_field_validation(param(target, "fieldValidation"));
  write.warnings = &warnings;
  if (request.method == "POST" || request.method == "PUT" || request.method == "PATCH") {
    write.duplicate_fields = duplicate_json_fields(request.body);
  }
  auto with_warnings = [&warnings](ApiResponse response) {
    response.warnings = std::move(warnings);
    return response;
  };
  if (request.method == "GET" && route.name.empty()) {
    LabelSelector labels = LabelSelector::parse(param(target, "labelSelector"));
    FieldSelector fields = FieldSelector::parse(param(target, "fieldSelector"), type.resource);
    if (route.watch_path || flag(target, "watch")) {
      WatchOptions options;
      options.labels = std::move(labels);
      options.fields = std::move(fields);
      std::string version = param(target, "resourceVersion");
      options.from_revision = version == "0" ? 0 : parse_revision(version, "resourceVersion");
      options.send_initial = options.from_revision == 0 && param(target, "sendInitialEvents") != "false";
      options.bookmarks = flag(target, "allowWatchBookmarks");
      options.timeout = std::chrono::seconds(parse_revision(param(target, "timeoutSeconds"), "timeoutSeconds"));
      IncludeObject include = include_object(target);
      options.encode = [table, include, &type](const boost::json::object& object) -> boost::json::value {
        if (!table) {
          return object;
        }
        return make_table(type, {object}, include, true, std::time(nullptr));
      };
      ApiResponse response;
      response.stream = registry.watch(type, route.ns, std::move(options));
      return response;
    }
    ListOptions options;
    options.labels = std::move(labels);
    options.fields = std::move(fields);
    options.limit = parse_revision(param(target, "limit"), "limit");
    options.continue_token = param(target, "continue");
    if (param(target, "resourceVersionMatch") == "Exact") {
      options.exact_revision = parse_revision(param(target, "resourceVersion"), "resourceVersion");
    }
    // The list's objects live in one arena, freed at once after the response is written:
    // allocating and freeing their nodes one by one was half the time of a 10,000-pod list.
    boost::json::storage_ptr arena = boost::json::make_shared_resource<boost::json::monotonic_resource>();
    options.storage = arena;
    ListResult result = registry.list(type, route.ns, options);
    boost::json::object metadata{{"resourceVersion", std::to_string(result.revision)}};
    if (!result.continue_token.empty()) {
      metadata["continue"] = result.continue_token;
    }
    if (table) {
      boost::json::object out = make_table(type, result.items, include_object(target), true, std::time(nullptr));
      out["metadata"] = std::move(metadata);
      return json_response(200, out);
    }
    // Moved, not copied, into the response: everything in it shares the arena.
    boost::json::array items(arena);
    items.reserve(result.items.size());
    for (auto& item : result.items) {
      items.emplace_back(std::move(item));
    }
    boost::json::object list(arena);
    list["kind"] = type.kind + "List";
    list["apiVersion"] = type.group_version();
    list["metadata"] = std::move(metadata);
    list["items"] = std::move(items);
    return json_response(200, std::move(list));
  }
  if (request.method == "GET") {
    boost::json::object object = registry.get_part(type, route.ns, route.name, part_of(route.subresource));
    if (table && route.subresource.empty()) {
      boost::json::object out = make_table(type, {object}, include_object(target), true, std::time(nullptr));
      out["metadata"] = {{"resourceVersion", object["metadata"].as_object()["resourceVersion"]}};
      return json_response(200, out);
    }
    return json_response(200, object);
  }
  if (request.method == "POST" && route.name.empty()) {
    return with_warnings(json_response(201, registry.create(type, route.ns, parse_object(request, type.kind), write)));
  }
  if (request.method == "POST" && route.subresource == "binding") {
    registry.bind(route.ns, route.name, parse_object(request, "Binding"));
    return json_response(201, success_status("", "pods", route.name, ""));
  }
  if (request.method == "PUT" && !route.name.empty()) {
    return with_warnings(json_response(200, registry.update(type, route.ns, route.name, part_of(route.subresource),
                                                            parse_object(request, type.kind), write)));
  }
  if (request.method == "PATCH" && !route.name.empty()) {
    PatchType patch_type = patch_type_of(request.content_type);
    return with_warnings(json_response(200, registry.patch(type, route.ns, route.name, part_of(route.subresource),
                                                           patch_type, parse_body(request, "Patch"), write)));
  }
  if (request.method == "DELETE") {
    DeletePreconditions preconditions;
    preconditions.dry_run = write.dry_run;
    std::string propagation = param(target, "propagationPolicy");
    std::string grace = param(target, "gracePeriodSeconds");
    if (!request.body.empty()) {
      boost::json::object options = parse_object(request, "DeleteOptions");
      if (const auto* policy = options.if_contains("propagationPolicy"); policy && policy->is_string()) {
        propagation = std::string(policy->as_string());
      }
      if (const auto* seconds = options.if_contains("gracePeriodSeconds"); seconds && seconds->is_int64()) {
        grace = std::to_string(seconds->as_int64());
      }
      if (const auto* runs = options.if_contains("dryRun"); runs && runs->is_array()) {
        for (const auto& run : runs->as_array()) {
          preconditions.dry_run = preconditions.dry_run || run == "All";
        }
      }
      if (const auto* pre = options.if_contains("preconditions"); pre && pre->is_object()) {
        const auto& p = pre->as_object();
        if (const auto* uid = p.if_contains("uid"); uid && uid->is_string()) {
          preconditions.uid = std::string(uid->as_string());
        }
        if (const auto* rv = p.if_contains("resourceVersion"); rv && rv->is_string()) {
          preconditions.resource_version = std::string(rv->as_string());
        }
      }
    }
    preconditions.propagation = parse_propagation(propagation);
    if (!grace.empty()) {
      preconditions.grace_period_seconds = parse_revision(grace, "gracePeriodSeconds");
    }
    if (!route.name.empty()) {
      return json_response(200, registry.remove(type, route.ns, route.name, preconditions));
    }
    // The uid and resourceVersion preconditions name one object, not a collection.
    preconditions.uid.clear();
    preconditions.resource_version.clear();
    ListOptions options;
    options.labels = LabelSelector::parse(param(target, "labelSelector"));
    options.fields = FieldSelector::parse(param(target, "fieldSelector"), type.resource);
    ListResult result = registry.list(type, route.ns, options);
    boost::json::array items;
    for (const auto& item : result.items) {
      std::string name(item.at("metadata").at("name").as_string());
      std::string ns = type.namespaced ? std::string(item.at("metadata").at("namespace").as_string()) : "";
      try {
        items.emplace_back(registry.remove(type, ns, name, preconditions));
      } catch (const ApiError& e) {
        if (e.http_code() != 404) {
          throw;
        }
      }
    }
    return json_response(200, boost::json::object{{"kind", type.kind + "List"},
                                                  {"apiVersion", type.group_version()},
                                                  {"metadata", boost::json::object{}},
                                                  {"items", std::move(items)}});
  }
  throw method_not_allowed("the server does not allow this method on the requested resource");
}

}  // namespace

ParsedTarget parse_target(const std::string& target) {
  ParsedTarget parsed;
  size_t question = target.find('?');
  std::string_view path = std::string_view(target).substr(0, question);
  for (const std::string& segment : split(path, '/')) {
    if (!segment.empty()) {
      parsed.segments.push_back(percent_decode(segment, false));
    }
  }
  if (question != std::string::npos) {
    for (const std::string& pair : split(std::string_view(target).substr(question + 1), '&')) {
      if (pair.empty()) {
        continue;
      }
      size_t eq = pair.find('=');
      std::string key = percent_decode(pair.substr(0, eq), true);
      parsed.query[key] = eq == std::string::npos ? "" : percent_decode(std::string_view(pair).substr(eq + 1), true);
    }
  }
  return parsed;
}

ApiHandler::ApiHandler(ObjectRegistry& registry, std::string server_address)
    : registry_(registry), server_address_(std::move(server_address)) {}

ApiResponse ApiHandler::handle(const ApiRequest& request) {
  try {
    return route(request);
  } catch (const ApiError& e) {
    return json_response(e.http_code(), e.to_status());
  } catch (const std::exception& e) {
    log::error(request.method + " " + request.target + ": " + e.what());
    return json_response(
        500, ApiError(500, "InternalError", std::string("Internal error occurred: ") + e.what()).to_status());
  }
}

ApiResponse ApiHandler::route(const ApiRequest& request) {
  ParsedTarget target = parse_target(request.target);
  const std::vector<std::string>& s = target.segments;
  bool aggregated = request.accept.find("as=APIGroupDiscoveryList") != std::string::npos;
  if (s.empty()) {
    return json_response(
        200, boost::json::object{{"paths", boost::json::array{"/api", "/api/v1", "/apis", "/healthz", "/livez",
                                                              "/openapi/v2", "/openapi/v3", "/readyz", "/version"}}});
  }
  if (s[0] == "healthz" || s[0] == "livez" || s[0] == "readyz") {
    registry_.store().current_revision();  // the store answers
    return text_response("ok");
  }
  if (s[0] == "version" && s.size() == 1) {
    return json_response(200, version_info());
  }
  if (s[0] == "openapi") {
    ApiResponse response = json_response(200, openapi_document(s, target.query));
    return response;
  }
  bool core = s[0] == "api";
  if ((core || s[0] == "apis") && request.method == "GET") {
    if (s.size() == 1) {
      if (aggregated) {
        ApiResponse response = json_response(200, aggregated_discovery(core));
        response.content_type = kAggregatedType;
        return response;
      }
      return json_response(200, core ? core_api_versions(server_address_) : api_group_list());
    }
    if (!core && s.size() == 2) {
      boost::json::object group = api_group(s[1]);
      if (group.empty()) {
        throw ApiError(404, "NotFound", "the server could not find the requested resource");
      }
      return json_response(200, group);
    }
    if ((core && s.size() == 2) || (!core && s.size() == 3)) {
      boost::json::object list = core ? api_resource_list("", s[1]) : api_resource_list(s[1], s[2]);
      if (list.empty()) {
        throw ApiError(404, "NotFound", "the server could not find the requested resource");
      }
      return json_response(200, std::move(list));
    }
  }
  if (core && s.size() >= 3 && s[1] == "v1") {
    return serve_resource(registry_, request, target, resolve("", "v1", {s.begin() + 2, s.end()}));
  }
  if (s[0] == "apis" && s.size() >= 4) {
    return serve_resource(registry_, request, target, resolve(s[1], s[2], {s.begin() + 3, s.end()}));
  }
  throw ApiError(404, "NotFound", "the server could not find the requested resource");
}

}  // namespace skiff::apiserver

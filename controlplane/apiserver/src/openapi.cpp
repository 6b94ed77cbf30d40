#include "skiff/apiserver/openapi.h"

#include "skiff/apiserver/resources.h"
#include "skiff/apiserver/status.h"

namespace skiff::apiserver {

namespace {

boost::json::object query_param(const char* name, const char* description) {
  return {{"name", name},
          {"in", "query"},
          {"description", description},
          {"schema", {{"type", "string"}, {"uniqueItems", true}}}};
}

boost::json::object path_param(const char* name) {
  return {{"name", name}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}, {"uniqueItems", true}}}};
}

boost::json::object operation(const ResourceType& type, const std::string& action, const std::string& id,
                              const std::string& kind, bool writes) {
  boost::json::array parameters;
  if (writes) {
    parameters.push_back(query_param("dryRun", "When present, indicates that modifications should not be persisted."));
    parameters.push_back(query_param("fieldManager",
                                     "fieldManager is a name associated with the actor or entity "
                                     "that is making these changes."));
    parameters.push_back(query_param("fieldValidation",
                                     "fieldValidation instructs the server on how to handle objects in the request "
                                     "containing unknown or duplicate fields: Ignore, Warn or Strict."));
  }
  boost::json::object gvk{{"group", type.group}, {"version", type.version}, {"kind", kind}};
  return {{"operationId", id},
          {"parameters", std::move(parameters)},
          {"responses", {{"200", {{"description", "OK"}}}, {"401", {{"description", "Unauthorized"}}}}},
          {"x-kubernetes-action", action},
          {"x-kubernetes-group-version-kind", std::move(gvk)}};
}

std::string group_path(const std::string& group, const std::string& version) {
  return group.empty() ? "api/" + version : "apis/" + group + "/" + version;
}

// A stable tag for the document's contents, so that kubectl's cache can keep it.
std::string document_hash(const std::string& group, const std::string& version) {
  return std::to_string(std::hash<std::string>{}(group + "/" + version + SKIFF_VERSION));
}

boost::json::object group_version_document(const std::string& group, const std::string& version) {
  boost::json::object paths;
  for (const ResourceType& type : resource_types()) {
    if (type.group != group || type.version != version) {
      continue;
    }
    std::string base =
        "/" + group_path(group, version) + (type.namespaced ? "/namespaces/{namespace}/" : "/") + type.resource;
    boost::json::array base_params;
    if (type.namespaced) {
      base_params.push_back(path_param("namespace"));
    }
    std::string id_suffix = type.kind;
    boost::json::object collection{
        {"get", operation(type, "list", "list" + id_suffix, type.kind, false)},
        {"post", operation(type, "post", "create" + id_suffix, type.kind, true)},
        {"delete", operation(type, "deletecollection", "deleteCollection" + id_suffix, type.kind, false)},
        {"parameters", base_params}};
    paths[base] = std::move(collection);
    boost::json::array item_params = base_params;
    item_params.push_back(path_param("name"));
    paths[base + "/{name}"] = {{"get", operation(type, "get", "read" + id_suffix, type.kind, false)},
                               {"put", operation(type, "put", "replace" + id_suffix, type.kind, true)},
                               {"patch", operation(type, "patch", "patch" + id_suffix, type.kind, true)},
                               {"delete", operation(type, "delete", "delete" + id_suffix, type.kind, false)},
                               {"parameters", item_params}};
    for (const std::string& sub : type.subresources) {
      if (sub == "binding" || sub == "finalize") {
        continue;
      }
      boost::json::object sub_type{{"group", sub == "scale" ? "autoscaling" : type.group},
                                   {"version", sub == "scale" ? "v1" : type.version},
                                   {"kind", sub == "scale" ? "Scale" : type.kind}};
      std::string sub_id = type.kind + (sub == "scale" ? "Scale" : "Status");
      boost::json::object get = operation(type, "get", "read" + sub_id, type.kind, false);
      boost::json::object put = operation(type, "put", "replace" + sub_id, type.kind, true);
      boost::json::object patch = operation(type, "patch", "patch" + sub_id, type.kind, true);
      for (boost::json::object* op : {&get, &put, &patch}) {
        (*op)["x-kubernetes-group-version-kind"] = sub_type;
      }
      paths[base + "/{name}/" + sub] = {
          {"get", std::move(get)}, {"put", std::move(put)}, {"patch", std::move(patch)}, {"parameters", item_params}};
    }
  }
  if (paths.empty()) {
    throw ApiError(404, "NotFound", "the server could not find the requested resource");
  }
  return {{"openapi", "3.0.0"},
          {"info", {{"title", "Kubernetes"}, {"version", "v1.32.0"}}},
          {"paths", std::move(paths)},
          {"components", {{"schemas", boost::json::object{}}}}};
}

}  // namespace

boost::json::object openapi_document(const std::vector<std::string>& segments,
                                     const std::map<std::string, std::string>& /*query*/) {
  if (segments.size() >= 2 && segments[1] == "v3") {
    if (segments.size() == 2) {
      boost::json::object paths;
      for (const GroupVersion& gv : group_versions()) {
        std::string path = group_path(gv.group, gv.version);
        paths[path] = {{"serverRelativeURL", "/openapi/v3/" + path + "?hash=" + document_hash(gv.group, gv.version)}};
      }
      return {{"paths", std::move(paths)}};
    }
    if (segments.size() == 4 && segments[2] == "api") {
      return group_version_document("", segments[3]);
    }
    if (segments.size() == 5 && segments[2] == "apis") {
      return group_version_document(segments[3], segments[4]);
    }
  }
  throw ApiError(404, "NotFound", "the server could not find the requested resource");
}

}  // namespace skiff::apiserver

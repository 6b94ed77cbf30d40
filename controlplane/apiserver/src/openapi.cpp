#include "skiff/apiserver/openapi.h"

#include <openssl/evp.h>

#include <array>

#include "skiff/apiserver/resources.h"
#include "skiff/apiserver/schema.h"
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

boost::json::object group_version_document(const std::string& group, const std::string& version) {
  const SchemaCatalog& catalog = SchemaCatalog::builtin();
  boost::json::object paths;
  std::vector<std::string> roots{"io.k8s.apimachinery.pkg.apis.meta.v1.Status"};
  for (const ResourceType* served : served_types(group, version)) {
    const ResourceType& type = *served;
    if (const SchemaType* schema = catalog.find_kind(type.group, type.version, type.kind)) {
      roots.push_back(schema->name);
    }
    if (type.has_subresource("scale")) {
      roots.emplace_back("io.k8s.api.autoscaling.v1.Scale");
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
          {"components", {{"schemas", catalog.openapi_schemas(roots)}}}};
}

// The documents of every served group-version ("api/v1", "apis/apps/v1"), built once, with the
// hash of their contents that the index names, so that kubectl's cache keeps a document until it
// changes.
struct Document {
  boost::json::object body;
  std::string hash;
};

const std::map<std::string, Document>& documents() {
  static const std::map<std::string, Document> all = [] {
    std::map<std::string, Document> built;
    for (const GroupVersion& gv : group_versions()) {
      Document document{group_version_document(gv.group, gv.version), ""};
      std::string text = boost::json::serialize(document.body);
      std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
      unsigned int size = 0;
      EVP_Digest(text.data(), text.size(), digest.data(), &size, EVP_sha512(), nullptr);
      static constexpr char kHex[] = "0123456789ABCDEF";
      for (unsigned int i = 0; i < size; ++i) {
        document.hash += kHex[digest[i] >> 4];
        document.hash += kHex[digest[i] & 0xf];
      }
      built.emplace(group_path(gv.group, gv.version), std::move(document));
    }
    return built;
  }();
  return all;
}

}  // namespace

boost::json::object openapi_document(const std::vector<std::string>& segments,
                                     const std::map<std::string, std::string>& /*query*/) {
  if (segments.size() >= 2 && segments[1] == "v3") {
    if (segments.size() == 2) {
      boost::json::object paths;
      for (const auto& [path, document] : documents()) {
        paths[path] = {{"serverRelativeURL", "/openapi/v3/" + path + "?hash=" + document.hash}};
      }
      return {{"paths", std::move(paths)}};
    }
    std::string path;
    for (size_t i = 2; i < segments.size(); ++i) {
      path += (i > 2 ? "/" : "") + segments[i];
    }
    if (auto it = documents().find(path); it != documents().end()) {
      return it->second.body;
    }
  }
  throw ApiError(404, "NotFound", "the server could not find the requested resource");
}

}  // namespace skiff::apiserver

#include "skiff/apiserver/namespace_lifecycle.h"

#include "skiff/apiserver/finalizers.h"
#include "skiff/apiserver/registry.h"
#include "stored_object.h"

namespace skiff::apiserver {

bool is_immortal_namespace(const std::string& name) {
  return name == "default" || name == "kube-system" || name == "kube-public" || name == "kube-node-lease";
}

ApiError forbidden(const std::string& group, const std::string& resource, const std::string& name,
                   const std::string& why) {
  std::string qualified = group.empty() ? resource : resource + "." + group;
  ApiError error(403, "Forbidden", qualified + " \"" + name + "\" is forbidden: " + why);
  error.name = name;
  error.group = group;
  error.kind = resource;
  return error;
}

void check_namespace_open(const boost::json::object& namespace_object, const ResourceType& type,
                          const std::string& name) {
  if (!being_deleted(namespace_object)) {
    return;
  }
  std::string ns = meta_string(namespace_object, "name");
  ApiError error = forbidden(type.group, type.resource, name,
                             "unable to create new content in namespace " + ns + " because it is being terminated");
  error.causes.push_back({"NamespaceTerminating", "namespace " + ns + " is being terminated", "metadata.namespace"});
  throw error;
}

bool finish_namespace_deletion(ObjectRegistry& registry, const std::string& name) {
  const ResourceType& namespaces = *find_resource("", "v1", "namespaces");
  boost::json::object ns;
  try {
    ns = registry.get(namespaces, "", name);
  } catch (const ApiError& e) {
    if (e.http_code() == 404) {
      return true;
    }
    throw;
  }
  if (!being_deleted(ns)) {
    return true;
  }
  bool remaining = false;
  for (const ResourceType& type : resource_types()) {
    if (!type.namespaced) {
      continue;
    }
    for (const boost::json::object& item : registry.list(type, name, {}).items) {
      if (being_deleted(item)) {  // waits for its finalizers or its node
        remaining = true;
        continue;
      }
      try {
        remaining = being_deleted(registry.remove(type, name, meta_string(item, "name"), {})) || remaining;
      } catch (const ApiError& e) {
        if (e.http_code() != 404) {  // gone meanwhile (a dependent of something deleted before it)
          throw;
        }
      }
    }
  }
  if (remaining) {
    return false;
  }
  boost::json::array kept;
  for (const std::string& finalizer : namespace_spec_finalizers(ns)) {
    if (finalizer != kNamespaceFinalizer) {
      kept.emplace_back(finalizer);
    }
  }
  auto& spec = ns["spec"];
  if (!spec.is_object()) {
    spec = boost::json::object{};
  }
  // Empty, not absent: defaulting would put "kubernetes" back.
  spec.as_object()["finalizers"] = std::move(kept);
  return write_if_unchanged(registry, namespaces, "", ns);
}

}  // namespace skiff::apiserver

#include "skiff/apiserver/resources.h"

#include <algorithm>

namespace skiff::apiserver {

std::string ResourceType::path_prefix() const {
  return group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
}

bool ResourceType::has_subresource(const std::string& name) const {
  return std::find(subresources.begin(), subresources.end(), name) != subresources.end();
}

std::string ResourceType::key(const std::string& namespace_name, const std::string& name) const {
  return namespaced ? "/registry/" + resource + "/" + namespace_name + "/" + name
                    : "/registry/" + resource + "/" + name;
}

std::string ResourceType::key_prefix(const std::string& namespace_name) const {
  if (namespaced && !namespace_name.empty()) {
    return "/registry/" + resource + "/" + namespace_name + "/";
  }
  return "/registry/" + resource + "/";
}

const std::vector<ResourceType>& resource_types() {
  static const std::vector<ResourceType> types = {
      {"", "v1", "namespaces", "namespace", "Namespace", false, {"ns"}, {}, {"status", "finalize"}},
      {"", "v1", "pods", "pod", "Pod", true, {"po"}, {"all"}, {"status", "binding"}},
      {"", "v1", "nodes", "node", "Node", false, {"no"}, {}, {"status"}},
      {"", "v1", "services", "service", "Service", true, {"svc"}, {"all"}, {"status"}},
      {"", "v1", "endpoints", "endpoints", "Endpoints", true, {"ep"}, {}, {}},
      {"", "v1", "configmaps", "configmap", "ConfigMap", true, {"cm"}, {}, {}},
      {"", "v1", "secrets", "secret", "Secret", true, {}, {}, {}},
      {"", "v1", "events", "event", "Event", true, {"ev"}, {}, {}},
      {"", "v1", "serviceaccounts", "serviceaccount", "ServiceAccount", true, {"sa"}, {}, {}},
      {"apps", "v1", "deployments", "deployment", "Deployment", true, {"deploy"}, {"all"}, {"status", "scale"}},
      {"apps", "v1", "replicasets", "replicaset", "ReplicaSet", true, {"rs"}, {"all"}, {"status", "scale"}},
      {"apps", "v1", "daemonsets", "daemonset", "DaemonSet", true, {"ds"}, {"all"}, {"status"}},
      {"coordination.k8s.io", "v1", "leases", "lease", "Lease", true, {}, {}, {}},
      {"autoscaling",
       "v2",
       "horizontalpodautoscalers",
       "horizontalpodautoscaler",
       "HorizontalPodAutoscaler",
       true,
       {"hpa"},
       {"all"},
       {"status"}},
      {"discovery.k8s.io", "v1", "endpointslices", "endpointslice", "EndpointSlice", true, {}, {}, {}},
  };
  return types;
}

const std::vector<ResourceType>& converted_types() {
  // autoscaling/v1 HorizontalPodAutoscaler: the v2 resource in another version.
  static const std::vector<ResourceType> types = [] {
    ResourceType v1 = *find_kind("autoscaling", "HorizontalPodAutoscaler");
    v1.version = "v1";
    return std::vector<ResourceType>{v1};
  }();
  return types;
}

const std::vector<GroupVersion>& group_versions() {
  // A group's versions in the order of preference: autoscaling/v2 is preferred, as in kube.
  static const std::vector<GroupVersion> versions = {
      {"", "v1"},
      {"apps", "v1"},
      {"coordination.k8s.io", "v1"},
      {"autoscaling", "v2"},
      {"autoscaling", "v1"},
      {"discovery.k8s.io", "v1"},
  };
  return versions;
}

const ResourceType* find_resource(const std::string& group, const std::string& version, const std::string& resource) {
  for (const auto* types : {&resource_types(), &converted_types()}) {
    for (const ResourceType& type : *types) {
      if (type.group == group && type.version == version && type.resource == resource) {
        return &type;
      }
    }
  }
  return nullptr;
}

std::vector<const ResourceType*> served_types(const std::string& group, const std::string& version) {
  std::vector<const ResourceType*> found;
  for (const auto* types : {&resource_types(), &converted_types()}) {
    for (const ResourceType& type : *types) {
      if (type.group == group && type.version == version) {
        found.push_back(&type);
      }
    }
  }
  return found;
}

const ResourceType* find_kind(const std::string& group, const std::string& kind) {
  for (const ResourceType& type : resource_types()) {
    if (type.group == group && type.kind == kind) {
      return &type;
    }
  }
  return nullptr;
}

std::vector<std::string> resource_verbs(const ResourceType& /*type*/) {
  return {"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"};
}

std::vector<std::string> subresource_verbs(const std::string& subresource) {
  if (subresource == "binding") {
    return {"create"};
  }
  if (subresource == "finalize") {
    return {"update"};
  }
  return {"get", "patch", "update"};
}

}  // namespace skiff::apiserver

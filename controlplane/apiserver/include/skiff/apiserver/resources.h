#pragma once

#include <string>
#include <vector>

namespace skiff::apiserver {

// One served resource type: where it lives in the URL space and how discovery describes it.
struct ResourceType {
  std::string group;     // "" for core
  std::string version;   // "v1"
  std::string resource;  // plural, as in URLs: "deployments"
  std::string singular;  // "deployment"
  std::string kind;      // "Deployment"
  bool namespaced = true;
  std::vector<std::string> short_names;
  std::vector<std::string> categories;
  // Subresources besides the object itself: "status", "scale", "binding".
  std::vector<std::string> subresources;

  // "v1" or "apps/v1", the apiVersion of the kind.
  [[nodiscard]] std::string group_version() const { return group.empty() ? version : group + "/" + version; }
  // "/api/v1" or "/apis/apps/v1".
  [[nodiscard]] std::string path_prefix() const;
  [[nodiscard]] bool has_subresource(const std::string& name) const;
  // The store key of an object: /registry/<resource>/<namespace>/<name>, or /registry/<resource>/<name>.
  [[nodiscard]] std::string key(const std::string& namespace_name, const std::string& name) const;
  // The prefix of a list's keys: one namespace's (or every object's when namespace_name is empty).
  [[nodiscard]] std::string key_prefix(const std::string& namespace_name) const;
};

// A served group-version, in discovery order.
struct GroupVersion {
  std::string group;
  std::string version;
};

// Every resource type skiff-server stores, each kind in its storage version.
const std::vector<ResourceType>& resource_types();
// The types served in a version besides the stored one (autoscaling/v1 HorizontalPodAutoscaler),
// converted on the way in and out (version_conversion.h).
const std::vector<ResourceType>& converted_types();
// The types served in one group-version, stored or converted.
std::vector<const ResourceType*> served_types(const std::string& group, const std::string& version);
// The group-versions, core first, then the groups in the order /apis lists them.
const std::vector<GroupVersion>& group_versions();
// The type with this group, version and plural (stored or converted), nullptr when not served.
const ResourceType* find_resource(const std::string& group, const std::string& version, const std::string& resource);
// The storage version's type of a kind.
const ResourceType* find_kind(const std::string& group, const std::string& kind);
// The verbs discovery lists for a resource type or one of its subresources.
std::vector<std::string> resource_verbs(const ResourceType& type);
std::vector<std::string> subresource_verbs(const std::string& subresource);

}  // namespace skiff::apiserver

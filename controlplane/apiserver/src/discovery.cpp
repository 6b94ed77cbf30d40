#include "skiff/apiserver/discovery.h"

#include "skiff/apiserver/resources.h"

namespace skiff::apiserver {

namespace {

boost::json::array strings(const std::vector<std::string>& values) {
  boost::json::array out;
  for (const std::string& v : values) {
    out.emplace_back(v);
  }
  return out;
}

// The kind a subresource answers with: a Scale of autoscaling/v1, or the parent's own kind.
boost::json::object subresource_kind(const ResourceType& type, const std::string& sub) {
  if (sub == "scale") {
    return {{"group", "autoscaling"}, {"version", "v1"}, {"kind", "Scale"}};
  }
  if (sub == "binding") {
    return {{"group", ""}, {"version", "v1"}, {"kind", "Binding"}};
  }
  return {{"group", type.group}, {"version", type.version}, {"kind", type.kind}};
}

// Whether gv is the first (preferred) version of its group in group_versions().
bool first_of_group(const GroupVersion& gv) {
  for (const GroupVersion& other : group_versions()) {
    if (other.group == gv.group) {
      return other.version == gv.version;
    }
  }
  return false;
}

}  // namespace

boost::json::object version_info() {
  return {{"major", "1"},
          {"minor", "32"},
          {"gitVersion", std::string("v1.32.0+skiff-") + SKIFF_VERSION},
          {"gitCommit", ""},
          {"gitTreeState", "clean"},
          {"buildDate", "1970-01-01T00:00:00Z"},
          {"goVersion", "n/a (C++)"},
          {"compiler", "g++"},
          {"platform", "linux/amd64"}};
}

boost::json::object core_api_versions(const std::string& server_address) {
  return {{"kind", "APIVersions"},
          {"versions", boost::json::array{"v1"}},
          {"serverAddressByClientCIDRs",
           boost::json::array{{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", server_address}}}}};
}

boost::json::object api_group(const std::string& group) {
  boost::json::array versions;
  for (const GroupVersion& gv : group_versions()) {
    if (gv.group == group && !group.empty()) {
      versions.push_back({{"groupVersion", gv.group + "/" + gv.version}, {"version", gv.version}});
    }
  }
  if (versions.empty()) {
    return {};
  }
  boost::json::value preferred = versions.front();
  return {{"kind", "APIGroup"},
          {"apiVersion", "v1"},
          {"name", group},
          {"versions", std::move(versions)},
          {"preferredVersion", std::move(preferred)}};
}

boost::json::object api_group_list() {
  boost::json::array groups;
  for (const GroupVersion& gv : group_versions()) {
    if (gv.group.empty() || !first_of_group(gv)) {
      continue;
    }
    boost::json::object group = api_group(gv.group);
    group.erase("kind");
    group.erase("apiVersion");
    groups.push_back(std::move(group));
  }
  return {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", std::move(groups)}};
}

boost::json::object api_resource_list(const std::string& group, const std::string& version) {
  boost::json::array resources;
  for (const ResourceType* type_of : served_types(group, version)) {
    const ResourceType& type = *type_of;
    boost::json::object entry{{"name", type.resource},
                              {"singularName", type.singular},
                              {"namespaced", type.namespaced},
                              {"kind", type.kind},
                              {"verbs", strings(resource_verbs(type))}};
    if (!type.short_names.empty()) {
      entry["shortNames"] = strings(type.short_names);
    }
    if (!type.categories.empty()) {
      entry["categories"] = strings(type.categories);
    }
    resources.push_back(std::move(entry));
    for (const std::string& sub : type.subresources) {
      boost::json::object kind = subresource_kind(type, sub);
      boost::json::object sub_entry{{"name", type.resource + "/" + sub},
                                    {"singularName", ""},
                                    {"namespaced", type.namespaced},
                                    {"kind", kind["kind"]},
                                    {"verbs", strings(subresource_verbs(sub))}};
      if (sub == "scale") {
        sub_entry["group"] = "autoscaling";
        sub_entry["version"] = "v1";
      }
      resources.push_back(std::move(sub_entry));
    }
  }
  if (resources.empty()) {
    return {};
  }
  return {{"kind", "APIResourceList"},
          {"apiVersion", "v1"},
          {"groupVersion", group.empty() ? version : group + "/" + version},
          {"resources", std::move(resources)}};
}

boost::json::object aggregated_discovery(bool core) {
  boost::json::array items;
  for (const GroupVersion& gv : group_versions()) {
    if (gv.group.empty() != core) {
      continue;
    }
    boost::json::array resources;
    for (const ResourceType* type_of : served_types(gv.group, gv.version)) {
      const ResourceType& type = *type_of;
      boost::json::object entry{
          {"resource", type.resource},
          {"responseKind", {{"group", type.group}, {"version", type.version}, {"kind", type.kind}}},
          {"scope", type.namespaced ? "Namespaced" : "Cluster"},
          {"singularResource", type.singular},
          {"verbs", strings(resource_verbs(type))}};
      if (!type.short_names.empty()) {
        entry["shortNames"] = strings(type.short_names);
      }
      if (!type.categories.empty()) {
        entry["categories"] = strings(type.categories);
      }
      boost::json::array subs;
      for (const std::string& sub : type.subresources) {
        subs.push_back({{"subresource", sub},
                        {"responseKind", subresource_kind(type, sub)},
                        {"verbs", strings(subresource_verbs(sub))}});
      }
      if (!subs.empty()) {
        entry["subresources"] = std::move(subs);
      }
      resources.push_back(std::move(entry));
    }
    boost::json::object version{{"version", gv.version}, {"resources", std::move(resources)}, {"freshness", "Current"}};
    // A group's versions go in one item, the preferred (first) version first.
    if (!first_of_group(gv) && !items.empty()) {
      items.back().as_object()["versions"].as_array().push_back(std::move(version));
      continue;
    }
    items.push_back({{"metadata", {{"name", gv.group}, {"creationTimestamp", nullptr}}},
                     {"versions", boost::json::array{std::move(version)}}});
  }
  return {{"kind", "APIGroupDiscoveryList"},
          {"apiVersion", "apidiscovery.k8s.io/v2"},
          {"metadata", boost::json::object{}},
          {"items", std::move(items)}};
}

}  // namespace skiff::apiserver

#pragma once

#include <boost/json.hpp>
#include <string>

#include "server_process.h"
#include "skiff/api/client.h"

namespace skiff::api::testing {

inline const Resource configmaps_resource{.plural = "configmaps"};
inline const Resource namespaces_resource{.plural = "namespaces", .namespaced = false};

// A client with the admin kubeconfig the server wrote.
inline ApiClient admin_client(const apiserver::testing::ServerProcess& server) {
  return ApiClient(Kubeconfig::load(server.data_dir() + "/admin.kubeconfig"));
}

inline boost::json::object config_map(const std::string& name, const std::string& value) {
  return boost::json::object{
      {"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", name}}}, {"data", {{"value", value}}}};
}

inline boost::json::object namespace_object(const std::string& name) {
  return boost::json::object{{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}};
}

inline std::string name_of(const boost::json::object& object) {
  return std::string(object.at("metadata").at("name").as_string());
}

inline std::string version_of(const boost::json::object& object) {
  return std::string(object.at("metadata").at("resourceVersion").as_string());
}

}  // namespace skiff::api::testing

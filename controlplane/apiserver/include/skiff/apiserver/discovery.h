#pragma once

#include <boost/json.hpp>
#include <string>

namespace skiff::apiserver {

// /version
boost::json::object version_info();
// /api: APIVersions
boost::json::object core_api_versions(const std::string& server_address);
// /apis: APIGroupList
boost::json::object api_group_list();
// /apis/<group>: APIGroup, nullopt-like empty object when the group is not served.
boost::json::object api_group(const std::string& group);
// /api/v1 or /apis/<group>/<version>: APIResourceList (empty object when not served).
boost::json::object api_resource_list(const std::string& group, const std::string& version);
// /api or /apis as aggregated discovery (apidiscovery.k8s.io/v2 APIGroupDiscoveryList): the core
// group alone for /api, every other group for /apis.
boost::json::object aggregated_discovery(bool core);

}  // namespace skiff::apiserver

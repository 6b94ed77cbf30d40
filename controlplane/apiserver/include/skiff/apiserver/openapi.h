#pragma once

#include <boost/json.hpp>
#include <map>
#include <string>
#include <vector>

namespace skiff::apiserver {

// The OpenAPI v3 documents kubectl reads: /openapi/v3 (the index of group-versions) and
// /openapi/v3/api/v1, /openapi/v3/apis/<group>/<version> (the paths with their operations, whose
// PATCH operations declare the fieldValidation parameter, so kubectl leaves validation to the
// server). segments is the request path split at '/', starting with "openapi".
// Throws a 404 ApiError for anything else.
boost::json::object openapi_document(const std::vector<std::string>& segments,
                                     const std::map<std::string, std::string>& query);

}  // namespace skiff::apiserver

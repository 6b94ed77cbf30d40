#pragma once

#include <boost/json.hpp>
#include <string_view>

namespace skiff::apiserver {

// The JSON value of a one-document YAML body (Content-Type application/yaml), with YAML 1.1's
// plain scalars typed as kube's YAML decoder types them (null, booleans, numbers). A syntax error
// is a 400 ApiError naming the line.
boost::json::value yaml_to_json(std::string_view text);

}  // namespace skiff::apiserver

#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "skiff/apiserver/resources.h"
#include "skiff/apiserver/status.h"

namespace skiff::apiserver {

// The messages of kube's validation (k8s.io/apimachinery/pkg/util/validation), empty when the
// value is valid.
std::vector<std::string> dns1123_subdomain_errors(std::string_view value);
std::vector<std::string> dns1123_label_errors(std::string_view value);
std::vector<std::string> dns1035_label_errors(std::string_view value);
// A name that can be a URL path segment (not "." or "..", no '/' or '%'), kube's rule for events.
std::vector<std::string> path_segment_name_errors(std::string_view value);
// A label key ("prefix/name") and a label value.
std::vector<std::string> label_key_errors(std::string_view key);
std::vector<std::string> label_value_errors(std::string_view value);

// The field errors of an object of this type as kube's validation reports them (names, labels,
// the fields kube requires). An empty result means valid.
std::vector<StatusCause> validate_object(const ResourceType& type, const boost::json::object& object);

// Throws the 422 Invalid ApiError when validate_object finds errors.
void check_valid(const ResourceType& type, const boost::json::object& object);

}  // namespace skiff::apiserver

#pragma once

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "skiff/apiserver/resources.h"

namespace skiff::apiserver {

// kube's fieldValidation parameter: what to do with fields the schema does not know and with
// fields given twice. Unknown fields are dropped in every mode (kube's decoder drops them).
enum class FieldValidation { ignore, warn, strict };

// "Ignore", "Warn", "Strict"; "" is Warn, kube's default. Anything else is a 400 ApiError.
FieldValidation parse_field_validation(const std::string& value);

// Where the fields come from: a whole object (create, update) or a patch's result.
enum class BodyKind { object, patch };

// Drops the fields of object that the schema of type does not know. Under strict, unknown or
// duplicate fields are a 400 ApiError with kube's "strict decoding error: unknown field ..."
// message; under warn they are returned as the warnings kube sends; under ignore nothing is said.
std::vector<std::string> enforce_known_fields(const ResourceType& type, boost::json::object& object,
                                              FieldValidation mode, const std::vector<std::string>& duplicates,
                                              BodyKind body);

}  // namespace skiff::apiserver

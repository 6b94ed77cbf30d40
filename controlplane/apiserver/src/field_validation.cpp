#include "skiff/apiserver/field_validation.h"

#include "skiff/apiserver/schema.h"
#include "skiff/apiserver/status.h"

namespace skiff::apiserver {

FieldValidation parse_field_validation(const std::string& value) {
  if (value.empty() || value == "Warn") {
    return FieldValidation::warn;
  }
  if (value == "Strict") {
    return FieldValidation::strict;
  }
  if (value == "Ignore") {
    return FieldValidation::ignore;
  }
  throw bad_request("fieldValidation must be one of Ignore, Warn or Strict, not \"" + value + "\"");
}

std::vector<std::string> enforce_known_fields(const ResourceType& type, boost::json::object& object,
                                              FieldValidation mode, const std::vector<std::string>& duplicates,
                                              BodyKind body) {
  std::vector<std::string> problems;
  if (const SchemaType* schema = SchemaCatalog::builtin().find_kind(type.group, type.version, type.kind)) {
    for (const std::string& path : SchemaCatalog::builtin().prune_unknown(*schema, object)) {
      problems.push_back("unknown field \"" + path + "\"");
    }
  }
  for (const std::string& path : duplicates) {
    problems.push_back("duplicate field \"" + path + "\"");
  }
  if (problems.empty() || mode == FieldValidation::ignore) {
    return {};
  }
  if (mode == FieldValidation::warn) {
    return problems;
  }
  std::string message = "strict decoding error: ";
  for (size_t i = 0; i < problems.size(); ++i) {
    message += (i > 0 ? ", " : "") + problems[i];
  }
  if (body == BodyKind::object) {
    message = type.kind + " in version \"" + type.version + "\" cannot be handled as a " + type.kind + ": " + message;
  }
  throw bad_request(message);
}

}  // namespace skiff::apiserver

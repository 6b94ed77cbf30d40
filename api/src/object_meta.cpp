#include "skiff/api/object_meta.h"

#include <boost/json/value.hpp>

namespace skiff::api {

const boost::json::object& metadata_of(const boost::json::object& object) {
  static const boost::json::object empty;
  const boost::json::value* meta = object.if_contains("metadata");
  return meta != nullptr && meta->is_object() ? meta->get_object() : empty;
}

std::string metadata_field(const boost::json::object& object, std::string_view field) {
  return string_member(metadata_of(object), field);
}

std::string string_member(const boost::json::object& object, std::string_view key) {
  const boost::json::value* value = object.if_contains(key);
  return value != nullptr && value->is_string() ? std::string(value->get_string()) : "";
}

}  // namespace skiff::api

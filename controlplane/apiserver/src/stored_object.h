#pragma once

// Helpers for the JSON objects the registry keeps, shared by its source files.
#include <boost/json.hpp>
#include <string>
#include <string_view>

namespace skiff::apiserver {

// The object's metadata, made an empty object when missing or not an object.
inline boost::json::object& metadata_of(boost::json::object& object) {
  boost::json::value& meta = object["metadata"];
  if (!meta.is_object()) {
    meta = boost::json::object{};
  }
  return meta.as_object();
}

// A string of the metadata, "" when absent.
inline std::string meta_string(const boost::json::object& object, std::string_view key) {
  const auto* meta = object.if_contains("metadata");
  const auto* value = meta && meta->is_object() ? meta->as_object().if_contains(key) : nullptr;
  return value && value->is_string() ? std::string(value->as_string()) : "";
}

// The stored form of an object: its resourceVersion is the store's revision, not part of the value.
inline std::string encode(boost::json::object object) {
  metadata_of(object).erase("resourceVersion");
  return boost::json::serialize(object);
}

}  // namespace skiff::apiserver

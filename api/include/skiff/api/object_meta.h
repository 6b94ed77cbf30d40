#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>

namespace skiff::api {

// An object's metadata, or an empty object when it has none.
const boost::json::object& metadata_of(const boost::json::object& object);
// A string field of metadata ("name", "namespace", "resourceVersion", "uid"); "" when absent.
std::string metadata_field(const boost::json::object& object, std::string_view field);
// A string member of object; "" when absent or not a string.
std::string string_member(const boost::json::object& object, std::string_view key);

}  // namespace skiff::api

#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "skiff/store/store.h"

namespace skiff::store::etcd {


// An int64 field of a gateway message: protobuf's JSON mapping writes them as strings, and
// leaves out fields that are zero.
int64_t int_field(const boost::json::object& obj, std::string_view name);
bool bool_field(const boost::json::object& obj, std::string_view name);
std::string bytes_field(const boost::json::object& obj, std::string_view name);
// The sub-object name, or an empty object when it is absent.
const boost::json::object& object_field(const boost::json::object& obj, std::string_view name);

// A mvccpb.KeyValue.
KeyValue key_value(const boost::json::object& kv);
// A mvccpb.Event.
Event event(const boost::json::object& event);

}  // namespace skiff::store::etcd

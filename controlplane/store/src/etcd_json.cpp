#include "etcd_json.h"

#include "skiff/base/base64.h"

namespace skiff::store::etcd {

int64_t int_field(const boost::json::object& obj, std::string_view name) {
  const boost::json::value* v = obj.if_contains(name);
  if (v == nullptr || v->is_null()) {
    return 0;
  }
  if (v->is_string()) {
    try {
      return std::stoll(std::string(v->get_string()));
    } catch (const std::exception&) {
      throw Error("etcd response field " + std::string(name) + ": not a number: " + std::string(v->get_string()));
    }
  }
  if (v->is_int64()) {
    return v->get_int64();
  }
  if (v->is_uint64()) {
    return static_cast<int64_t>(v->get_uint64());
  }
  throw Error("etcd response field " + std::string(name) + ": not a number: " + boost::json::serialize(*v));
}

bool bool_field(const boost::json::object& obj, std::string_view name) {
  const boost::json::value* v = obj.if_contains(name);
  return v != nullptr && v->is_bool() && v->get_bool();
}

std::string bytes_field(const boost::json::object& obj, std::string_view name) {
  const boost::json::value* v = obj.if_contains(name);
  if (v == nullptr || !v->is_string()) {
    return {};
  }
  return base64_decode(v->get_string(), "etcd response field " + std::string(name));
}

const boost::json::object& object_field(const boost::json::object& obj, std::string_view name) {
  static const boost::json::object empty_object;
  const boost::json::value* v = obj.if_contains(name);
  return v != nullptr && v->is_object() ? v->get_object() : empty_object;
}

KeyValue key_value(const boost::json::object& kv) {
  return KeyValue{bytes_field(kv, "key"), bytes_field(kv, "value"), int_field(kv, "create_revision"),
                  int_field(kv, "mod_revision"), int_field(kv, "lease")};
}

Event event(const boost::json::object& event) {
  Event out;
  const boost::json::value* type = event.if_contains("type");
  out.type =
      type != nullptr && type->is_string() && type->get_string() == "DELETE" ? Event::Type::del : Event::Type::put;
  out.kv = key_value(object_field(event, "kv"));
  if (event.contains("prev_kv")) {
    out.prev = key_value(object_field(event, "prev_kv"));
  }
  return out;
}

}  // namespace skiff::store::etcd

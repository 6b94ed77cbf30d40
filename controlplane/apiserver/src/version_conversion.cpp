#include "version_conversion.h"

#include <stdexcept>

#include "hpa_conversion.h"

namespace skiff::apiserver {

namespace {

bool is_converted(const ResourceType& served) {
  return &storage_type(served) != &served;
}

bool in_version_of(const ResourceType& type, const boost::json::object& object) {
  const auto* api_version = object.if_contains("apiVersion");
  return api_version && api_version->is_string() && api_version->as_string() == type.group_version();
}

}  // namespace

const ResourceType& storage_type(const ResourceType& served) {
  // resource_types() holds the storage version of every kind.
  const ResourceType* stored = find_kind(served.group, served.kind);
  return stored ? *stored : served;
}

boost::json::object to_served_version(const ResourceType& served, boost::json::object object) {
  if (!is_converted(served) || in_version_of(served, object)) {
    return object;
  }
  if (served.resource == "horizontalpodautoscalers") {
    return hpa_v2_to_v1(object);
  }
  throw std::logic_error("no conversion to " + served.group_version() + " " + served.kind);
}

boost::json::object to_storage_version(const ResourceType& served, boost::json::object object) {
  if (served.resource == "horizontalpodautoscalers" && !is_converted(served)) {
    // As kube's v2 conversion: in a v2 object they could only be stale copies of its own fields.
    drop_hpa_round_trip_annotations(object);
    return object;
  }
  if (!is_converted(served) || in_version_of(storage_type(served), object)) {
    return object;
  }
  if (served.resource == "horizontalpodautoscalers") {
    return hpa_v1_to_v2(object);
  }
  throw std::logic_error("no conversion from " + served.group_version() + " " + served.kind);
}

}  // namespace skiff::apiserver

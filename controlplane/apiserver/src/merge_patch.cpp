#include "skiff/apiserver/patch.h"

namespace skiff::apiserver {

boost::json::value merge_patch(const boost::json::value& target, const boost::json::value& patch) {
  if (!patch.is_object()) {
    return patch;
  }
  boost::json::object result = target.is_object() ? target.as_object() : boost::json::object{};
  for (const auto& [key, value] : patch.as_object()) {
    if (value.is_null()) {
      result.erase(key);
    } else if (const auto* existing = result.if_contains(key)) {
      result[key] = merge_patch(*existing, value);
    } else {
      result[key] = merge_patch(boost::json::value(), value);
    }
  }
  return result;
}

}  // namespace skiff::apiserver

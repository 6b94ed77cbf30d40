#include <algorithm>
#include <string>
#include <vector>

#include "skiff/apiserver/patch.h"
#include "skiff/apiserver/status.h"

namespace skiff::apiserver {

namespace {

constexpr std::string_view kSetElementOrder = "$setElementOrder/";
constexpr std::string_view kDeleteFromPrimitiveList = "$deleteFromPrimitiveList/";

bool is_container_list(const std::string& field) {
  return field == "containers" || field == "initContainers" || field == "ephemeralContainers";
}

// The patchMergeKey Kubernetes' Go types give the list at field, whose parent map sits at path
// (the field names from the document's root, list elements skipped); "" for atomic lists.
std::string merge_key(const std::vector<std::string>& path, const std::string& field) {
  if (is_container_list(field)) {
    return "name";
  }
  if (field == "ports") {
    if (!path.empty() && is_container_list(path.back())) {
      return "containerPort";
    }
    // A Service's spec.ports; EndpointSlice and Endpoints ports are atomic.
    return path.size() == 1 && path.front() == "spec" ? "port" : "";
  }
  if (field == "env" || field == "volumes" || field == "imagePullSecrets" || field == "resourceClaims") {
    return "name";
  }
  if (field == "volumeMounts") {
    return "mountPath";
  }
  if (field == "volumeDevices") {
    return "devicePath";
  }
  if (field == "conditions" || field == "addresses") {
    return "type";
  }
  if (field == "ownerReferences") {
    return "uid";
  }
  if (field == "hostAliases") {
    return "ip";
  }
  if (field == "topologySpreadConstraints") {
    return "topologyKey";
  }
  if (field == "taints") {
    return "key";
  }
  return "";
}

// Lists of scalars that merge as sets (patchStrategy "merge" without a key).
bool is_primitive_merge_list(const std::vector<std::string>& path, const std::string& field) {
  return field == "finalizers" && !path.empty() && path.back() == "metadata";
}

bool is_directive(const boost::json::object& obj, std::string_view value) {
  const auto* directive = obj.if_contains("$patch");
  return directive && directive->is_string() && directive->as_string() == value;
}

boost::json::value patch_value(const boost::json::value& target, const boost::json::value& patch,
                               std::vector<std::string>& path);

// A list element's merge key value, nullptr when the element has none.
const boost::json::value* key_of(const boost::json::value& element, const std::string& key) {
  const auto* obj = element.if_object();
  return obj ? obj->if_contains(key) : nullptr;
}

boost::json::array merge_list(const boost::json::array& target, const boost::json::array& patch, const std::string& key,
                              std::vector<std::string>& path) {
  for (const auto& element : patch) {
    if (element.is_object() && is_directive(element.as_object(), "replace")) {
      boost::json::array replaced;
      for (const auto& e : patch) {
        if (!(e.is_object() && is_directive(e.as_object(), "replace"))) {
          replaced.push_back(patch_value(boost::json::value(), e, path));
        }
      }
      return replaced;
    }
  }
  boost::json::array result = target;
  for (const auto& element : patch) {
    const boost::json::value* id = key_of(element, key);
    if (!id) {
      throw bad_request("strategic merge patch: an element of " + (path.empty() ? "" : path.back()) +
                        " has no merge key \"" + key + "\"");
    }
    auto existing = std::find_if(result.begin(), result.end(), [&](const boost::json::value& e) {
      const boost::json::value* other = key_of(e, key);
      return other && *other == *id;
    });
    if (is_directive(element.as_object(), "delete")) {
      if (existing != result.end()) {
        result.erase(existing);
      }
    } else if (existing != result.end()) {
      *existing = patch_value(*existing, element, path);
    } else {
      result.push_back(patch_value(boost::json::value(), element, path));
    }
  }
  return result;
}

// Orders list as $setElementOrder says (elements it does not name keep their place at the end).
boost::json::array apply_order(const boost::json::array& list, const boost::json::array& order,
                               const std::string& key) {
  boost::json::array ordered;
  std::vector<bool> taken(list.size(), false);
  for (const auto& wanted : order) {
    const boost::json::value* id = key.empty() ? &wanted : key_of(wanted, key);
    for (size_t i = 0; id && i < list.size(); ++i) {
      const boost::json::value* other = key.empty() ? &list[i] : key_of(list[i], key);
      if (!taken[i] && other && *other == *id) {
        ordered.push_back(list[i]);
        taken[i] = true;
        break;
      }
    }
  }
  for (size_t i = 0; i < list.size(); ++i) {
    if (!taken[i]) {
      ordered.push_back(list[i]);
    }
  }
  return ordered;
}

boost::json::value patch_object(const boost::json::value& target, const boost::json::object& patch,
                                std::vector<std::string>& path) {
  if (is_directive(patch, "replace")) {
    boost::json::object replaced = patch;
    replaced.erase("$patch");
    return replaced;
  }
  boost::json::object result = target.is_object() ? target.as_object() : boost::json::object{};
  if (const auto* retain = patch.if_contains("$retainKeys"); retain && retain->is_array()) {
    for (auto it = result.begin(); it != result.end();) {
      bool kept = std::any_of(retain->as_array().begin(), retain->as_array().end(),
                              [&](const boost::json::value& k) { return k.is_string() && k.as_string() == it->key(); });
      it = kept ? it + 1 : result.erase(it);
    }
  }
  for (const auto& [key_view, value] : patch) {
    std::string key(key_view);
    if (key == "$patch" || key == "$retainKeys" || key.starts_with(kSetElementOrder)) {
      continue;
    }
    if (key.starts_with(kDeleteFromPrimitiveList)) {
      std::string field = key.substr(kDeleteFromPrimitiveList.size());
      if (auto* list = result.if_contains(field); list && list->is_array() && value.is_array()) {
        auto& arr = list->as_array();
        for (const auto& gone : value.as_array()) {
          arr.erase(std::remove(arr.begin(), arr.end(), gone), arr.end());
        }
      }
      continue;
    }
    if (value.is_null()) {
      result.erase(key);
      continue;
    }
    const boost::json::value* existing = result.if_contains(key);
    if (value.is_object()) {
      if (is_directive(value.as_object(), "delete")) {
        result.erase(key);
        continue;
      }
      path.push_back(key);
      result[key] = patch_value(existing ? *existing : boost::json::value(), value, path);
      path.pop_back();
    } else if (value.is_array()) {
      std::string mkey = merge_key(path, key);
      const boost::json::array empty;
      const boost::json::array& current = existing && existing->is_array() ? existing->as_array() : empty;
      path.push_back(key);
      if (!mkey.empty()) {
        result[key] = merge_list(current, value.as_array(), mkey, path);
      } else if (is_primitive_merge_list(std::vector<std::string>(path.begin(), path.end() - 1), key)) {
        boost::json::array merged = current;
        for (const auto& v : value.as_array()) {
          if (std::find(merged.begin(), merged.end(), v) == merged.end()) {
            merged.push_back(v);
          }
        }
        result[key] = std::move(merged);
      } else {
        boost::json::array replaced;
        for (const auto& v : value.as_array()) {
          replaced.push_back(patch_value(boost::json::value(), v, path));
        }
        result[key] = std::move(replaced);
      }
      path.pop_back();
    } else {
      result[key] = value;
    }
  }
  for (const auto& [key_view, value] : patch) {
    if (!key_view.starts_with(kSetElementOrder) || !value.is_array()) {
      continue;
    }
    std::string field(key_view.substr(kSetElementOrder.size()));
    if (auto* list = result.if_contains(field); list && list->is_array()) {
      *list = apply_order(list->as_array(), value.as_array(), merge_key(path, field));
    }
  }
  return result;
}

boost::json::value patch_value(const boost::json::value& target, const boost::json::value& patch,
                               std::vector<std::string>& path) {
  if (patch.is_object()) {
    return patch_object(target, patch.as_object(), path);
  }
  return patch;
}

}  // namespace

boost::json::value strategic_merge_patch(const boost::json::value& target, const boost::json::value& patch) {
  if (!patch.is_object()) {
    throw bad_request("strategic merge patch: the patch is not a JSON object");
  }
  std::vector<std::string> path;
  return patch_value(target, patch, path);
}

}  // namespace skiff::apiserver

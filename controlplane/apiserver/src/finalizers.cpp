#include "skiff/apiserver/finalizers.h"

#include <algorithm>
#include <chrono>
#include <set>

#include "skiff/apiserver/registry.h"
#include "skiff/apiserver/status.h"
#include "stored_object.h"

namespace skiff::apiserver {

namespace {

std::vector<std::string> string_array(const boost::json::value* value) {
  std::vector<std::string> out;
  if (value && value->is_array()) {
    for (const auto& item : value->as_array()) {
      if (item.is_string()) {
        out.emplace_back(item.as_string());
      }
    }
  }
  return out;
}

const boost::json::value* meta_value(const boost::json::object& object, std::string_view key) {
  const auto* meta = object.if_contains("metadata");
  return meta && meta->is_object() ? meta->as_object().if_contains(key) : nullptr;
}

bool contains(const std::vector<std::string>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

// "[]string{\"a\", \"b\"}": Go's %#v of a string slice, which kube's message shows.
std::string go_string_slice(const std::vector<std::string>& items) {
  std::string out = "[]string{";
  for (size_t i = 0; i < items.size(); ++i) {
    out += (i > 0 ? ", \"" : "\"") + items[i] + "\"";
  }
  return out + "}";
}

}  // namespace

std::vector<std::string> finalizers_of(const boost::json::object& object) {
  return string_array(meta_value(object, "finalizers"));
}

void set_finalizers(boost::json::object& object, const std::vector<std::string>& finalizers) {
  auto& meta = metadata_of(object);
  if (finalizers.empty()) {
    meta.erase("finalizers");
    return;
  }
  boost::json::array list;
  for (const std::string& finalizer : finalizers) {
    list.emplace_back(finalizer);
  }
  meta["finalizers"] = std::move(list);
}

std::vector<std::string> namespace_spec_finalizers(const boost::json::object& ns) {
  const auto* spec = ns.if_contains("spec");
  return string_array(spec && spec->is_object() ? spec->as_object().if_contains("finalizers") : nullptr);
}

bool being_deleted(const boost::json::object& object) {
  const auto* stamp = meta_value(object, "deletionTimestamp");
  return stamp && stamp->is_string() && !stamp->as_string().empty();
}

std::vector<std::string> finalizers_after_delete(const boost::json::object& object,
                                                 std::optional<PropagationPolicy> policy) {
  std::vector<std::string> current = finalizers_of(object);
  bool orphan = policy ? *policy == PropagationPolicy::orphan : contains(current, kOrphanFinalizer);
  bool foreground = policy ? *policy == PropagationPolicy::foreground : contains(current, kForegroundDeletionFinalizer);
  std::vector<std::string> result;
  for (const std::string& finalizer : current) {
    if (finalizer != kOrphanFinalizer && finalizer != kForegroundDeletionFinalizer) {
      result.push_back(finalizer);
    }
  }
  if (orphan) {
    result.emplace_back(kOrphanFinalizer);
  }
  if (foreground) {
    result.emplace_back(kForegroundDeletionFinalizer);
  }
  return result;
}

void mark_as_deleting(boost::json::object& object) {
  auto& meta = metadata_of(object);
  std::string now = kube_timestamp();
  const auto* stamp = meta.if_contains("deletionTimestamp");
  if (!stamp || !stamp->is_string()) {
    const auto* generation = meta.if_contains("generation");
    if (generation && generation->is_int64() && generation->as_int64() > 0) {
      meta["generation"] = generation->as_int64() + 1;
    }
    meta["deletionTimestamp"] = now;
  } else if (std::string(stamp->as_string()) > now) {  // a pod's grace period cut short
    meta["deletionTimestamp"] = now;
  }
  metadata_of(object)["deletionGracePeriodSeconds"] = 0;
}

void check_no_new_finalizers(const ResourceType& type, const boost::json::object& current,
                             const boost::json::object& updated) {
  if (!being_deleted(current)) {
    return;
  }
  std::vector<std::string> old_finalizers = finalizers_of(current);
  std::set<std::string> added;
  for (const std::string& finalizer : finalizers_of(updated)) {
    if (!contains(old_finalizers, finalizer)) {
      added.insert(finalizer);
    }
  }
  if (!added.empty()) {
    throw invalid(type.group, type.kind, meta_string(current, "name"),
                  {{"FieldValueForbidden",
                    "Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers " +
                        go_string_slice({added.begin(), added.end()}),
                    "metadata.finalizers"}});
  }
}

bool deleted_by_update(const ResourceType& type, const boost::json::object& current,
                       const boost::json::object& updated) {
  const auto* grace = meta_value(current, "deletionGracePeriodSeconds");
  if (!being_deleted(current) || !grace || !grace->is_int64() || grace->as_int64() != 0 ||
      !finalizers_of(updated).empty()) {
    return false;
  }
  return type.resource != "namespaces" || namespace_spec_finalizers(updated).empty();
}

bool write_if_unchanged(ObjectRegistry& registry, const ResourceType& type, const std::string& ns,
                        const boost::json::object& object) {
  try {
    registry.update(type, ns, meta_string(object, "name"), Part::object, object);
  } catch (const ApiError& e) {
    if (e.http_code() == 409) {
      return false;
    }
    if (e.http_code() != 404) {
      throw;
    }
  }
  return true;
}

}  // namespace skiff::apiserver

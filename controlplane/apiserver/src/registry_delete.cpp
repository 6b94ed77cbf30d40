// Deletion: graceful deletion of bound pods, finalizers (the object's own, the garbage
// collector's for Foreground and Orphan, a namespace's spec.finalizers), and the garbage
// collection of dependents by their ownerReferences.
#include "skiff/apiserver/finalizers.h"
#include "skiff/apiserver/namespace_lifecycle.h"
#include "skiff/apiserver/registry.h"
#include "skiff/apiserver/status.h"
#include "stored_object.h"
#include "version_conversion.h"

namespace skiff::apiserver {

namespace {

constexpr int kDeleteAttempts = 5;
constexpr int64_t kDefaultPodGracePeriod = 30;

int64_t int_at(const boost::json::object& object, std::string_view parent, std::string_view key, int64_t fallback) {
  const auto* p = object.if_contains(parent);
  const auto* v = p && p->is_object() ? p->as_object().if_contains(key) : nullptr;
  return v && v->is_int64() ? v->as_int64() : fallback;
}

// The grace period a pod's deletion gets, 0 for a pod no node runs (kube deletes those at once).
int64_t pod_grace_period(const boost::json::object& pod, const DeletePreconditions& options) {
  const auto* spec = pod.if_contains("spec");
  const auto* node = spec && spec->is_object() ? spec->as_object().if_contains("nodeName") : nullptr;
  if (!node || !node->is_string() || node->as_string().empty()) {
    return 0;
  }
  int64_t grace = options.grace_period_seconds.value_or(
      int_at(pod, "spec", "terminationGracePeriodSeconds", kDefaultPodGracePeriod));
  return grace < 0 ? 0 : grace;
}

}  // namespace

std::vector<std::pair<const ResourceType*, boost::json::object>> ObjectRegistry::dependents_of(const std::string& ns,
                                                                                               const std::string& uid) {
  std::vector<std::pair<const ResourceType*, boost::json::object>> found;
  for (const ResourceType& type : resource_types()) {
    if (!type.namespaced) {
      continue;
    }
    for (const store::KeyValue& kv : store_.list(type.key_prefix(ns)).items) {
      boost::json::object object = decode(kv);
      const auto* refs = object.at("metadata").as_object().if_contains("ownerReferences");
      if (!refs || !refs->is_array()) {
        continue;
      }
      for (const auto& ref : refs->as_array()) {
        const auto* ref_uid = ref.is_object() ? ref.as_object().if_contains("uid") : nullptr;
        if (ref_uid && ref_uid->is_string() && ref_uid->as_string() == uid) {
          found.emplace_back(&type, std::move(object));
          break;
        }
      }
    }
  }
  return found;
}

void ObjectRegistry::release_dependents(const std::string& ns, const std::string& uid, PropagationPolicy policy) {
  for (auto& [type, dependent] : dependents_of(ns, uid)) {
    std::string name = meta_string(dependent, "name");
    try {
      if (policy == PropagationPolicy::orphan) {
        replace(
            *type, ns, name,
            [&uid](const boost::json::object& current) {
              boost::json::object result = current;
              auto& meta = metadata_of(result);
              boost::json::array kept;
              for (const auto& ref : meta["ownerReferences"].as_array()) {
                const auto* ref_uid = ref.is_object() ? ref.as_object().if_contains("uid") : nullptr;
                if (!ref_uid || !ref_uid->is_string() || ref_uid->as_string() != uid) {
                  kept.push_back(ref);
                }
              }
              if (kept.empty()) {
                meta.erase("ownerReferences");
              } else {
                meta["ownerReferences"] = std::move(kept);
              }
              return result;
            },
            false);
      } else {
        DeletePreconditions options;
        options.propagation = policy;
        remove(*type, ns, name, options);
      }
    } catch (const ApiError& e) {
      if (e.http_code() != 404) {  // gone meanwhile
        throw;
      }
    }
  }
}

void ObjectRegistry::delete_finalized(const ResourceType& type, const std::string& ns,
                                      const boost::json::object& object, int64_t revision) {
  try {
    store_.remove(type.key(ns, meta_string(object, "name")), revision);
  } catch (const store::Conflict&) {
    return;  // changed meanwhile: the write that changed it decides
  } catch (const store::NotFound&) {
    return;
  }
  if (type.namespaced) {
    release_dependents(ns, meta_string(object, "uid"), PropagationPolicy::background);
  }
}

boost::json::object ObjectRegistry::remove(const ResourceType& type, const std::string& ns, const std::string& name,
                                           const DeletePreconditions& preconditions) {
  if (const ResourceType& stored = storage_type(type); &stored != &type) {
    return to_served_version(type, remove(stored, ns, name, preconditions));
  }
  if (type.resource == "namespaces" && is_immortal_namespace(name)) {
    throw forbidden("", "namespaces", name, "this namespace may not be deleted");
  }
  std::string key = type.key(ns, name);
  for (int attempt = 0;; ++attempt) {
    std::optional<store::KeyValue> kv = store_.get(key);
    if (!kv) {
      throw not_found(type.group, type.resource, name);
    }
    boost::json::object object = decode(*kv);
    if ((!preconditions.uid.empty() && preconditions.uid != meta_string(object, "uid")) ||
        (!preconditions.resource_version.empty() &&
         preconditions.resource_version != std::to_string(kv->mod_revision))) {
      throw conflict(type.group, type.resource, name,
                     "Precondition failed: UID or ResourceVersion in precondition does not match the object");
    }
    if (preconditions.dry_run) {
      return object;
    }
    // The object as the delete leaves it, when it stays: being deleted gracefully (a bound pod)
    // or waiting for its finalizers.
    std::optional<boost::json::object> kept;
    int64_t grace = type.resource == "pods" ? pod_grace_period(object, preconditions) : 0;
    if (grace > 0) {
      const auto* current = metadata_of(object).if_contains("deletionGracePeriodSeconds");
      if (current && current->is_int64() && current->as_int64() <= grace) {
        return object;  // already terminating at least this soon; its finalizers stay as they are
      }
      kept = object;
      auto& meta = metadata_of(*kept);
      meta["deletionTimestamp"] = kube_timestamp(grace);
      meta["deletionGracePeriodSeconds"] = grace;
      const auto* generation = meta.if_contains("generation");
      meta["generation"] = (generation && generation->is_int64() ? generation->as_int64() : 0) + 1;
      set_finalizers(*kept, finalizers_after_delete(object, preconditions.propagation));
    } else if (std::vector<std::string> finalizers = finalizers_after_delete(object, preconditions.propagation);
               !finalizers.empty() || (type.resource == "namespaces" && !namespace_spec_finalizers(object).empty())) {
      kept = object;
      set_finalizers(*kept, finalizers);
      mark_as_deleting(*kept);
      if (type.resource == "namespaces") {
        auto& status = (*kept)["status"];
        if (!status.is_object()) {
          status = boost::json::object{};
        }
        status.as_object()["phase"] = "Terminating";
      }
    }
    try {
      if (kept) {
        if (*kept != object) {
          int64_t revision = store_.update(key, encode(*kept), kv->mod_revision);
          metadata_of(*kept)["resourceVersion"] = std::to_string(revision);
        }
        return *kept;
      }
      int64_t revision = store_.remove(key, kv->mod_revision);
      metadata_of(object)["resourceVersion"] = std::to_string(revision);
    } catch (const store::Conflict&) {
      if (attempt + 1 >= kDeleteAttempts) {
        throw conflict(type.group, type.resource, name, "the object keeps changing");
      }
      continue;
    } catch (const store::NotFound&) {
      throw not_found(type.group, type.resource, name);
    }
    // The garbage collector's part of a background deletion, done here at once.
    if (type.namespaced) {
      release_dependents(ns, meta_string(object, "uid"), PropagationPolicy::background);
    }
    return object;
  }
}

}  // namespace skiff::apiserver

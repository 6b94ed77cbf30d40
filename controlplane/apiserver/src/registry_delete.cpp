// Deletion: graceful deletion of bound pods, namespaces with their contents, and the garbage
// collection of dependents by their ownerReferences (propagationPolicy).
#include "skiff/apiserver/registry.h"
#include "skiff/apiserver/status.h"
#include "stored_object.h"

namespace skiff::apiserver {

namespace {

constexpr int kDeleteAttempts = 5;
constexpr int64_t kDefaultPodGracePeriod = 30;

bool is_protected_namespace(const std::string& name) {
  return name == "default" || name == "kube-system" || name == "kube-public";
}

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

boost::json::object ObjectRegistry::remove(const ResourceType& type, const std::string& ns, const std::string& name,
                                           const DeletePreconditions& preconditions) {
  if (type.resource == "namespaces" && is_protected_namespace(name)) {
    ApiError error(403, "Forbidden", "namespaces \"" + name + "\" is forbidden: this namespace may not be deleted");
    error.name = name;
    error.kind = "namespaces";
    throw error;
  }
  std::string key = type.key(ns, name);
  PropagationPolicy policy = preconditions.propagation.value_or(PropagationPolicy::background);
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
    std::string uid = meta_string(object, "uid");
    if (type.resource == "pods") {
      if (int64_t grace = pod_grace_period(object, preconditions); grace > 0) {
        auto& meta = metadata_of(object);
        const auto* current = meta.if_contains("deletionGracePeriodSeconds");
        if (current && current->is_int64() && current->as_int64() <= grace) {
          return object;  // already terminating at least this soon
        }
        meta["deletionTimestamp"] = kube_timestamp(grace);
        meta["deletionGracePeriodSeconds"] = grace;
        const auto* generation = meta.if_contains("generation");
        meta["generation"] = (generation && generation->is_int64() ? generation->as_int64() : 0) + 1;
        try {
          int64_t revision = store_.update(key, encode(object), kv->mod_revision);
          metadata_of(object)["resourceVersion"] = std::to_string(revision);
          return object;
        } catch (const store::Conflict&) {
          if (attempt + 1 >= kDeleteAttempts) {
            throw conflict(type.group, type.resource, name, "the object keeps changing");
          }
          continue;
        } catch (const store::NotFound&) {
          throw not_found(type.group, type.resource, name);
        }
      }
    }
    if (type.namespaced && policy != PropagationPolicy::background) {
      release_dependents(ns, uid, policy);
    }
    if (type.resource == "namespaces") {
      // Everything in the namespace goes first, as kube's namespace controller does.
      for (const ResourceType& member : resource_types()) {
        if (!member.namespaced) {
          continue;
        }
        for (const store::KeyValue& item : store_.list(member.key_prefix(name)).items) {
          try {
            store_.remove(item.key);
          } catch (const store::NotFound&) {  // deleted meanwhile
          }
        }
      }
    }
    try {
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
    if (type.namespaced && policy == PropagationPolicy::background) {
      release_dependents(ns, uid, policy);
    }
    return object;
  }
}

}  // namespace skiff::apiserver

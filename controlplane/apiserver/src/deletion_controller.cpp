#include "skiff/apiserver/deletion_controller.h"

#include <algorithm>
#include <vector>

#include "skiff/apiserver/finalizers.h"
#include "skiff/apiserver/namespace_lifecycle.h"
#include "skiff/apiserver/registry.h"
#include "skiff/base/log.h"
#include "stored_object.h"

namespace skiff::apiserver {

namespace {

constexpr std::string_view kRegistryPrefix = "/registry/";
constexpr std::chrono::milliseconds kPollInterval{500};
constexpr std::chrono::seconds kRetryAfterError{1};

struct ObjectKey {
  const ResourceType* type = nullptr;
  std::string ns;
  std::string name;
};

// The type, namespace and name of a key /registry/<resource>/[<namespace>/]<name>.
std::optional<ObjectKey> parse_key(const std::string& key) {
  if (!key.starts_with(kRegistryPrefix)) {
    return std::nullopt;
  }
  std::string rest = key.substr(kRegistryPrefix.size());
  size_t slash = rest.find('/');
  if (slash == std::string::npos) {
    return std::nullopt;
  }
  std::string resource = rest.substr(0, slash);
  rest = rest.substr(slash + 1);
  for (const ResourceType& type : resource_types()) {
    if (type.resource != resource) {
      continue;
    }
    if (!type.namespaced) {
      return ObjectKey{&type, "", rest};
    }
    slash = rest.find('/');
    if (slash == std::string::npos) {
      return std::nullopt;
    }
    return ObjectKey{&type, rest.substr(0, slash), rest.substr(slash + 1)};
  }
  return std::nullopt;
}

// A cheap look at a stored value before parsing it: only objects being deleted matter here.
bool may_be_deleted(const std::string& value) {
  return value.find("\"deletionTimestamp\"") != std::string::npos;
}

// Takes finalizer off the object if it is still at the version read (a 409 says it changed).
bool remove_finalizer(ObjectRegistry& registry, const ObjectKey& key, boost::json::object object,
                      std::string_view finalizer) {
  std::vector<std::string> finalizers = finalizers_of(object);
  std::erase(finalizers, std::string(finalizer));
  set_finalizers(object, finalizers);
  return write_if_unchanged(registry, *key.type, key.ns, object);
}

}  // namespace

bool collect_garbage(ObjectRegistry& registry, const std::string& key) {
  std::optional<ObjectKey> parsed = parse_key(key);
  if (!parsed) {
    return true;
  }
  boost::json::object object;
  try {
    object = registry.get(*parsed->type, parsed->ns, parsed->name);
  } catch (const ApiError& e) {
    if (e.http_code() == 404) {
      return true;
    }
    throw;
  }
  if (!being_deleted(object)) {
    return true;
  }
  std::vector<std::string> finalizers = finalizers_of(object);
  std::string uid = meta_string(object, "uid");
  // Dependents live in their owner's namespace; cluster-scoped owners have none here.
  bool has_dependents = parsed->type->namespaced;
  if (std::find(finalizers.begin(), finalizers.end(), kOrphanFinalizer) != finalizers.end()) {
    if (has_dependents) {
      registry.release_dependents(parsed->ns, uid, PropagationPolicy::orphan);
    }
    return remove_finalizer(registry, *parsed, object, kOrphanFinalizer) && collect_garbage(registry, key);
  }
  if (std::find(finalizers.begin(), finalizers.end(), kForegroundDeletionFinalizer) != finalizers.end()) {
    auto dependents = has_dependents ? registry.dependents_of(parsed->ns, uid)
                                     : std::vector<std::pair<const ResourceType*, boost::json::object>>{};
    if (!dependents.empty()) {
      // Dependents go before their owner, and theirs before them.
      registry.release_dependents(parsed->ns, uid, PropagationPolicy::foreground);
      return false;
    }
    return remove_finalizer(registry, *parsed, object, kForegroundDeletionFinalizer) && collect_garbage(registry, key);
  }
  if (parsed->type->resource == "namespaces") {
    return finish_namespace_deletion(registry, parsed->name);
  }
  return true;
}

DeletionController::DeletionController(ObjectRegistry& registry) : registry_(registry) {}

DeletionController::~DeletionController() {
  stop();
}

void DeletionController::start() {
  if (!thread_.joinable()) {
    thread_ = std::jthread([this](const std::stop_token& stop) { run(stop); });
  }
}

void DeletionController::stop() {
  if (thread_.joinable()) {
    thread_.request_stop();
    thread_.join();
  }
}

void DeletionController::run(const std::stop_token& stop) {
  store::Store& store = registry_.store();
  while (!stop.stop_requested()) {
    try {
      // Everything being deleted now, then every write after it: none is missed.
      std::set<std::string> pending;
      store::ListResult all = store.list(std::string(kRegistryPrefix));
      for (const store::KeyValue& kv : all.items) {
        if (may_be_deleted(kv.value)) {
          pending.insert(kv.key);
        }
      }
      std::unique_ptr<store::Watch> watch = store.watch(std::string(kRegistryPrefix), all.revision);
      // Objects still waiting (for dependents, for a namespace's content) are looked at again
      // every kPollInterval; newly deleted ones at once.
      auto next_pass = std::chrono::steady_clock::now();
      while (!stop.stop_requested()) {
        if (std::chrono::steady_clock::now() >= next_pass) {
          for (auto it = pending.begin(); it != pending.end() && !stop.stop_requested();) {
            it = collect_garbage(registry_, *it) ? pending.erase(it) : std::next(it);
          }
          next_pass = std::chrono::steady_clock::now() + kPollInterval;
        }
        for (const store::Event& event : watch->next(kPollInterval)) {
          if (event.type == store::Event::Type::del) {
            pending.erase(event.kv.key);
          } else if (may_be_deleted(event.kv.value) && !pending.contains(event.kv.key) &&
                     !collect_garbage(registry_, event.kv.key)) {
            pending.insert(event.kv.key);
          }
        }
      }
    } catch (const std::exception& e) {
      log::warning(std::string("deletion controller: ") + e.what() + "; starting over");
      std::this_thread::sleep_for(kRetryAfterError);
    }
  }
}

}  // namespace skiff::apiserver

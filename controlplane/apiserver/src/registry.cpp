#include "skiff/apiserver/registry.h"

#include <arpa/inet.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <ctime>
#include <set>

#include "skiff/apiserver/defaults.h"
#include "skiff/apiserver/finalizers.h"
#include "skiff/apiserver/namespace_lifecycle.h"
#include "skiff/apiserver/patch.h"
#include "skiff/apiserver/status.h"
#include "skiff/apiserver/validation.h"
#include "skiff/base/base64.h"
#include "skiff/base/json.h"
#include "stored_object.h"
#include "version_conversion.h"

namespace skiff::apiserver {

namespace {

constexpr int kUpdateAttempts = 5;

std::string random_bytes_hex(size_t n) {
  std::vector<unsigned char> bytes(n);
  RAND_bytes(bytes.data(), static_cast<int>(n));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 0xf];
  }
  return out;
}

// The suffix generateName gets: five characters from kube's alphabet without vowels.
std::string generated_suffix() {
  static constexpr std::string_view kAlphabet = "bcdfghjklmnpqrstvwxz2456789";
  std::array<unsigned char, 5> bytes{};
  RAND_bytes(bytes.data(), bytes.size());
  std::string out;
  for (unsigned char b : bytes) {
    out += kAlphabet[b % kAlphabet.size()];
  }
  return out;
}

const boost::json::object* labels_of(const boost::json::object& object) {
  const auto* meta = object.if_contains("metadata");
  const auto* labels = meta && meta->is_object() ? meta->as_object().if_contains("labels") : nullptr;
  return labels ? labels->if_object() : nullptr;
}

// The continue token of a list: the revision the first page read at and the last key returned.
std::string continue_token(int64_t revision, const std::string& key) {
  return base64_encode(boost::json::serialize(boost::json::object{{"rv", revision}, {"start", key}}));
}

std::pair<int64_t, std::string> parse_continue(const std::string& token) {
  std::string json;
  try {
    json = base64_decode(token, "continue key");
  } catch (const Error&) {
    throw bad_request("continue key is not valid: illegal base64 data");
  }
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(json, ec);
  if (ec || !v.is_object() || !v.as_object().contains("rv") || !v.as_object().contains("start") ||
      !v.as_object().at("rv").is_int64() || !v.as_object().at("start").is_string()) {
    throw bad_request("continue key is not valid: malformed");
  }
  return {v.as_object().at("rv").as_int64(), std::string(v.as_object().at("start").as_string())};
}

void note_warnings(const WriteOptions& options, std::vector<std::string> warnings) {
  if (options.warnings) {
    options.warnings->insert(options.warnings->end(), warnings.begin(), warnings.end());
  }
}

boost::json::object scale_of(const ResourceType& type, const boost::json::object& object) {
  const auto* spec = object.if_contains("spec");
  const auto* status = object.if_contains("status");
  auto int_at = [](const boost::json::value* parent, std::string_view key) -> int64_t {
    const auto* v = parent && parent->is_object() ? parent->as_object().if_contains(key) : nullptr;
    return v && v->is_int64() ? v->as_int64() : 0;
  };
  std::string selector;
  if (const auto* sel = spec && spec->is_object() ? spec->as_object().if_contains("selector") : nullptr;
      sel && sel->is_object()) {
    selector = LabelSelector::from_object(sel->as_object()).to_string();
  }
  const auto& meta = object.at("metadata").as_object();
  boost::json::object scale_meta;
  for (std::string_view key : {"name", "namespace", "uid", "resourceVersion", "creationTimestamp"}) {
    if (const auto* v = meta.if_contains(key)) {
      scale_meta[key] = *v;
    }
  }
  (void)type;
  return {{"kind", "Scale"},
          {"apiVersion", "autoscaling/v1"},
          {"metadata", std::move(scale_meta)},
          {"spec", {{"replicas", int_at(spec, "replicas")}}},
          {"status", {{"replicas", int_at(status, "replicas")}, {"selector", selector}}}};
}

}  // namespace

std::string kube_timestamp(int64_t offset_seconds) {
  std::time_t now = std::time(nullptr) + offset_seconds;
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::array<char, 32> buf{};
  std::strftime(buf.data(), buf.size(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf.data();
}

std::string random_uuid() {
  std::string hex = random_bytes_hex(16);
  hex[12] = '4';
  hex[16] = "89ab"[hex[16] % 4];
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
         hex.substr(20);
}

ObjectRegistry::ObjectRegistry(store::Store& store) : store_(store) {}

boost::json::object ObjectRegistry::decode(const store::KeyValue& kv, boost::json::storage_ptr storage) const {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(kv.value, ec, std::move(storage));
  if (ec) {
    (void)json::parse(kv.value, kv.key);  // throws, naming the key, the line and the column
  }
  if (!v.is_object()) {
    throw Error(kv.key + ": stored value is not a JSON object");
  }
  boost::json::object object = std::move(v.as_object());
  metadata_of(object)["resourceVersion"] = std::to_string(kv.mod_revision);
  return object;
}

void ObjectRegistry::ensure_default_namespaces() {
  const ResourceType& type = *find_resource("", "v1", "namespaces");
  for (const char* name : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    if (store_.get(type.key("", name))) {
      continue;
    }
    try {
      create(type, "", {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}});
    } catch (const ApiError& e) {
      if (e.http_code() != 409) {  // another server made it first
        throw;
      }
    }
  }
}

boost::json::object ObjectRegistry::create(const ResourceType& served, const std::string& ns,
                                           boost::json::object object, const WriteOptions& options) {
  std::string api_version = object.contains("apiVersion") && object["apiVersion"].is_string()
                                ? std::string(object["apiVersion"].as_string())
                                : served.group_version();
  std::string kind =
      object.contains("kind") && object["kind"].is_string() ? std::string(object["kind"].as_string()) : served.kind;
  if (api_version != served.group_version() || kind != served.kind) {
    throw bad_request("the API version in the data (" + api_version + ") and kind (" + kind +
                      ") do not match the expected " + served.group_version() + " " + served.kind);
  }
  object["apiVersion"] = served.group_version();
  object["kind"] = served.kind;
  note_warnings(options, enforce_known_fields(served, object, options.field_validation, options.duplicate_fields,
                                              BodyKind::object));
  // From here on the object is in the version it is stored in.
  const ResourceType& type = storage_type(served);
  object = to_storage_version(served, std::move(object));
  auto& meta = metadata_of(object);
  if (type.namespaced) {
    std::string body_ns = meta_string(object, "namespace");
    if (!body_ns.empty() && body_ns != ns) {
      throw bad_request("the namespace of the provided object does not match the namespace sent on the request");
    }
    meta["namespace"] = ns;
  } else {
    meta.erase("namespace");
  }
  if (meta_string(object, "name").empty() && !meta_string(object, "generateName").empty()) {
    meta["name"] = meta_string(object, "generateName") + generated_suffix();
  }
  std::string name = meta_string(object, "name");
  meta.erase("resourceVersion");
  meta["uid"] = random_uuid();
  meta["creationTimestamp"] = kube_timestamp();
  meta["generation"] = 1;
  meta.erase("deletionTimestamp");
  if (type.has_subresource("status")) {
    object.erase("status");
  }
  apply_defaults(type, object);
  check_valid(type, object);
  if (type.namespaced) {
    std::optional<store::KeyValue> ns_kv = store_.get(find_resource("", "v1", "namespaces")->key("", ns));
    if (!ns_kv) {
      throw not_found("", "namespaces", ns);
    }
    check_namespace_open(decode(*ns_kv), type, name);
  }
  if (type.resource == "services") {
    allocate_cluster_ip(object);
  }
  if (options.dry_run) {
    return to_served_version(served, std::move(object));
  }
  try {
    int64_t revision = store_.create(type.key(ns, name), encode(object));
    // Not meta: inserting into or erasing from an object moves its members.
    metadata_of(object)["resourceVersion"] = std::to_string(revision);
    return to_served_version(served, std::move(object));
  } catch (const store::AlreadyExists&) {
    throw already_exists(type.group, type.resource, name);
  }
}

void ObjectRegistry::allocate_cluster_ip(boost::json::object& service) {
  auto& spec = service["spec"].as_object();
  std::string type = spec.contains("type") ? std::string(spec["type"].as_string()) : "ClusterIP";
  if (type == "ExternalName") {
    return;
  }
  std::string requested =
      spec.contains("clusterIP") && spec["clusterIP"].is_string() ? std::string(spec["clusterIP"].as_string()) : "";
  std::lock_guard lock(cluster_ip_mutex_);
  std::set<uint32_t> used;
  for (const store::KeyValue& kv : store_.list("/registry/services/").items) {
    std::string ip = field_value(decode(kv), "spec.clusterIP");
    in_addr addr{};
    if (inet_pton(AF_INET, ip.c_str(), &addr) == 1) {
      used.insert(ntohl(addr.s_addr));
    }
  }
  constexpr uint32_t kBase = (10U << 24) | (43U << 16);  // 10.43.0.0/16
  uint32_t chosen = 0;
  if (requested == "None") {
    spec["clusterIPs"] = boost::json::array{"None"};
    return;
  }
  if (!requested.empty()) {
    in_addr addr{};
    if (inet_pton(AF_INET, requested.c_str(), &addr) != 1 || (ntohl(addr.s_addr) & 0xffff0000U) != kBase) {
      throw invalid("", "Service", meta_string(service, "name"),
                    {{"FieldValueInvalid",
                      "Invalid value: \"" + requested + "\": provided IP is not in the valid range (10.43.0.0/16)",
                      "spec.clusterIPs"}});
    }
    if (used.contains(ntohl(addr.s_addr))) {
      throw invalid("", "Service", meta_string(service, "name"),
                    {{"FieldValueInvalid", "Invalid value: \"" + requested + "\": provided IP is already allocated",
                      "spec.clusterIPs"}});
    }
    chosen = ntohl(addr.s_addr);
  } else {
    // .1 is the kubernetes service's address, as in kube.
    for (uint32_t host = 2; host < 0xffff; ++host) {
      if (!used.contains(kBase | host)) {
        chosen = kBase | host;
        break;
      }
    }
    if (chosen == 0) {
      throw ApiError(500, "InternalError", "no cluster IPs left in 10.43.0.0/16");
    }
  }
  in_addr addr{htonl(chosen)};
  std::array<char, INET_ADDRSTRLEN> text{};
  inet_ntop(AF_INET, &addr, text.data(), text.size());
  spec["clusterIP"] = text.data();
  spec["clusterIPs"] = boost::json::array{text.data()};
  spec["ipFamilies"] = boost::json::array{"IPv4"};
  spec["ipFamilyPolicy"] = "SingleStack";
  spec["internalTrafficPolicy"] = "Cluster";
}

boost::json::object ObjectRegistry::get(const ResourceType& type, const std::string& ns, const std::string& name) {
  std::optional<store::KeyValue> kv = store_.get(type.key(ns, name));
  if (!kv) {
    throw not_found(type.group, type.resource, name);
  }
  return to_served_version(type, decode(*kv));
}

ListResult ObjectRegistry::list(const ResourceType& type, const std::string& ns, const ListOptions& options) {
  std::string prefix = type.key_prefix(ns);
  int64_t revision = options.exact_revision;
  std::string after;
  if (!options.continue_token.empty()) {
    std::tie(revision, after) = parse_continue(options.continue_token);
    if (!after.starts_with(prefix)) {
      throw bad_request("continue key is not valid: it belongs to another list");
    }
  }
  ListResult result;
  try {
    for (;;) {
      store::ListResult page = store_.list(prefix, revision, options.limit, after);
      revision = page.revision;
      for (size_t i = 0; i < page.items.size(); ++i) {
        boost::json::object object = decode(page.items[i], options.storage);
        if (!options.labels.matches(labels_of(object)) || !options.fields.matches(object)) {
          continue;
        }
        result.items.push_back(to_served_version(type, std::move(object)));
        if (options.limit > 0 && static_cast<int64_t>(result.items.size()) == options.limit) {
          if (i + 1 < page.items.size() || page.more) {
            result.continue_token = continue_token(revision, page.items[i].key);
          }
          result.revision = revision;
          return result;
        }
      }
      if (!page.more || page.items.empty()) {
        break;
      }
      after = page.items.back().key;
    }
  } catch (const store::Compacted&) {
    if (!options.continue_token.empty()) {
      throw gone(
          "The provided continue parameter is too old to display a consistent list result. You can start a new list "
          "without the continue parameter.");
    }
    throw gone("The resourceVersion for the provided list is too old.");
  }
  result.revision = revision;
  return result;
}

boost::json::object ObjectRegistry::replace(
    const ResourceType& served, const std::string& ns, const std::string& name,
    const std::function<boost::json::object(const boost::json::object&)>& mutate, bool conditional,
    const WriteOptions& options, BodyKind body_kind) {
  // mutate sees and returns the object in the version the request named; the rest is done in
  // the stored version.
  const ResourceType& type = storage_type(served);
  std::string key = type.key(ns, name);
  for (int attempt = 0;; ++attempt) {
    std::optional<store::KeyValue> kv = store_.get(key);
    if (!kv) {
      throw not_found(type.group, type.resource, name);
    }
    boost::json::object current = decode(*kv);
    boost::json::object updated = mutate(to_served_version(served, current));
    if (attempt == 0) {
      note_warnings(options, enforce_known_fields(served, updated, options.field_validation, options.duplicate_fields,
                                                  body_kind));
    } else {
      enforce_known_fields(served, updated, FieldValidation::ignore, {}, body_kind);
    }
    std::string wanted_version = meta_string(updated, "resourceVersion");
    if (conditional && !wanted_version.empty() && wanted_version != std::to_string(kv->mod_revision)) {
      throw conflict(type.group, type.resource, name,
                     "the object has been modified; please apply your changes to the latest version and try again");
    }
    updated["apiVersion"] = served.group_version();
    updated["kind"] = served.kind;
    updated = to_storage_version(served, std::move(updated));
    updated["apiVersion"] = type.group_version();
    updated["kind"] = type.kind;
    auto& meta = metadata_of(updated);
    const auto& old_meta = current.at("metadata").as_object();
    if (meta_string(updated, "name") != name) {
      throw bad_request("the name of the object (" + meta_string(updated, "name") +
                        ") does not match the name on the URL (" + name + ")");
    }
    if (type.namespaced) {
      std::string body_ns = meta_string(updated, "namespace");
      if (!body_ns.empty() && body_ns != ns) {
        throw bad_request("the namespace of the provided object does not match the namespace sent on the request");
      }
      meta["namespace"] = ns;
    }
    for (std::string_view immutable :
         {"uid", "creationTimestamp", "generation", "deletionTimestamp", "deletionGracePeriodSeconds"}) {
      if (const auto* v = old_meta.if_contains(immutable)) {
        meta[immutable] = *v;
      } else {
        meta.erase(immutable);
      }
    }
    apply_defaults(type, updated);
    check_valid(type, updated);
    check_no_new_finalizers(type, current, updated);
    auto& new_meta = metadata_of(updated);  // apply_defaults may have moved metadata
    const auto* old_spec = current.if_contains("spec");
    const auto* new_spec = updated.if_contains("spec");
    if ((old_spec == nullptr) != (new_spec == nullptr) || (old_spec && *old_spec != *new_spec)) {
      const auto* generation = old_meta.if_contains("generation");
      new_meta["generation"] = (generation && generation->is_int64() ? generation->as_int64() : 0) + 1;
    }
    new_meta["resourceVersion"] = current.at("metadata").at("resourceVersion");
    if (updated == current || options.dry_run) {
      return to_served_version(served,
                               std::move(updated));  // nothing changed: no write, the same resourceVersion (as kube)
    }
    try {
      int64_t revision = store_.update(key, encode(updated), kv->mod_revision);
      new_meta["resourceVersion"] = std::to_string(revision);
      if (deleted_by_update(type, current, updated)) {
        delete_finalized(type, ns, updated, revision);
      }
      return to_served_version(served, std::move(updated));
    } catch (const store::Conflict&) {
      if ((conditional && !wanted_version.empty()) || attempt + 1 >= kUpdateAttempts) {
        throw conflict(type.group, type.resource, name,
                       "the object has been modified; please apply your changes to the latest version and try again");
      }
    } catch (const store::NotFound&) {
      throw not_found(type.group, type.resource, name);
    }
  }
}

namespace {

// The object with its status from source (a status write) or kept (a write of the object).
boost::json::object merge_part(const ResourceType& type, const boost::json::object& current,
                               const boost::json::object& written, Part part) {
  if (part == Part::status) {
    boost::json::object result = current;
    if (const auto* status = written.if_contains("status")) {
      result["status"] = *status;
    } else {
      result.erase("status");
    }
    if (const auto* version = written.if_contains("metadata")
                                  ? written.at("metadata").as_object().if_contains("resourceVersion")
                                  : nullptr) {
      metadata_of(result)["resourceVersion"] = *version;
    }
    return result;
  }
  boost::json::object result = written;
  if (type.has_subresource("status")) {
    if (const auto* status = current.if_contains("status")) {
      result["status"] = *status;
    } else {
      result.erase("status");
    }
  }
  return result;
}

boost::json::object with_scale(const boost::json::object& current, const boost::json::object& scale) {
  boost::json::object result = current;
  const auto* spec = scale.if_contains("spec");
  const auto* replicas = spec && spec->is_object() ? spec->as_object().if_contains("replicas") : nullptr;
  if (!replicas || !replicas->is_int64() || replicas->as_int64() < 0) {
    throw invalid("autoscaling", "Scale", meta_string(current, "name"),
                  {{"FieldValueInvalid", "Invalid value: must be greater than or equal to 0", "spec.replicas"}});
  }
  result["spec"].as_object()["replicas"] = replicas->as_int64();
  if (const auto* version = scale.if_contains("metadata") && scale.at("metadata").is_object()
                                ? scale.at("metadata").as_object().if_contains("resourceVersion")
                                : nullptr) {
    metadata_of(result)["resourceVersion"] = *version;
  }
  return result;
}

}  // namespace

boost::json::object ObjectRegistry::get_part(const ResourceType& type, const std::string& ns, const std::string& name,
                                             Part part) {
  boost::json::object object = get(type, ns, name);
  return part == Part::scale ? scale_of(type, object) : object;
}

boost::json::object ObjectRegistry::update(const ResourceType& type, const std::string& ns, const std::string& name,
                                           Part part, const boost::json::object& body, const WriteOptions& options) {
  boost::json::object result = replace(
      type, ns, name,
      [&](const boost::json::object& current) {
        return part == Part::scale ? with_scale(current, body) : merge_part(type, current, body, part);
      },
      true, options);
  return part == Part::scale ? scale_of(type, result) : result;
}

boost::json::object ObjectRegistry::patch(const ResourceType& type, const std::string& ns, const std::string& name,
                                          Part part, PatchType patch_type, const boost::json::value& patch,
                                          const WriteOptions& options) {
  auto apply = [&](const boost::json::value& target) {
    switch (patch_type) {
      case PatchType::merge:
        return merge_patch(target, patch);
      case PatchType::json:
        return json_patch(target, patch);
      case PatchType::strategic:
        return strategic_merge_patch(target, patch);
    }
    return target;
  };
  auto as_object = [](boost::json::value v) {
    if (!v.is_object()) {
      throw bad_request("the patch made the object something other than a JSON object");
    }
    return std::move(v.as_object());
  };
  boost::json::object result = replace(
      type, ns, name,
      [&](const boost::json::object& current) {
        if (part == Part::scale) {
          return with_scale(current, as_object(apply(scale_of(type, current))));
        }
        return merge_part(type, current, as_object(apply(current)), part);
      },
      true, options, BodyKind::patch);
  return part == Part::scale ? scale_of(type, result) : result;
}

void ObjectRegistry::bind(const std::string& ns, const std::string& pod, const boost::json::object& binding) {
  const auto* target = binding.if_contains("target");
  const auto* node = target && target->is_object() ? target->as_object().if_contains("name") : nullptr;
  if (!node || !node->is_string() || node->as_string().empty()) {
    throw invalid("", "Binding", pod, {{"FieldValueRequired", "Required value", "target.name"}});
  }
  const ResourceType& type = *find_resource("", "v1", "pods");
  replace(
      type, ns, pod,
      [&](const boost::json::object& current) {
        boost::json::object result = current;
        auto& spec = result["spec"].as_object();
        if (const auto* bound = spec.if_contains("nodeName");
            bound && bound->is_string() && !bound->as_string().empty()) {
          throw conflict("", "pods/binding", pod,
                         "pod " + pod + " is already assigned to node \"" + std::string(bound->as_string()) + "\"");
        }
        spec["nodeName"] = *node;
        return result;
      },
      false);
}

}  // namespace skiff::apiserver

#include "skiff/image/image_config.h"

#include <algorithm>

#include "skiff/base/error.h"
#include "skiff/base/json.h"
#include "skiff/image/manifest.h"

namespace skiff::image {

namespace {

// parent is the path of obj: "<what>: config"; at the top level it is "<what>:" and fields
// follow it after a space.
std::string field_path(const std::string& parent, std::string_view key) {
  return parent.ends_with(':') ? parent + " " + std::string(key) : json::field(parent, key);
}

std::string optional_string(const boost::json::object& obj, std::string_view key, const std::string& parent) {
  const auto* value = json::find(obj, key);
  return value == nullptr ? std::string() : json::as_string(*value, field_path(parent, key));
}

std::vector<std::string> optional_strings(const boost::json::object& obj, std::string_view key,
                                          const std::string& parent) {
  const auto* value = json::find(obj, key);
  return value == nullptr ? std::vector<std::string>() : json::as_string_array(*value, json::field(parent, key));
}

// ExposedPorts and Volumes are Go maps whose values are empty objects; the keys are what counts.
std::vector<std::string> key_set(const boost::json::object& obj, std::string_view key, const std::string& parent) {
  std::vector<std::string> out;
  if (const auto* value = json::find(obj, key)) {
    for (const auto& kv : json::as_object(*value, json::field(parent, key))) {
      out.emplace_back(kv.key());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

void parse_run_config(const boost::json::object& config, const std::string& path, ImageConfig& out) {
  out.user = optional_string(config, "User", path);
  out.env = optional_strings(config, "Env", path);
  for (size_t i = 0; i < out.env.size(); ++i) {
    size_t eq = out.env[i].find('=');
    if (eq == std::string::npos || eq == 0) {
      json::invalid(json::element(json::field(path, "Env"), i), "must be KEY=VALUE", boost::json::value(out.env[i]));
    }
  }
  out.entrypoint = optional_strings(config, "Entrypoint", path);
  out.cmd = optional_strings(config, "Cmd", path);
  out.working_dir = optional_string(config, "WorkingDir", path);
  out.exposed_ports = key_set(config, "ExposedPorts", path);
  out.volumes = key_set(config, "Volumes", path);
  out.stop_signal = optional_string(config, "StopSignal", path);
  if (const auto* labels = json::find(config, "Labels")) {
    std::string labels_path = json::field(path, "Labels");
    for (const auto& kv : json::as_object(*labels, labels_path)) {
      out.labels[std::string(kv.key())] = json::as_string(kv.value(), json::field(labels_path, kv.key()));
    }
  }
}

}  // namespace

ImageConfig parse_image_config(std::string_view document, std::string_view what) {
  if (document.size() > kMaxConfigBytes) {
    throw Error(std::string(what) + ": larger than the " + std::to_string(kMaxConfigBytes >> 20) + " MiB limit");
  }
  std::string top = std::string(what) + ":";
  std::string base = top + " ";
  auto value = json::parse(document, std::string(what));
  const auto& doc = json::as_object(value, std::string(what));
  ImageConfig out;
  out.architecture = optional_string(doc, "architecture", top);
  out.os = optional_string(doc, "os", top);
  out.variant = optional_string(doc, "variant", top);
  if (out.architecture.empty() || out.os.empty()) {
    json::invalid(base + (out.os.empty() ? "os" : "architecture"), "is missing");
  }
  if (const auto* config = json::find(doc, "config")) {
    parse_run_config(json::as_object(*config, base + "config"), base + "config", out);
  }
  const auto* rootfs = json::find(doc, "rootfs");
  if (rootfs == nullptr) {
    json::invalid(base + "rootfs", "is missing");
  }
  const auto& rootfs_obj = json::as_object(*rootfs, base + "rootfs");
  std::string type = optional_string(rootfs_obj, "type", base + "rootfs");
  if (type != "layers") {
    json::invalid(base + "rootfs.type", "must be \"layers\"", boost::json::value(type));
  }
  const auto* diff_ids = json::find(rootfs_obj, "diff_ids");
  if (diff_ids == nullptr) {
    json::invalid(base + "rootfs.diff_ids", "is missing");
  }
  std::string ids_path = base + "rootfs.diff_ids";
  const auto& ids = json::as_array(*diff_ids, ids_path);
  for (size_t i = 0; i < ids.size(); ++i) {
    std::string path = json::element(ids_path, i);
    out.diff_ids.push_back(Digest::parse(json::as_string(ids[i], path), path));
  }
  return out;
}

}  // namespace skiff::image

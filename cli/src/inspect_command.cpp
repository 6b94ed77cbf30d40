#include <iostream>

#include "command_context.h"
#include "image_details.h"
#include "skiff/base/error.h"
#include "skiff/base/json.h"
#include "skiff/cli/go_template.h"

namespace skiff::cli {

namespace {

boost::json::value member_or(const boost::json::object& object, std::string_view key,
                             const boost::json::value& fallback) {
  const auto* found = object.if_contains(key);
  return found != nullptr && !found->is_null() ? *found : fallback;
}

boost::json::array string_array(const std::vector<std::string>& values) {
  boost::json::array out;
  for (const auto& value : values) {
    out.emplace_back(value);
  }
  return out;
}

int inspect_images(Context& ctx, const std::vector<std::string>& names, const std::string& format) {
  std::optional<GoTemplate> format_template = parse_format(format, {"json"});
  boost::json::array out;
  for (const auto& name : names) {
    out.push_back(inspect_image(image_details(ctx.store(), find_image(ctx.store(), name))));
  }
  std::cout << inspect_output(out, format_template);
  return 0;
}

}  // namespace

// What podman image inspect prints for one image (its ImageData), from the record and config.
boost::json::object inspect_image(const ImageDetails& details) {
  const auto& record = details.record;
  const auto& config_doc = details.config;
  boost::json::object config = member_or(config_doc, "config", boost::json::object()).as_object();
  boost::json::object out;
  out["Id"] = record.id.hex();
  out["Digest"] = record.manifest.str();
  out["RepoTags"] = string_array(record.names);
  out["RepoDigests"] = string_array(record.digests);
  out["Parent"] = "";
  out["Comment"] = member_or(config_doc, "comment", "");
  out["Created"] = details.created;
  out["Config"] = config;
  out["Version"] = member_or(config_doc, "docker_version", "");
  out["Author"] = member_or(config_doc, "author", "");
  out["Architecture"] = member_or(config_doc, "architecture", "");
  out["Os"] = member_or(config_doc, "os", "");
  if (const auto* variant = config_doc.if_contains("variant"); variant != nullptr && variant->is_string()) {
    out["Variant"] = *variant;
  }
  out["Size"] = record.size;
  out["VirtualSize"] = record.size;
  boost::json::object rootfs;
  rootfs["Type"] = "layers";
  const auto* rootfs_doc = config_doc.if_contains("rootfs");
  rootfs["Layers"] = rootfs_doc != nullptr && rootfs_doc->is_object()
                         ? member_or(rootfs_doc->as_object(), "diff_ids", boost::json::array())
                         : boost::json::array();
  out["RootFS"] = rootfs;
  out["Labels"] = member_or(config, "Labels", boost::json::object());
  out["Annotations"] = boost::json::object();
  out["ManifestType"] = record.manifest_media_type;
  out["User"] = member_or(config, "User", "");
  out["History"] = member_or(config_doc, "history", boost::json::array());
  out["NamesHistory"] = string_array(record.names);
  return out;
}

void add_inspect_command(CLI::App& parent, Context& ctx) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto format = std::make_shared<std::string>("json");
  auto* cmd = parent.add_subcommand("inspect", "print images' details as a JSON array");
  cmd->add_option("-f,--format", *format, "json (default) or a Go template ('{{.State.Status}}')");
  cmd->add_option("image", *names, "images: names or ids")->required();
  cmd->callback([&ctx, names, format] {
    ctx.set_action([&ctx, names, format] { return inspect_images(ctx, *names, *format); }, true);
  });
}

}  // namespace skiff::cli

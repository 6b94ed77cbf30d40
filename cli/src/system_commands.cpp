// info, version, and prune (`skiff system prune`, `skiff image prune`).
#include <sys/utsname.h>
#include <unistd.h>

#include <iostream>
#include <map>
#include <set>

#include "command_context.h"
#include "skiff/base/error.h"
#include "skiff/base/json.h"
#include "skiff/cgroups/manager.h"
#include "skiff/cli/format.h"
#include "skiff/image/manifest.h"
#include "skiff/image/rootless_userns.h"

namespace skiff::cli {

namespace {

// A JSON document as the YAML podman info prints: nested objects indented by two spaces.
void print_yaml(std::ostream& out, const boost::json::object& object, const std::string& indent) {
  for (const auto& [key, value] : object) {
    out << indent << std::string(key) << ":";
    if (value.is_object()) {
      out << "\n";
      print_yaml(out, value.as_object(), indent + "  ");
    } else if (value.is_array()) {
      out << (value.as_array().empty() ? " []\n" : "\n");
      for (const auto& item : value.as_array()) {
        out << indent << "- " << (item.is_string() ? std::string(item.as_string()) : boost::json::serialize(item))
            << "\n";
      }
    } else if (value.is_string()) {
      out << " " << std::string(value.as_string()) << "\n";
    } else {
      out << " " << boost::json::serialize(value) << "\n";
    }
  }
}

int print_document(const boost::json::object& document, const std::string& format) {
  if (format == "json") {
    std::cout << json::pretty(document);
  } else if (format.empty() || format == "yaml") {
    print_yaml(std::cout, document, "");
  } else {
    throw Error("--format: unknown format \"" + format + "\" (want json or yaml)");
  }
  return 0;
}

std::string kernel_release() {
  utsname name{};
  check(::uname(&name), "uname");
  return name.release;
}

boost::json::array id_mappings(const std::vector<image::IdMapping>& mappings) {
  boost::json::array out;
  for (const auto& mapping : mappings) {
    out.push_back({{"container_id", mapping.inside}, {"host_id", mapping.outside}, {"size", mapping.size}});
  }
  return out;
}

int info(Context& ctx, const std::string& format) {
  auto platform = image::Platform::host();
  auto mode = cgroups::detect_mode();
  bool rootless = image::Store::running_rootless();
  boost::json::object security{{"rootless", rootless}};
  boost::json::object host{
      {"arch", platform.architecture},
      {"os", platform.os},
      {"kernel", kernel_release()},
      {"cgroupVersion", mode == cgroups::Mode::v2 ? "v2" : "v1"},
      {"cgroupLayout", cgroups::mode_name(mode)},
      {"cgroupManager", "cgroupfs"},
      {"security", security},
  };
  if (rootless) {
    boost::json::object mappings;
    try {
      auto maps = image::rootless_maps_for_caller();
      mappings = {{"uidmap", id_mappings(maps.uids)}, {"gidmap", id_mappings(maps.gids)}};
    } catch (const Error& e) {
      mappings = {{"error", e.what()}};
    }
    host["idMappings"] = mappings;
  }
  auto& store = ctx.store();
  boost::json::object store_info{
      {"graphDriverName", "overlay"},
      {"graphRoot", ctx.store_root()},
      {"runRoot", ctx.run_root()},
      {"imageStore", {{"number", store.images().size()}}},
      {"containerStore", {{"number", store.containers().size()}}},
  };
  auto registries = Context::registries();
  boost::json::array search;
  for (const auto& registry : registries.unqualified_search_registries()) {
    search.emplace_back(registry);
  }
  boost::json::object document{
      {"host", host},
      {"store", store_info},
      {"registries", {{"configFile", registries.path()}, {"search", search}}},
      {"version", {{"Version", SKIFF_VERSION}, {"OsArch", platform.os + "/" + platform.architecture}}},
  };
  return print_document(document, format);
}

int version(const std::string& format) {
  auto platform = image::Platform::host();
  if (format == "json") {
    boost::json::object document{
        {"Client", {{"Version", SKIFF_VERSION}, {"OsArch", platform.os + "/" + platform.architecture}}}};
    std::cout << json::pretty(document);
    return 0;
  }
  if (!format.empty()) {
    throw Error("--format: unknown format \"" + format + "\" (want json)");
  }
  std::cout << format_table({{"Version:", SKIFF_VERSION}, {"OS/Arch:", platform.os + "/" + platform.architecture}});
  return 0;
}

struct PruneFlags {
  bool all = false;
  bool force = false;
};

bool confirmed(const PruneFlags& flags) {
  if (flags.force) {
    return true;
  }
  std::cerr << "WARNING! This command removes:\n"
            << (flags.all ? "\t- all images not used by a container\n"
                          : "\t- all dangling images (those without a name)\n")
            << "\t- layers and blobs no image uses, and partial downloads\n\n"
            << "Are you sure you want to continue? [y/N] " << std::flush;
  std::string answer;
  std::getline(std::cin, answer);
  return answer == "y" || answer == "Y" || answer == "yes";
}

int prune(Context& ctx, const PruneFlags& flags) {
  if (!confirmed(flags)) {
    return 0;
  }
  auto& store = ctx.store();
  std::set<image::Digest> in_use;
  for (const auto& container : store.containers()) {
    in_use.insert(container.image);
  }
  for (const auto& record : store.images()) {
    if ((flags.all || record.names.empty()) && !in_use.contains(record.id)) {
      auto result = store.remove_image(record.id.str(), false);
      if (result.removed) {
        std::cout << result.removed->hex() << "\n";
      }
    }
  }
  std::map<image::Digest, uint64_t> layer_sizes;
  for (const auto& layer : store.layers()) {
    layer_sizes[layer.chain_id] = layer.diff_size;
  }
  auto gc = store.gc();
  uint64_t reclaimed = gc.bytes;
  for (const auto& layer : store.layers()) {
    layer_sizes.erase(layer.chain_id);
  }
  for (const auto& [chain_id, size] : layer_sizes) {
    reclaimed += size;
  }
  std::cout << "Total reclaimed space: " << human_size(reclaimed) << "\n";
  return 0;
}

}  // namespace

void add_info_command(CLI::App& parent, Context& ctx) {
  auto format = std::make_shared<std::string>();
  auto* cmd = parent.add_subcommand("info", "show the host's cgroups, rootless mode, storage paths and registries");
  cmd->add_option("-f,--format", *format, "yaml (default) or json");
  cmd->callback([&ctx, format] { ctx.set_action([&ctx, format] { return info(ctx, *format); }, false); });
}

void add_version_command(CLI::App& parent, Context& ctx) {
  auto format = std::make_shared<std::string>();
  auto* cmd = parent.add_subcommand("version", "show skiff's version");
  cmd->add_option("-f,--format", *format, "json, or a table by default");
  cmd->callback([&ctx, format] { ctx.set_action([format] { return version(*format); }, false); });
}

void add_prune_command(CLI::App& parent, Context& ctx, const std::string& description) {
  auto flags = std::make_shared<PruneFlags>();
  auto* cmd = parent.add_subcommand("prune", description);
  cmd->add_flag("-a,--all", flags->all, "remove every image no container uses, not only unnamed ones");
  cmd->add_flag("-f,--force", flags->force, "do not ask for confirmation");
  cmd->callback([&ctx, flags] { ctx.set_action([&ctx, flags] { return prune(ctx, *flags); }, true); });
}

}  // namespace skiff::cli

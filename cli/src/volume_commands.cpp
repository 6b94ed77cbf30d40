// volume create, ls, inspect, rm, prune.
#include "volume_commands.h"

#include <iostream>
#include <map>
#include <set>

#include "skiff/base/error.h"
#include "skiff/base/json.h"
#include "skiff/cli/app.h"
#include "skiff/cli/format.h"
#include "skiff/cli/go_template.h"
#include "skiff/pod/container_manager.h"
#include "skiff/pod/volumes.h"

namespace skiff::cli {

namespace {

struct VolumeFlags {
  std::vector<std::string> names;
  std::vector<std::string> labels;
  bool quiet = false;
  bool force = false;
  std::string format = "table";
};

pod::VolumeStore volumes(Context& ctx) {
  return pod::VolumeStore(ctx.store_root());
}

// podman volume inspect's fields.
boost::json::object inspect_json(const pod::VolumeInfo& info) {
  boost::json::object labels;
  for (const auto& [key, value] : info.labels) {
    labels[key] = value;
  }
  return {{"Name", info.name},
          {"Driver", "local"},
          {"Mountpoint", info.mountpoint},
          {"CreatedAt", info.created},
          {"Labels", labels},
          {"Scope", "local"},
          {"Options", boost::json::object{}},
          {"MountCount", 0},
          {"NeedsCopyUp", info.needs_copy_up}};
}

// The containers (ids) whose mounts name each volume.
std::map<std::string, std::vector<std::string>> volume_users(Context& ctx) {
  std::map<std::string, std::vector<std::string>> users;
  auto& containers = ctx.containers();
  for (const auto& c : containers.list(true)) {
    boost::json::object inspected = containers.inspect(c.id);
    const auto* mounts = json::find(inspected, "Mounts");
    if (mounts == nullptr || !mounts->is_array()) {
      continue;
    }
    for (const auto& m : mounts->as_array()) {
      const auto& mount = m.as_object();
      if (mount.at("Type") == "volume") {
        users[std::string(mount.at("Name").as_string())].push_back(c.id);
      }
    }
  }
  return users;
}

int create_volume(Context& ctx, const VolumeFlags& flags) {
  if (flags.names.size() > 1) {
    throw Error("volume create takes at most one name (got " + std::to_string(flags.names.size()) + ")");
  }
  std::map<std::string, std::string> labels;
  for (const auto& label : flags.labels) {
    auto eq = label.find('=');
    if (eq == 0 || label.empty()) {
      throw Error("--label: want KEY=VALUE (got \"" + label + "\")");
    }
    labels[label.substr(0, eq)] = eq == std::string::npos ? "" : label.substr(eq + 1);
  }
  std::cout << volumes(ctx).create(flags.names.empty() ? "" : flags.names.front(), labels).name << "\n";
  return 0;
}

int list_volumes(Context& ctx, const VolumeFlags& flags) {
  std::optional<GoTemplate> format_template = parse_format(flags.format, {"table", "json"});
  boost::json::array documents;
  for (const auto& v : volumes(ctx).list()) {
    documents.push_back(inspect_json(v));
  }
  if (flags.format == "json") {
    std::cout << json::pretty(documents);
    return 0;
  }
  if (flags.quiet) {
    format_template = GoTemplate("{{.Name}}");
  }
  std::cout << format_template.value_or(GoTemplate("table {{.Driver}}\t{{.Name}}"))
                   .render_all(std::vector<boost::json::value>(documents.begin(), documents.end()),
                               {{"Name", "VOLUME NAME"}});
  return 0;
}

int inspect_volumes(Context& ctx, const VolumeFlags& flags) {
  std::optional<GoTemplate> format_template = parse_format(flags.format, {"table", "json"});
  boost::json::array out;
  int rc = 0;
  for (const auto& name : flags.names) {
    try {
      out.push_back(inspect_json(volumes(ctx).info(name)));
    } catch (const Error& e) {
      if (e.code() != ENOENT) {
        throw;
      }
      std::cerr << "Error: no such volume " << name << "\n";
      rc = kErrorExitCode;
    }
  }
  std::cout << inspect_output(out, format_template);
  return rc;
}

// Removes the named volumes; a volume in use only with force, which removes its containers first
// (as podman volume rm -f does).
int remove_volumes(Context& ctx, const std::vector<std::string>& names, bool force) {
  auto users = volume_users(ctx);
  auto store = volumes(ctx);
  for (const auto& name : names) {
    (void)store.info(name);  // no such volume: an error before anything is removed
    auto in_use = users.find(name);
    if (in_use != users.end() && !force) {
      std::string ids;
      for (const auto& id : in_use->second) {
        ids += (ids.empty() ? "" : ", ") + id;
      }
      throw Error("volume " + name + " is being used by the following container(s): " + ids +
                  ": remove them first, or use --force");
    }
  }
  for (const auto& name : names) {
    if (auto in_use = users.find(name); in_use != users.end()) {
      for (const auto& id : in_use->second) {
        ctx.containers().remove(id, true);
      }
    }
    store.remove(name);
    std::cout << name << "\n";
  }
  return 0;
}

int prune_volumes(Context& ctx) {
  auto users = volume_users(ctx);
  std::vector<std::string> unused;
  for (const auto& v : volumes(ctx).list()) {
    if (!users.contains(v.name)) {
      unused.push_back(v.name);
    }
  }
  return remove_volumes(ctx, unused, false);
}

}  // namespace

void add_volume_command(CLI::App& parent, Context& ctx) {
  auto flags = std::make_shared<VolumeFlags>();
  auto* volume = parent.add_subcommand("volume", "manage named volumes: create, ls, inspect, rm, prune");
  volume->require_subcommand(1);

  auto* create = volume->add_subcommand("create", "create a named volume (a random name when none is given)");
  create->add_option("name", flags->names, "NAME");
  create->add_option("-l,--label", flags->labels, "KEY=VALUE metadata for the volume")->allow_extra_args(false);
  create->callback([&ctx, flags] { ctx.set_action([&ctx, flags] { return create_volume(ctx, *flags); }, true); });

  auto* ls = volume->add_subcommand("ls", "list volumes");
  ls->alias("list");
  ls->add_flag("-q,--quiet", flags->quiet, "print only the names");
  ls->add_option("--format", flags->format, "table, json or a Go template ('{{.Name}}')")->capture_default_str();
  ls->callback([&ctx, flags] { ctx.set_action([&ctx, flags] { return list_volumes(ctx, *flags); }, true); });

  auto* inspect = volume->add_subcommand("inspect", "show volumes as JSON");
  inspect->add_option("-f,--format", flags->format, "json (default) or a Go template ('{{.Mountpoint}}')");
  inspect->add_option("name", flags->names, "NAME...")->required();
  inspect->callback([&ctx, flags] { ctx.set_action([&ctx, flags] { return inspect_volumes(ctx, *flags); }, true); });

  auto* rm = volume->add_subcommand("rm", "remove volumes");
  rm->alias("remove");
  rm->add_option("name", flags->names, "NAME...")->required();
  rm->add_flag("-f,--force", flags->force, "also remove the containers that use them");
  rm->callback([&ctx, flags] {
    ctx.set_action([&ctx, flags] { return remove_volumes(ctx, flags->names, flags->force); }, true);
  });

  auto* prune = volume->add_subcommand("prune", "remove every volume no container uses");
  prune->add_flag("-f,--force", flags->force, "do not ask for confirmation (skiff never asks)");
  prune->callback([&ctx] { ctx.set_action([&ctx] { return prune_volumes(ctx); }, true); });
}

}  // namespace skiff::cli

#include "skiff/cli/app.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <iostream>
#include <optional>
#include <span>
#include <string_view>

#include "command_context.h"
#include "command_start.h"
#include "pod_commands.h"
#include "skiff/base/error.h"
#include "skiff/base/log.h"
#include "skiff/cli/rootless.h"
#include "volume_commands.h"

namespace skiff::cli {

namespace {

// The innermost command the parser chose.
const CLI::App* chosen_command(const CLI::App& app) {
  const CLI::App* leaf = &app;
  while (true) {
    auto chosen = leaf->get_subcommands();
    if (chosen.empty()) {
      return leaf;
    }
    leaf = chosen.front();
  }
}

// "skiff image ls"
std::string command_path(const CLI::App* command) {
  std::string path;
  for (const CLI::App* at = command; at != nullptr; at = at->get_parent()) {
    path = at->get_name() + (path.empty() ? "" : " " + path);
  }
  return path;
}

// podman's wording for usage errors, with where to look for help.
int usage_error(const CLI::App& app, const std::string& cli11_message) {
  const CLI::App* leaf = chosen_command(app);
  std::string path = command_path(leaf);
  auto extras = leaf->remaining();
  std::string message = cli11_message;
  if (!extras.empty() && extras.front().starts_with("-")) {
    message = "unknown flag: " + extras.front();
  } else if (!extras.empty() && !leaf->get_subcommands({}).empty()) {
    message = "unrecognized command `" + path + " " + extras.front() + "`";
  } else if (!extras.empty()) {
    message = "unexpected argument \"" + extras.front() + "\"";
  } else if (leaf->get_subcommands().empty() && !leaf->get_subcommands({}).empty() &&
             leaf->get_require_subcommand_min() > 0) {
    message = "missing command '" + path + " COMMAND'";
  }
  std::cerr << "Error: " << message << "\nSee '" << path << " --help'.\n";
  return kErrorExitCode;
}

log::Level parse_log_level(const std::string& level) {
  if (level == "debug" || level == "trace") {
    return log::Level::debug;
  }
  if (level == "info") {
    return log::Level::info;
  }
  if (level == "warn" || level == "warning") {
    return log::Level::warning;
  }
  if (level == "error" || level == "fatal" || level == "panic") {
    return log::Level::error;
  }
  throw Error("--log-level: unknown level \"" + level + "\" (want debug, info, warn or error)");
}

// A command and what adds it to its parent.
struct NamedCommand {
  std::string_view name;
  void (*add)(CLI::App& parent, Context& ctx);
};

// The container commands, at the top level and again under `skiff container`.
constexpr std::array kContainerCommands{
    NamedCommand{"run", add_run_command},
    NamedCommand{"create", add_create_command},
    NamedCommand{"start", add_start_command},
    NamedCommand{"stop", add_stop_command},
    NamedCommand{"restart", add_restart_command},
    NamedCommand{"kill", add_kill_command},
    NamedCommand{"rm", add_rm_command},
    NamedCommand{"wait", add_wait_command},
    NamedCommand{"ps", [](CLI::App& parent, Context& ctx) { add_ps_command(parent, ctx, "ps"); }},
    NamedCommand{"logs", add_logs_command},
    NamedCommand{"top", add_top_command},
    NamedCommand{"stats", add_stats_command},
    NamedCommand{"port", add_port_command},
    NamedCommand{"exec", add_exec_command},
    NamedCommand{"cp", add_cp_command},
};

void add_container_group(CLI::App& app, Context& ctx) {
  auto* container = app.add_subcommand("container", "manage containers: the container commands grouped");
  container->require_subcommand(1);
  for (const auto& command : kContainerCommands) {
    command.add(*container, ctx);
  }
  add_ps_command(*container, ctx, "ls");
  add_container_inspect_command(*container, ctx, false);
}

void add_image_group(CLI::App& app, Context& ctx) {
  auto* image = app.add_subcommand("image", "manage images: the image commands grouped");
  image->require_subcommand(1);
  add_pull_command(*image, ctx);
  add_images_command(*image, ctx, "ls");
  add_rmi_command(*image, ctx, "rm");
  add_tag_command(*image, ctx);
  add_inspect_command(*image, ctx);
  add_load_command(*image, ctx);
  add_save_command(*image, ctx);
  add_import_command(*image, ctx);
  add_prune_command(*image, ctx, "remove unused images and free their space");
}

void add_system_group(CLI::App& app, Context& ctx) {
  auto* system = app.add_subcommand("system", "manage skiff: prune, info");
  system->require_subcommand(1);
  add_prune_command(*system, ctx, "remove unused images and everything else no longer used, and free the space");
  add_info_command(*system, ctx);
}

// skiff's commands in the order --help lists them, the container commands between version and
// inspect.
constexpr std::array kImageCommandsAndInfo{
    NamedCommand{"pull", add_pull_command},
    NamedCommand{"images", [](CLI::App& parent, Context& ctx) { add_images_command(parent, ctx, "images"); }},
    NamedCommand{"rmi", [](CLI::App& parent, Context& ctx) { add_rmi_command(parent, ctx, "rmi"); }},
    NamedCommand{"tag", add_tag_command},
    NamedCommand{"load", add_load_command},
    NamedCommand{"save", add_save_command},
    NamedCommand{"import", add_import_command},
    NamedCommand{"info", add_info_command},
    NamedCommand{"version", add_version_command},
};
constexpr std::array kGroupsAndInspect{
    NamedCommand{"inspect", [](CLI::App& parent, Context& ctx) { add_container_inspect_command(parent, ctx, true); }},
    NamedCommand{"volume", add_volume_command},
    NamedCommand{"pod", add_pod_command},
    NamedCommand{"container", add_container_group},
    NamedCommand{"image", add_image_group},
    NamedCommand{"system", add_system_group},
};

constexpr std::array<std::span<const NamedCommand>, 3> kTopLevel{kImageCommandsAndInfo, kContainerCommands,
                                                                 kGroupsAndInspect};

// The global options, then the commands. CLI11 builds every option of every command it is
// given, a third of a short command's instructions: when the words name a command, only that
// one is built (--help of the command included); else, for `skiff --help` and for usage
// errors, all of them.
void build(CLI::App& app, Context& ctx, const std::vector<std::string>& args) {
  app.require_subcommand(1);
  app.allow_extras();
  app.set_version_flag("-v,--version", std::string("skiff version ") + SKIFF_VERSION);
  app.add_option("--root", ctx.global.root,
                 "image store directory (default /var/lib/skiff, rootless $XDG_DATA_HOME/skiff)");
  app.add_option("--runroot", ctx.global.runroot,
                 "directory for volatile state (default /run/skiff, rootless $XDG_RUNTIME_DIR/skiff)");
  app.add_option("--log-level", ctx.global.log_level, "log messages at or above: debug, info, warn or error");

  std::optional<std::string> word = first_command_word(app, args);
  auto named = [&](const NamedCommand& command) { return word && command.name == *word; };
  bool known = std::ranges::any_of(kTopLevel, [&](auto table) { return std::ranges::any_of(table, named); });
  for (auto table : kTopLevel) {
    for (const auto& command : table) {
      if (!known || named(command)) {
        command.add(app, ctx);
      }
    }
  }
}

int run_action(Context& ctx) {
  if (ctx.wants_user_namespace() && image::Store::running_rootless() && ::geteuid() != 0) {
    // Not yet root of a user namespace (a rootless tool may have made one and run skiff in it):
    // join the user's own, shared with every other command of the user.
    enter_rootless_namespaces(ctx.run_root());
  }
  return ctx.action()();
}

}  // namespace

int run(int argc, char** argv) {
  CLI::App app{"skiff: manage images and containers, as root or rootless", "skiff"};
  Context ctx;
  std::vector<std::string> args(argv + 1, argv + argc);
  build(app, ctx, args);
  SplitWords words = split_command_words(app, std::move(args));
  ctx.command_words = std::move(words.command);
  try {
    std::reverse(words.skiff.begin(), words.skiff.end());  // CLI11 takes a vector last word first
    app.parse(words.skiff);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) {
      return app.exit(e);  // --help, --version
    }
    return usage_error(app, e.what());
  }
  if (!chosen_command(app)->remaining().empty()) {
    return usage_error(app, "");
  }
  try {
    log::set_level(parse_log_level(ctx.global.log_level));
    return run_action(ctx);
  } catch (const std::exception& e) {
    std::cerr << "Error: " << e.what() << "\n";
    return kErrorExitCode;
  }
}

}  // namespace skiff::cli

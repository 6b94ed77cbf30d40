// skiff-runtime: an OCI runtime with runc's command line.
#include <unistd.h>

#include <iostream>

#include "commands.h"
#include "skiff/base/error.h"
#include "skiff/base/log.h"

namespace {

int run_cli(int argc, char** argv) {
  using namespace skiff;
  CLI::App app{"skiff-runtime: an OCI runtime built from namespaces, cgroups, seccomp and capabilities",
               "skiff-runtime"};
  app.require_subcommand(1);
  app.set_version_flag("-v,--version", std::string("skiff-runtime version ") + SKIFF_VERSION + "\nspec: 1.2.0");
  cli::GlobalOptions global;
  app.add_option("--root", global.root, "state directory (default /run/skiff, or $XDG_RUNTIME_DIR/skiff)");
  app.add_option("--log", global.log_file, "log file (default: stderr)");
  app.add_option("--log-format", global.log_format, "log format: text or json");
  app.add_flag("--debug", global.debug, "log debug messages");
  app.add_flag("--systemd-cgroup", global.systemd_cgroup,
               "create containers' cgroups as systemd units (cgroup v2; cgroupsPath is slice:prefix:name)");
  app.add_option("--rootless", global.rootless, "true, false or auto (accepted for runc compatibility)");
  app.add_option("--criu", "ignored: checkpointing is not supported");

  cli::Action action;
  cli::add_lifecycle_commands(app, global, action);
  cli::add_info_commands(app, action);
  cli::add_exec_command(app, action);
  cli::add_update_command(app, action);
  cli::add_events_command(app, action);

  app.allow_extras();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 says only "A subcommand is required" for a misspelt command: name it.
    if (!app.remaining().empty() && app.get_subcommands().empty()) {
      std::cerr << "skiff-runtime: unknown command \"" << app.remaining().front() << "\" (see skiff-runtime --help)\n";
      return 1;
    }
    return app.exit(e);
  }
  try {
    log::set_format(log::parse_format(global.log_format));
    if (!global.log_file.empty()) {
      log::set_file(global.log_file);
    }
    if (global.debug) {
      log::set_level(log::Level::debug);
    }
    runtime::Runtime rt(runtime::StateRoot(global.root.empty() ? runtime::StateRoot::default_path() : global.root));
    return action(rt);
  } catch (const std::exception& e) {
    log::error(e.what());
    return 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run_cli(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "skiff-runtime: " << e.what() << "\n";
    return 1;
  }
}

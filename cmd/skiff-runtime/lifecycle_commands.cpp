#include <iostream>

#include "commands.h"
#include "skiff/base/json.h"

namespace skiff::cli {

namespace {

void add_create_flags(CLI::App* cmd, runtime::CreateOptions& options) {
  cmd->add_option("-b,--bundle", options.bundle, "path to the bundle (default: the current directory)");
  cmd->add_option("--console-socket", options.console_socket, "unix socket that receives the pty master");
  cmd->add_option("--pid-file", options.pid_file, "file to write the container's pid to");
  cmd->add_option("--preserve-fds", options.preserve_fds, "pass this many fds after stdio to the container")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--no-pivot", options.no_pivot, "use MS_MOVE and chroot instead of pivot_root");
  cmd->add_flag("--no-new-keyring", options.no_new_keyring, "keep the caller's session keyring");
  cmd->add_option("id", options.id, "container id")->required();
}

}  // namespace

void add_lifecycle_commands(CLI::App& app, const GlobalOptions& global, Action& action) {
  auto create_options = std::make_shared<runtime::CreateOptions>();
  auto* create = app.add_subcommand("create", "create a container that waits for start");
  add_create_flags(create, *create_options);
  create->callback([&action, &global, create_options] {
    action = [&global, create_options](runtime::Runtime& rt) {
      create_options->systemd_cgroup = global.systemd_cgroup;
      rt.create(*create_options);
      return 0;
    };
  });

  auto run_options = std::make_shared<runtime::CreateOptions>();
  auto detach = std::make_shared<bool>(false);
  auto* run = app.add_subcommand("run", "create and start a container, and wait for it unless --detach");
  add_create_flags(run, *run_options);
  run->add_flag("-d,--detach", *detach, "return once the container has started");
  run->add_flag("--keep")->description("accepted for runc compatibility");
  run->callback([&action, &global, run_options, detach] {
    action = [&global, run_options, detach](runtime::Runtime& rt) {
      run_options->systemd_cgroup = global.systemd_cgroup;
      return rt.run(*run_options, *detach);
    };
  });

  auto id = std::make_shared<std::string>();
  auto* start = app.add_subcommand("start", "start a created container");
  start->add_option("id", *id, "container id")->required();
  start->callback([&action, id] {
    action = [id](runtime::Runtime& rt) {
      rt.start(*id);
      return 0;
    };
  });

  auto* state = app.add_subcommand("state", "print a container's state as OCI state JSON");
  state->add_option("id", *id, "container id")->required();
  state->callback([&action, id] {
    action = [id](runtime::Runtime& rt) {
      std::cout << json::pretty(rt.state(*id));
      return 0;
    };
  });

  auto signal = std::make_shared<std::string>("SIGTERM");
  auto all = std::make_shared<bool>(false);
  auto* kill = app.add_subcommand("kill", "send a signal to a container (default SIGTERM)");
  kill->add_flag("-a,--all", *all, "signal every process in the container's cgroup");
  kill->add_option("id", *id, "container id")->required();
  kill->add_option("signal", *signal, "signal name or number");
  kill->callback([&action, id, signal, all] {
    action = [id, signal, all](runtime::Runtime& rt) {
      rt.kill(*id, runtime::parse_signal(*signal), *all);
      return 0;
    };
  });

  auto force = std::make_shared<bool>(false);
  auto* del = app.add_subcommand("delete", "delete a stopped container (or a running one with --force)");
  del->add_flag("-f,--force", *force, "kill the container first if it is running");
  del->add_option("id", *id, "container id")->required();
  del->callback([&action, id, force] {
    action = [id, force](runtime::Runtime& rt) {
      rt.remove(*id, *force);
      return 0;
    };
  });

  auto* pause = app.add_subcommand("pause", "freeze every process of a container");
  pause->add_option("id", *id, "container id")->required();
  pause->callback([&action, id] {
    action = [id](runtime::Runtime& rt) {
      rt.pause(*id);
      return 0;
    };
  });

  auto* resume = app.add_subcommand("resume", "thaw a paused container");
  resume->add_option("id", *id, "container id")->required();
  resume->callback([&action, id] {
    action = [id](runtime::Runtime& rt) {
      rt.resume(*id);
      return 0;
    };
  });
}

}  // namespace skiff::cli

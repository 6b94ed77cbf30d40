// start, stop, restart, kill, rm, wait: each on one or more containers, named or by id (prefix),
// as podman does them: every container is tried, each failure reported, the exit code the worst.
#include <unistd.h>

#include <iostream>
#include <memory>

#include "command_context.h"
#include "container_exit.h"
#include "container_lookup.h"
#include "each_name.h"
#include "skiff/base/error.h"
#include "skiff/cli/app.h"
#include "skiff/pod/attach.h"
#include "skiff/runtime/container.h"

namespace skiff::cli {

namespace {

// podman rm's exit codes: 1 when a container does not exist, 2 when one is running.
constexpr int kNoSuchContainerExitCode = 1;
constexpr int kContainerRunningExitCode = 2;

std::chrono::milliseconds stop_timeout(int seconds) {
  if (seconds < 0) {
    throw Error("--time: " + std::to_string(seconds) + " is negative");
  }
  return std::chrono::seconds(seconds);
}

// start -a: attached to the one container given, relaying stdin with -i; its exit code.
int start_attached(pod::ContainerManager& containers, const std::string& name, bool interactive) {
  auto id = resolve_container(containers, name);
  auto doc = containers.inspect(id);
  bool tty = doc.at("Config").at("Tty").as_bool();
  bool restarts = doc.at("HostConfig").at("RestartPolicy").at("Name").as_string() != "no";
  UniqueFd connection;
  try {
    connection = start_or_exit_code(containers, id, pod::StartOptions{.attach = true});
  } catch (const ContainerCommandFailed& failed) {
    std::cerr << "Error: " << failed.what() << "\n";
    return failed.exit_code();
  }
  pod::RelayOptions relay{.in_fd = interactive ? STDIN_FILENO : -1,
                          .out_fd = STDOUT_FILENO,
                          .err_fd = STDERR_FILENO,
                          .tty = tty && interactive && is_terminal(STDIN_FILENO)};
  std::optional<int> code = pod::relay_attach(connection.get(), relay);
  if (code && restarts) {
    return *code;  // its monitor carries on with the restart policy
  }
  // The monitor sends the exit code before it has cleaned up: `skiff rm` right after must find
  // the container stopped.
  int ended = containers.wait(id);
  return code ? *code : ended;
}

}  // namespace

void add_start_command(CLI::App& parent, Context& ctx) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto attach = std::make_shared<bool>(false);
  auto interactive = std::make_shared<bool>(false);
  auto* cmd = parent.add_subcommand("start", "start created or exited containers");
  cmd->add_flag("-a,--attach", *attach, "attach to the container's output until it exits (one container)");
  cmd->add_flag("-i,--interactive", *interactive, "with --attach: send standard input to the container");
  cmd->add_option("container", *names, "containers: names or ids")->required();
  cmd->callback([&ctx, names, attach, interactive] {
    ctx.set_action(
        [&ctx, names, attach, interactive] {
          if (*attach) {
            if (names->size() != 1) {
              throw Error("--attach: give exactly one container (got " + std::to_string(names->size()) + ")");
            }
            return start_attached(ctx.containers(), names->front(), *interactive);
          }
          int code = 0;
          for (const auto& name : *names) {
            try {
              start_or_exit_code(ctx.containers(), resolve_container(ctx.containers(), name), {});
              std::cout << name << "\n";
            } catch (const ContainerCommandFailed& failed) {
              std::cerr << "Error: " << failed.what() << "\n";
              code = failed.exit_code();
            } catch (const Error& e) {
              std::cerr << "Error: " << e.what() << "\n";
              code = kErrorExitCode;
            }
          }
          return code;
        },
        true);
  });
}

void add_stop_command(CLI::App& parent, Context& ctx) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto seconds = std::make_shared<int>(10);
  auto* cmd = parent.add_subcommand("stop", "stop running containers: the stop signal, then SIGKILL");
  cmd->add_option("-t,--time", *seconds, "seconds to wait for the container to exit before killing it (default 10)");
  cmd->add_option("container", *names, "containers: names or ids")->required();
  cmd->callback([&ctx, names, seconds] {
    ctx.set_action(
        [&ctx, names, seconds] {
          auto timeout = stop_timeout(*seconds);
          return for_each_name(*names, [&](const std::string& name) {
            ctx.containers().stop(resolve_container(ctx.containers(), name), timeout);
            return name;
          });
        },
        true);
  });
}

void add_restart_command(CLI::App& parent, Context& ctx) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto seconds = std::make_shared<int>(10);
  auto* cmd = parent.add_subcommand("restart", "stop containers and start them again");
  cmd->add_option("-t,--time", *seconds, "seconds to wait for the container to exit before killing it (default 10)");
  cmd->add_option("container", *names, "containers: names or ids")->required();
  cmd->callback([&ctx, names, seconds] {
    ctx.set_action(
        [&ctx, names, seconds] {
          auto timeout = stop_timeout(*seconds);
          return for_each_name(*names, [&](const std::string& name) {
            std::string id = resolve_container(ctx.containers(), name);
            ctx.containers().restart(id, timeout);
            return id;
          });
        },
        true);
  });
}

void add_kill_command(CLI::App& parent, Context& ctx) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto signal = std::make_shared<std::string>("KILL");
  auto* cmd = parent.add_subcommand("kill", "send a signal to containers' main processes");
  cmd->add_option("-s,--signal", *signal, "the signal: a name (TERM, SIGTERM) or number (default KILL)");
  cmd->add_option("container", *names, "containers: names or ids")->required();
  cmd->callback([&ctx, names, signal] {
    ctx.set_action(
        [&ctx, names, signal] {
          int number = 0;
          try {
            number = runtime::parse_signal(*signal);
          } catch (const Error& e) {
            throw Error(std::string("--signal: ") + e.what());
          }
          return for_each_name(*names, [&](const std::string& name) {
            ctx.containers().kill(resolve_container(ctx.containers(), name), number);
            return name;
          });
        },
        true);
  });
}

void add_rm_command(CLI::App& parent, Context& ctx) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto force = std::make_shared<bool>(false);
  auto all = std::make_shared<bool>(false);
  auto volumes = std::make_shared<bool>(false);
  auto* cmd = parent.add_subcommand("rm", "remove containers");
  cmd->add_flag("-f,--force", *force, "remove running containers too (killed first)");
  cmd->add_flag("-a,--all", *all, "remove every container");
  cmd->add_flag("-v,--volumes", *volumes, "remove the containers' anonymous volumes too");
  cmd->add_option("container", *names, "containers: names or ids");
  cmd->callback([&ctx, names, force, all, volumes] {
    ctx.set_action(
        [&ctx, names, force, all, volumes] {
          std::vector<std::string> targets = *names;
          if (*all) {
            for (const auto& info : ctx.containers().list(true)) {
              targets.push_back(info.id);
            }
          } else if (targets.empty()) {
            throw Error("rm: give at least one container name or id, or --all");
          }
          return for_each_name(
              targets,
              [&](const std::string& name) {
                ctx.containers().remove(resolve_container(ctx.containers(), name), *force, *volumes);
                return name;
              },
              [](const Error& e) {
                return dynamic_cast<const NoSuchContainer*>(&e) != nullptr ? kNoSuchContainerExitCode
                       : e.code() == EBUSY                                 ? kContainerRunningExitCode
                                                                           : kErrorExitCode;
              });
        },
        true);
  });
}

void add_wait_command(CLI::App& parent, Context& ctx) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto* cmd = parent.add_subcommand("wait", "wait for containers to exit and print their exit codes");
  cmd->add_option("container", *names, "containers: names or ids")->required();
  cmd->callback([&ctx, names] {
    ctx.set_action(
        [&ctx, names] {
          return for_each_name(*names, [&](const std::string& name) {
            return std::to_string(ctx.containers().wait(resolve_container(ctx.containers(), name)));
          });
        },
        true);
  });
}

}  // namespace skiff::cli

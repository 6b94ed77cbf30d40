// exec: a process in a running container, with the caller's stdio (stdin only with -i).
#include <fcntl.h>
#include <unistd.h>

#include <iostream>
#include <memory>

#include "command_context.h"
#include "container_exit.h"
#include "container_lookup.h"
#include "run_flags.h"
#include "skiff/base/error.h"
#include "terminal_relay.h"

namespace skiff::cli {

namespace {

struct ExecFlags {
  std::string container;
  std::vector<std::string> command;
  bool interactive = false;
  bool tty = false;
  std::string user;
  std::vector<std::string> env;
  std::string workdir;
};

int exec(Context& ctx, const ExecFlags& flags) {
  if (flags.command.empty()) {
    throw Error("exec: give the command to run after the container");
  }
  pod::ExecSpec spec;
  spec.args = flags.command;
  for (const auto& e : flags.env) {
    if (auto value = resolve_env(e)) {
      spec.env.push_back(*value);
    }
  }
  if (!flags.user.empty()) {
    spec.user = flags.user;
  }
  if (!flags.workdir.empty()) {
    spec.workdir = flags.workdir;
  }
  if (flags.tty) {
    spec.tty = true;
    spec.on_terminal = [&flags](UniqueFd master) { relay_terminal(master.get(), flags.interactive); };
  }
  // Without -i the process reads nothing, as podman's.
  UniqueFd null_input;
  if (!flags.interactive) {
    null_input = UniqueFd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (!null_input) {
      throw_errno("open /dev/null");
    }
    spec.stdio_in = null_input.get();
  }
  std::cout.flush();
  std::string id = resolve_container(ctx.containers(), flags.container);
  try {
    return ctx.containers().exec(id, spec);
  } catch (const Error& e) {
    if (auto code = exec_failure_exit_code(e.what())) {
      std::cerr << "Error: " << e.what() << "\n";
      return *code;
    }
    throw;
  }
}

}  // namespace

void add_exec_command(CLI::App& parent, Context& ctx) {
  auto flags = std::make_shared<ExecFlags>();
  auto* cmd = parent.add_subcommand("exec", "run a process in a running container");
  cmd->prefix_command();
  cmd->add_flag("-i,--interactive", flags->interactive, "send standard input to the process");
  cmd->add_flag("-t,--tty", flags->tty, "give the process a terminal (with -i on a terminal: raw mode and resizes)");
  cmd->add_option("-u,--user", flags->user, "USER[:GROUP], names or numbers, to run the process as");
  cmd->add_option("-e,--env", flags->env, "KEY=VALUE to set for the process, or KEY to pass the caller's value")
      ->allow_extra_args(false);
  cmd->add_option("-w,--workdir", flags->workdir, "the working directory of the process");
  cmd->add_option("container", flags->container, "the container, then the command and its arguments")->required();
  cmd->callback([&ctx, flags] {
    flags->command = ctx.command_words;
    ctx.set_action([&ctx, flags] { return exec(ctx, *flags); }, true);
  });
}

}  // namespace skiff::cli

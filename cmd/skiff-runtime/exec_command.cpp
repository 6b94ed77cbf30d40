#include "commands.h"
#include "skiff/base/error.h"
#include "skiff/base/json.h"
#include "skiff/runtime/capabilities.h"
#include "skiff/runtime/exec_user.h"

namespace skiff::cli {

namespace {

struct ExecFlags {
  std::string console_socket;
  std::string cwd;
  std::vector<std::string> env;
  bool tty = false;
  std::string user;
  std::vector<uint32_t> additional_gids;
  std::string process_file;
  bool detach = false;
  std::string pid_file;
  std::vector<std::string> caps;
  bool no_new_privs = false;
  int preserve_fds = 0;
  std::vector<std::string> positional;
};

// The process to exec: --process's file, or the container's own process with the flags and
// the command line put over it (runc's rules).
runtime::Process build_process(const ExecFlags& flags, const boost::json::value& config) {
  if (!flags.process_file.empty()) {
    return runtime::parse_process(json::parse_file(flags.process_file), flags.process_file);
  }
  if (flags.positional.size() < 2) {
    throw Error("exec: a command is required after the container id (or --process)");
  }
  runtime::Process p;
  if (const auto* process = config.as_object().if_contains("process")) {
    p = runtime::parse_process(*process, "process");
  }
  p.args.assign(flags.positional.begin() + 1, flags.positional.end());
  p.terminal = flags.tty;
  p.env.insert(p.env.end(), flags.env.begin(), flags.env.end());
  for (const auto& e : flags.env) {
    if (e.find('=') == std::string::npos || e.front() == '=') {
      throw Error("--env: want NAME=value (got \"" + e + "\")");
    }
  }
  if (!flags.cwd.empty()) {
    if (flags.cwd.front() != '/') {
      throw Error("--cwd: must be an absolute path (got \"" + flags.cwd + "\")");
    }
    p.cwd = flags.cwd;
  }
  if (!flags.user.empty()) {
    runtime::User user = runtime::parse_exec_user(flags.user);
    user.umask = p.user.umask;
    p.user = user;
  }
  for (uint32_t gid : flags.additional_gids) {
    p.user.additional_gids.push_back(gid);
  }
  if (!flags.caps.empty()) {
    uint64_t added = runtime::parse_capability_list(flags.caps, "--cap");
    runtime::CapabilitySets sets = p.capabilities.value_or(runtime::CapabilitySets{});
    sets.bounding |= added;
    sets.effective |= added;
    sets.permitted |= added;
    sets.inheritable |= added;
    p.capabilities = sets;
  }
  if (flags.no_new_privs) {
    p.no_new_privileges = true;
  }
  return p;
}

}  // namespace

void add_exec_command(CLI::App& app, Action& action) {
  auto flags = std::make_shared<ExecFlags>();
  auto* exec = app.add_subcommand("exec", "run a process in a running container: exec [options] <id> <command> [args]");
  exec->add_option("--console-socket", flags->console_socket, "unix socket that receives the pty master");
  exec->add_option("--cwd", flags->cwd, "working directory inside the container");
  exec->add_option("-e,--env", flags->env, "NAME=value to add to the environment")->allow_extra_args(false);
  exec->add_flag("-t,--tty", flags->tty, "give the process a terminal");
  exec->add_option("-u,--user", flags->user, "uid[:gid] to run as");
  exec->add_option("-g,--additional-gids", flags->additional_gids, "extra group ids")->allow_extra_args(false);
  exec->add_option("-p,--process", flags->process_file, "a process.json to run instead of a command line");
  exec->add_flag("-d,--detach", flags->detach, "return once the process has started");
  exec->add_option("--pid-file", flags->pid_file, "file to write the process's pid to");
  exec->add_option("-c,--cap", flags->caps, "add a capability")->allow_extra_args(false);
  exec->add_flag("--no-new-privs", flags->no_new_privs, "set no_new_privs");
  exec->add_option("--preserve-fds", flags->preserve_fds, "pass this many fds after stdio")
      ->check(CLI::NonNegativeNumber);
  exec->add_option("--process-label", "accepted; SELinux labels are not applied");
  exec->add_option("--apparmor", "accepted; AppArmor profiles are not applied");
  exec->add_flag("--ignore-paused")->description("accepted for runc compatibility");
  exec->prefix_command();
  exec->callback([&action, flags, exec] {
    flags->positional = exec->remaining();
    action = [flags](runtime::Runtime& rt) {
      if (flags->positional.empty()) {
        throw Error("exec: a container id is required");
      }
      runtime::ExecOptions options;
      options.id = flags->positional[0];
      runtime::StateRoot root = rt.root();
      boost::json::value config = boost::json::object();
      {
        auto dir = runtime::ContainerDir::open(root, options.id, runtime::ContainerDir::Lock::none);
        config = dir.load_config();
      }
      options.process = build_process(*flags, config);
      options.console_socket = flags->console_socket;
      options.pid_file = flags->pid_file;
      options.preserve_fds = flags->preserve_fds;
      options.detach = flags->detach;
      return rt.exec(options);
    };
  });
}

}  // namespace skiff::cli

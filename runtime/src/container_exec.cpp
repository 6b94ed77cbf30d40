#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include "fork_into_cgroup.h"
#include "init.h"
#include "signal_forwarding.h"
#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/cgroups/manager.h"
#include "skiff/runtime/container.h"
#include "skiff/runtime/process_setup.h"
#include "skiff/runtime/terminal.h"

namespace skiff::runtime {

namespace {

struct ExecConfig {
  const Spec* spec = nullptr;
  const Process* process = nullptr;
  const SeccompProgram* seccomp = nullptr;
  pid_t init_pid = 0;
  int console_fd = -1;
  int preserve_fds = 0;
};

void reset_signal_mask() {
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

[[noreturn]] void exec_stage2(const ExecConfig& config, const SyncSocket& sync) {
  bool ready = false;
  try {
    const Process& process = *config.process;
    if (process.terminal) {
      setup_terminal(config.console_fd, process.console_size, false);
    }
    set_rlimits(process.rlimits);
    if (process.oom_score_adj) {
      set_oom_score_adj(*process.oom_score_adj);
    }
    std::vector<std::string> env = process_environment(process);
    bool setgroups_allowed = true;
    if (config.spec->linux.find_namespace(NamespaceType::user) != nullptr) {
      setgroups_allowed = read_file("/proc/self/setgroups").rfind("allow", 0) == 0;
    }
    // An exec'd process has no seccomp agent of its own: its listener (if any) is closed here,
    // so notified syscalls fail with ENOSYS instead of waiting for an answer that never comes.
    finalize_process(process, config.seccomp, setgroups_allowed);
    std::string path = resolve_executable(process, env);
    prepare_inherited_fds(config.preserve_fds);
    sync.send(SyncStep::ready);
    ready = true;
    load_late_seccomp(process, config.seccomp);
    exec_process(path, process, env);
  } catch (const std::exception& e) {
    exit_after_error(sync, e, !ready);
  }
}

[[noreturn]] void exec_stage1(const ExecConfig& config, const SyncSocket& sync) {
  try {
    reset_signal_mask();
    // Nothing in the container may open this process's /proc entries (CVE-2019-5736).
    if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
      throw_errno("prctl PR_SET_DUMPABLE");
    }
    sync.expect(SyncStep::go);
    join_namespaces_of(config.init_pid, config.spec->linux);
    // setns into a pid namespace applies to children: the process itself is forked here.
    pid_t child = static_cast<pid_t>(::syscall(SYS_clone, CLONE_PARENT | SIGCHLD, nullptr, nullptr, nullptr, nullptr));
    if (child < 0) {
      throw_errno("clone the exec process");
    }
    if (child == 0) {
      exec_stage2(config, sync);
    }
    sync.send(SyncStep::child_pid, child);
    ::_exit(0);
  } catch (const std::exception& e) {
    exit_after_error(sync, e, true);
  }
}

}  // namespace

int Runtime::exec(const ExecOptions& options) {
  Spec spec;
  ContainerState state;
  {
    ContainerDir dir = ContainerDir::open(root_, options.id, ContainerDir::Lock::none);
    state = dir.load_state();
    Status status = container_status(dir, state);
    if (status != Status::running && status != Status::created) {
      throw Error("cannot exec in container \"" + options.id + "\": it is " + std::string(status_name(status)));
    }
    spec = parse_spec(dir.load_config(), dir.path() + "/config.json");
  }
  if (options.process.args.empty()) {
    throw Error("exec: no command given");
  }
  if (options.process.terminal && options.console_socket.empty()) {
    throw Error("exec --tty needs --console-socket to receive the terminal");
  }
  std::optional<SeccompProgram> seccomp;
  if (spec.linux.seccomp) {
    seccomp = compile_seccomp_cached(*spec.linux.seccomp, root_.path() + "/.seccomp-cache");
  }
  auto cgroup = cgroups::load_manager(state.cgroup);
  UniqueFd console;
  if (!options.console_socket.empty()) {
    console = connect_console_socket(options.console_socket);
  }
  ExecConfig config;
  config.spec = &spec;
  config.process = &options.process;
  config.seccomp = seccomp ? &*seccomp : nullptr;
  config.init_pid = state.pid;
  config.console_fd = console.get();
  config.preserve_fds = options.preserve_fds;

  std::optional<ForwardedSignals> signals;
  if (!options.detach) {
    signals.emplace();
  }
  auto [parent_end, child_end] = SyncSocket::pair();
  ForkedChild forked = fork_into_cgroup(*cgroup, "for exec");
  pid_t stage1 = forked.pid;
  if (stage1 == 0) {
    parent_end.reset();
    exec_stage1(config, child_end);
  }
  child_end.reset();
  console.reset();
  pid_t child = 0;
  try {
    if (cgroup->enabled() && !forked.in_cgroup) {
      cgroup->add_process(stage1);
    }
    parent_end.send(SyncStep::go);
    // Stage 1 and the process it cloned share the socket: the process's ready may overtake
    // stage 1's child_pid.
    bool ready = false;
    while (child == 0 || !ready) {
      SyncMessage msg = parent_end.receive();
      if (msg.step == SyncStep::child_pid && child == 0) {
        child = static_cast<pid_t>(msg.value);
        ::waitpid(stage1, nullptr, 0);
        stage1 = 0;
      } else if (msg.step == SyncStep::ready && !ready) {
        ready = true;
      } else if (msg.step == SyncStep::error) {
        throw Error(msg.text);
      } else {
        throw Error("sync: unexpected step " + std::to_string(static_cast<uint32_t>(msg.step)) + " from exec");
      }
    }
  } catch (...) {
    for (pid_t pid : {stage1, child}) {
      if (pid > 0) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
      }
    }
    throw;
  }
  if (!options.pid_file.empty()) {
    write_file_atomic(options.pid_file, std::to_string(child), 0644, false);
  }
  if (options.detach) {
    return 0;
  }
  return signals->wait_for(child);
}

}  // namespace skiff::runtime

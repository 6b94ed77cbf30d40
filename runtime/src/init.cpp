#include "init.h"

#include <fcntl.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <csignal>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/path.h"
#include "skiff/base/unique_fd.h"
#include "skiff/base/rootless.h"
#include "skiff/runtime/hooks.h"
#include "skiff/runtime/process_setup.h"
#include "skiff/runtime/rootfs.h"
#include "skiff/runtime/terminal.h"

namespace skiff::runtime {

namespace {

void reset_signals() {
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) {
      ::signal(sig, SIG_DFL);
    }
  }
}

void set_hostnames(const Spec& spec) {
  if (!spec.hostname.empty() && ::sethostname(spec.hostname.c_str(), spec.hostname.size()) < 0) {
    throw_errno("sethostname " + spec.hostname);
  }
  if (!spec.domainname.empty() && ::setdomainname(spec.domainname.c_str(), spec.domainname.size()) < 0) {
    throw_errno("setdomainname " + spec.domainname);
  }
}

void join_session_keyring(const std::string& id) {
  std::string name = "_ses." + id;
  if (::syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name.c_str()) < 0 && errno != ENOSYS && errno != EACCES &&
      errno != EPERM && errno != EDQUOT) {
    throw_errno("join a new session keyring " + name);
  }
}

// /proc/self/timens_offsets, opened while this process is still the runtime's user: after a new
// user namespace (and non-dumpable) the file belongs to the host's root and cannot be opened,
// while a write through this fd is checked against the opener's credentials, which own the
// new namespaces. Invalid when there are no offsets to write.
UniqueFd open_time_offsets(const Linux& linux) {
  if (!linux.time_monotonic && !linux.time_boottime) {
    return UniqueFd();
  }
  UniqueFd fd(::open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC));
  if (!fd) {
    throw_errno("linux.timeOffsets: open /proc/self/timens_offsets");
  }
  return fd;
}

void write_time_offsets(const Linux& linux, int fd) {
  std::string offsets;
  if (linux.time_monotonic) {
    offsets += "monotonic " + std::to_string(linux.time_monotonic->secs) + " " +
               std::to_string(linux.time_monotonic->nanosecs) + "\n";
  }
  if (linux.time_boottime) {
    offsets += "boottime " + std::to_string(linux.time_boottime->secs) + " " +
               std::to_string(linux.time_boottime->nanosecs) + "\n";
  }
  try {
    write_all(fd, offsets, "/proc/self/timens_offsets");
  } catch (const Error& e) {
    throw Error("linux.timeOffsets: " + std::string(e.what()));
  }
}

// The container's process: everything from mounts to execve.
[[noreturn]] void run_init_stage2(const InitConfig& config, const SyncSocket& sync) {
  bool ready = false;
  try {
    const Spec& spec = *config.spec;
    const Process& process = *spec.process;
    reset_signals();
    if (::setsid() < 0) {
      throw_errno("setsid");
    }
    if (!config.no_new_keyring) {
      join_session_keyring(config.id);
    }
    // The fifo lives in the runtime's state dir, out of reach after pivot_root: hold it now.
    UniqueFd fifo(::open(config.fifo_path.c_str(), O_PATH | O_CLOEXEC));
    if (!fifo) {
      throw_errno("open the exec fifo " + config.fifo_path);
    }
    RootfsContext context;
    context.rootfs = config.rootfs;
    context.bundle = config.bundle;
    // Its own user namespace, or the caller's (a rootless CLI's): either way no mknod, as runc decides.
    context.user_namespace = spec.linux.find_namespace(NamespaceType::user) != nullptr || skiff::in_user_namespace();
    context.cgroup = config.cgroup;
    const Namespace* cgroup_ns = spec.linux.find_namespace(NamespaceType::cgroup);
    context.cgroup_namespace = cgroup_ns != nullptr && cgroup_ns->path.empty();
    if (config.moved_after_clone) {
      context.before_devices = [&sync, &context] {
        sync.expect(SyncStep::go);  // this process is in the container's cgroup now
        if (context.cgroup_namespace && ::unshare(CLONE_NEWCGROUP) < 0) {
          throw_errno("unshare the cgroup namespace");
        }
      };
    }
    prepare_rootfs(spec, context);

    sync.send(SyncStep::run_hooks);
    std::string state_json = sync.expect(SyncStep::go).text;
    run_hooks(spec.hooks.create_container, "createContainer", state_json);

    enter_rootfs(config.rootfs, config.no_pivot);
    finish_rootfs(spec);
    set_hostnames(spec);
    set_rlimits(process.rlimits);
    if (spec.linux.personality) {
      set_personality(*spec.linux.personality);
    }
    if (process.terminal) {
      if (config.console_fd < 0) {
        throw Error("process.terminal is true but no --console-socket was given");
      }
      setup_terminal(config.console_fd, process.console_size, true);
    }
    std::vector<std::string> env = process_environment(process);
    bool setgroups_allowed = true;
    if (context.user_namespace) {
      std::string setgroups = read_file("/proc/self/setgroups");
      setgroups_allowed = setgroups.rfind("allow", 0) == 0;
    }
    UniqueFd listener = finalize_process(process, config.seccomp, setgroups_allowed);
    std::string path = resolve_executable(process, env);
    if (listener) {
      sync.send(SyncStep::seccomp_listener, 0, {}, {listener.get()});
      listener.reset();
    }
    sync.send(SyncStep::ready);
    ready = true;

    // Blocks until `start` opens the other end.
    UniqueFd start(::open(fd_path(fifo.get()).c_str(), O_WRONLY | O_CLOEXEC));
    if (!start) {
      throw_errno("open the exec fifo through /proc/self/fd (is /proc mounted in the container?)");
    }
    fifo.reset();
    run_hooks(spec.hooks.start_container, "startContainer", state_json);
    // `start` waits for this byte and then for the fifo to close: start stays open (close-on-exec)
    // so that poststart hooks run only once the user's program has been executed.
    write_all(start.get(), "0", "exec fifo");
    load_late_seccomp(process, config.seccomp);
    prepare_inherited_fds(config.preserve_fds);
    exec_process(path, process, env);
  } catch (const std::exception& e) {
    exit_after_error(sync, e, !ready);
  }
}

std::vector<std::pair<NamespaceType, UniqueFd>> open_joined(const Linux& linux) {
  std::vector<std::pair<NamespaceType, UniqueFd>> out;
  for (const auto& ns : linux.namespaces) {
    if (ns.path.empty()) {
      continue;
    }
    UniqueFd fd(::open(ns.path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
      throw_errno("open " + std::string(namespace_type_name(ns.type)) + " namespace " + ns.path);
    }
    out.emplace_back(ns.type, std::move(fd));
  }
  return out;
}

void set_namespace(int fd, NamespaceType type, const std::string& what) {
  if (::setns(fd, namespace_clone_flag(type)) < 0) {
    throw_errno("join " + std::string(namespace_type_name(type)) + " namespace " + what);
  }
}

// Joins in the order that keeps each setns allowed: user first (it grants the capabilities
// for the rest), mount last (it changes what paths mean).
void join_in_order(std::vector<std::pair<NamespaceType, UniqueFd>>& joined, const std::string& what) {
  for (auto& [type, fd] : joined) {
    if (type == NamespaceType::user) {
      set_namespace(fd.get(), type, what);
    }
  }
  for (auto& [type, fd] : joined) {
    if (type != NamespaceType::user && type != NamespaceType::mount) {
      set_namespace(fd.get(), type, what);
    }
  }
  for (auto& [type, fd] : joined) {
    if (type == NamespaceType::mount) {
      set_namespace(fd.get(), type, what);
    }
  }
}

}  // namespace

void run_init_stage1(const InitConfig& config, const SyncSocket& sync) {
  try {
    UniqueFd(config.state_lock_fd).reset();
    reset_signals();
    UniqueFd time_offsets = open_time_offsets(config.spec->linux);
    // Inherited by the container's process; set here, through the host's /proc, because the
    // container may not mount one. Before PR_SET_DUMPABLE: a non-dumpable process's /proc files
    // belong to root, so an unprivileged runtime could no longer open its own oom_score_adj.
    if (config.spec->process->oom_score_adj) {
      set_oom_score_adj(*config.spec->process->oom_score_adj);
    }
    // Nothing in the container may open this process's /proc entries (CVE-2019-5736).
    if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
      throw_errno("prctl PR_SET_DUMPABLE");
    }
    sync.expect(SyncStep::go);
    const Linux& linux = config.spec->linux;
    auto joined = open_joined(linux);
    join_in_order(joined, "from linux.namespaces");
    int new_flags = 0;
    bool new_user = false;
    std::string new_names;
    for (const auto& ns : linux.namespaces) {
      if (!ns.path.empty()) {
        continue;
      }
      if (ns.type == NamespaceType::user) {
        new_user = true;
      } else if (ns.type == NamespaceType::cgroup && config.moved_after_clone) {
        continue;  // made by the container's process once it is in its cgroup
      } else {
        new_flags |= namespace_clone_flag(ns.type);
        new_names += (new_names.empty() ? "" : ", ") + std::string(namespace_type_name(ns.type));
      }
    }
    if (new_user) {
      if (::unshare(CLONE_NEWUSER) < 0) {
        throw_errno("unshare the user namespace");
      }
      // An unprivileged runtime writes a single mapping itself, and the kernel lets it open a
      // non-dumpable process's uid_map only as root: dumpable just while the maps are written
      // (runc does the same). Nothing of the container runs in this process yet.
      if (::prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0) {
        throw_errno("prctl PR_SET_DUMPABLE for the id maps");
      }
      sync.send(SyncStep::need_id_maps);
      sync.expect(SyncStep::go);
      if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
        throw_errno("prctl PR_SET_DUMPABLE");
      }
      if (::setresgid(0, 0, 0) < 0 || ::setresuid(0, 0, 0) < 0) {
        throw_errno("become root in the new user namespace (is container id 0 mapped?)");
      }
    }
    if (new_flags != 0 && ::unshare(new_flags) < 0) {
      throw_errno("unshare the " + new_names + " namespaces");
    }
    if (time_offsets) {
      write_time_offsets(linux, time_offsets.get());
      time_offsets.reset();
    }
    pid_t child = static_cast<pid_t>(::syscall(SYS_clone, CLONE_PARENT | SIGCHLD, nullptr, nullptr, nullptr, nullptr));
    if (child < 0) {
      throw_errno("clone the container's process");
    }
    if (child == 0) {
      run_init_stage2(config, sync);
    }
    sync.send(SyncStep::child_pid, child);
    ::_exit(0);
  } catch (const std::exception& e) {
    exit_after_error(sync, e, true);
  }
}

void join_namespaces_of(pid_t pid, const Linux& linux) {
  std::vector<std::pair<NamespaceType, UniqueFd>> fds;
  std::string proc = "/proc/" + std::to_string(pid) + "/ns/";
  for (const auto& ns : linux.namespaces) {
    std::string path = proc + std::string(namespace_proc_name(ns.type));
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
      throw_errno("open " + path);
    }
    fds.emplace_back(ns.type, std::move(fd));
  }
  // A namespace the container shares with us needs no setns (and joining our own user
  // namespace is EINVAL).
  std::vector<std::pair<NamespaceType, UniqueFd>> differing;
  for (auto& [type, fd] : fds) {
    struct stat theirs {};
    struct stat ours {};
    std::string own = "/proc/self/ns/" + std::string(namespace_proc_name(type));
    if (::fstat(fd.get(), &theirs) == 0 && ::stat(own.c_str(), &ours) == 0 && theirs.st_ino == ours.st_ino &&
        theirs.st_dev == ours.st_dev) {
      continue;
    }
    differing.emplace_back(type, std::move(fd));
  }
  join_in_order(differing, "of pid " + std::to_string(pid));
}

}  // namespace skiff::runtime

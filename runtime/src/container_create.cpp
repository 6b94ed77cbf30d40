#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <memory>

#include "fork_into_cgroup.h"
#include "init.h"
#include "skiff/base/clock.h"
#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/json.h"
#include "skiff/base/log.h"
#include "skiff/base/passwd.h"
#include "skiff/cgroups/manager.h"
#include "skiff/base/rootless.h"
#include "skiff/runtime/container.h"
#include "skiff/runtime/devices.h"
#include "skiff/runtime/hooks.h"
#include "skiff/runtime/idmap.h"
#include "skiff/runtime/terminal.h"

namespace skiff::runtime {

namespace {

std::string absolute_path(const std::string& path, const std::string& what) {
  char resolved[PATH_MAX];
  if (::realpath(path.c_str(), resolved) == nullptr) {
    throw_errno(what + " " + path);
  }
  return resolved;
}

// Undoes a half-made container unless dismissed: its process, its cgroup and its state dir.
class CreateRollback {
 public:
  CreateRollback(ContainerDir& dir) : dir_(dir) {}
  CreateRollback(const CreateRollback&) = delete;
  CreateRollback& operator=(const CreateRollback&) = delete;
  ~CreateRollback() {
    if (dismissed_) {
      return;
    }
    for (pid_t pid : {stage1_, init_}) {
      if (pid > 0) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
      }
    }
    try {
      if (cgroup_ != nullptr) {
        cgroup_->kill_all(SIGKILL);
        cgroup_->destroy();
      }
    } catch (const std::exception& e) {
      log::warning(std::string("cleaning up the failed container's cgroup: ") + e.what());
    }
    try {
      dir_.remove();
    } catch (const std::exception& e) {
      log::warning(std::string("cleaning up the failed container's state: ") + e.what());
    }
  }
  void set_stage1(pid_t pid) { stage1_ = pid; }
  void set_init(pid_t pid) { init_ = pid; }
  void set_cgroup(cgroups::Manager* cgroup) { cgroup_ = cgroup; }
  void dismiss() { dismissed_ = true; }

 private:
  ContainerDir& dir_;
  pid_t stage1_ = 0;
  pid_t init_ = 0;
  cgroups::Manager* cgroup_ = nullptr;
  bool dismissed_ = false;
};

// A device allowlist that names no devices would leave the container without /dev/null: as
// runc and crun do, the devices every container gets, its pty devices and the devices the spec
// creates are allowed after the spec's own rules.
cgroups::Resources with_default_device_rules(cgroups::Resources resources, const std::vector<Device>& devices) {
  if (resources.devices.empty()) {
    return resources;
  }
  auto allow = [&](char type, std::optional<int64_t> major, std::optional<int64_t> minor) {
    cgroups::DeviceRule rule;
    rule.allow = true;
    rule.type = std::string(1, type);
    rule.major = major;
    rule.minor = minor;
    rule.access = "rwm";
    resources.devices.push_back(rule);
  };
  for (const auto& d : default_devices()) {
    allow(d.type, d.major, d.minor);
  }
  allow('c', 5, 1);               // /dev/console
  allow('c', 5, 2);               // /dev/ptmx
  allow('c', 136, std::nullopt);  // /dev/pts/*
  for (const auto& d : devices) {
    if (d.type != 'p') {
      allow(d.type == 'u' ? 'c' : d.type, d.major, d.minor);
    }
  }
  return resources;
}

}  // namespace

pid_t Runtime::create(const CreateOptions& options) {
  validate_container_id(options.id);
  std::string bundle = absolute_path(options.bundle, "--bundle");
  std::string config_path = bundle + "/config.json";
  std::string config_text = read_file(config_path);
  Spec spec = parse_spec(json::parse(config_text, config_path), config_path);
  if (!spec.process) {
    throw Error(config_path + ": process: is required to create a container");
  }
  std::string rootfs_path = spec.root_path.front() == '/' ? spec.root_path : bundle + "/" + spec.root_path;
  struct stat st {};
  if (::stat(rootfs_path.c_str(), &st) < 0 || !S_ISDIR(st.st_mode)) {
    throw Error(config_path + ": root.path: " + rootfs_path + " is not a directory");
  }
  std::string rootfs = absolute_path(rootfs_path, "root.path");
  const Namespace* mount_ns = spec.linux.find_namespace(NamespaceType::mount);
  if (mount_ns == nullptr || !mount_ns->path.empty()) {
    throw Error(config_path + ": linux.namespaces: a new mount namespace is required");
  }
  if (spec.process->terminal && options.console_socket.empty()) {
    throw Error("process.terminal is true: --console-socket is required to receive the terminal");
  }
  if (!spec.process->apparmor_profile.empty()) {
    log::warning("process.apparmorProfile is not applied: skiff-runtime has no AppArmor support");
  }
  if (!spec.process->selinux_label.empty()) {
    log::warning("process.selinuxLabel is not applied: skiff-runtime has no SELinux support");
  }
  std::optional<SeccompProgram> seccomp;
  if (spec.linux.seccomp) {
    seccomp = compile_seccomp_cached(*spec.linux.seccomp, root_.path() + "/.seccomp-cache");
  }
  // Root of a rootless CLI's user namespace has only its user's rights to the host's cgroups.
  bool rootless = skiff::running_rootless();

  ContainerDir dir = ContainerDir::create(root_, options.id);
  std::unique_ptr<cgroups::Manager> cgroup;
  CreateRollback rollback(dir);
  dir.save_config(config_text);
  if (::mkfifo(dir.fifo_path().c_str(), 0622) < 0) {
    throw_errno("mkfifo " + dir.fifo_path());
  }
  // The umask must not take the write bits away: a process.user other than root opens it.
  if (::chmod(dir.fifo_path().c_str(), 0622) < 0) {
    throw_errno("chmod " + dir.fifo_path());
  }
  cgroup = cgroups::make_manager({spec.linux.cgroups_path, options.id, rootless, options.systemd_cgroup});
  rollback.set_cgroup(cgroup.get());
  cgroup->create();
  if (spec.linux.resources) {
    cgroup->apply(with_default_device_rules(*spec.linux.resources, spec.linux.devices));
  }
  UniqueFd console;
  if (!options.console_socket.empty()) {
    console = connect_console_socket(options.console_socket);
  }

  ContainerState state;
  state.id = options.id;
  state.bundle = bundle;
  state.rootfs = rootfs;
  state.created = now_rfc3339();
  state.owner = user_name(::geteuid());
  state.annotations = spec.annotations;
  state.cgroup = cgroup->save();
  state.rootless = rootless;
  const Namespace* pid_ns = spec.linux.find_namespace(NamespaceType::pid);
  state.own_pid_namespace = pid_ns != nullptr && pid_ns->path.empty();
  state.systemd_cgroup = options.systemd_cgroup;

  InitConfig init;
  init.spec = &spec;
  init.id = options.id;
  init.rootfs = rootfs;
  init.bundle = bundle;
  init.fifo_path = dir.fifo_path();
  init.seccomp = seccomp ? &*seccomp : nullptr;
  init.cgroup = cgroup.get();
  init.console_fd = console.get();
  init.state_lock_fd = dir.fd();
  init.preserve_fds = options.preserve_fds;
  init.no_pivot = options.no_pivot;
  init.no_new_keyring = options.no_new_keyring;

  // Where the fork cannot be born in the cgroup, the container's process is moved there while it
  // makes its mounts (InitConfig::moved_after_clone). Not on cgroup v2, where its cgroup2 mount
  // needs the cgroup namespace, which it can make only once it has been moved.
  bool move_after_clone = cgroup->enabled() && cgroups::detect_mode() != cgroups::Mode::v2;
  auto [parent_end, child_end] = SyncSocket::pair();
  ForkedChild forked = fork_into_cgroup(*cgroup, "the container's first stage");
  move_after_clone = move_after_clone && !forked.in_cgroup;
  pid_t stage1 = forked.pid;
  if (stage1 == 0) {
    init.moved_after_clone = move_after_clone;
    parent_end.reset();
    run_init_stage1(init, child_end);
  }
  rollback.set_stage1(stage1);
  child_end.reset();
  console.reset();
  if (!forked.in_cgroup && !move_after_clone) {
    cgroup->add_process(stage1);
  }
  parent_end.send(SyncStep::go);
  // A process that has ended meanwhile is not moved; a failed one has sent its error.
  auto move_into_cgroup = [&](pid_t pid) {
    try {
      cgroup->add_process(pid);
    } catch (const Error& e) {
      if (e.code() != ESRCH) {
        throw;
      }
    }
  };
  if (move_after_clone) {
    // Stage 1 goes first, while it works: the kernel's wait on the first move (an RCU grace
    // period for cgroup_threadgroup_rwsem) then overlaps with its namespaces and the process's
    // mounts, and the move of that process (below) comes within the grace period that follows,
    // which costs no second wait.
    move_into_cgroup(stage1);
  }

  pid_t init_pid = 0;
  auto take_child_pid = [&](const SyncMessage& msg) {
    init_pid = static_cast<pid_t>(msg.value);
    rollback.set_init(init_pid);
    if (move_after_clone) {
      move_into_cgroup(init_pid);
      try {
        parent_end.send(SyncStep::go);
      } catch (const Error&) {
        // The process has failed meanwhile: its error is the next message.
      }
    }
    int status = 0;
    ::waitpid(stage1, &status, 0);
    rollback.set_stage1(0);
  };
  for (;;) {
    SyncMessage msg = parent_end.receive();
    switch (msg.step) {
      case SyncStep::need_id_maps:
        write_id_maps(stage1, spec.linux.uid_mappings, spec.linux.gid_mappings);
        parent_end.send(SyncStep::go);
        break;
      case SyncStep::child_pid:
        take_child_pid(msg);
        break;
      case SyncStep::run_hooks: {
        // Stage 1 and the process it cloned share the socket, so this first message of the
        // process may overtake stage 1's child_pid; that is then the next one (the process
        // waits for go).
        if (init_pid == 0) {
          take_child_pid(parent_end.expect(SyncStep::child_pid));
        }
        state.pid = init_pid;
        std::string state_json = boost::json::serialize(oci_state(state, Status::creating));
        run_hooks(spec.hooks.prestart, "prestart", state_json);
        run_hooks(spec.hooks.create_runtime, "createRuntime", state_json);
        parent_end.send(SyncStep::go, 0, state_json);
        break;
      }
      case SyncStep::seccomp_listener: {
        state.pid = init_pid;
        if (msg.fds.empty()) {
          throw Error("seccomp: the container's process sent no listener fd");
        }
        send_seccomp_listener(msg.fds.front().get(), spec.linux.seccomp->listener_path,
                              boost::json::serialize(oci_state(state, Status::creating)),
                              spec.linux.seccomp->listener_metadata);
        break;
      }
      case SyncStep::ready:
        break;
      case SyncStep::error:
        throw Error(msg.text);
      default:
        throw Error("sync: unexpected step from the container's process");
    }
    if (msg.step == SyncStep::ready) {
      break;
    }
  }
  state.pid = init_pid;
  state.pid_start_time = process_start_time(init_pid);
  dir.save_state(state);
  if (!options.pid_file.empty()) {
    write_file_atomic(options.pid_file, std::to_string(init_pid), 0644, false);
  }
  rollback.dismiss();
  return init_pid;
}

}  // namespace skiff::runtime

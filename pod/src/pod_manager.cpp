#include "skiff/pod/pod_manager.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cerrno>
#include <csignal>
#include <cstdlib>

#include "host_ports.h"
#include "monitor.h"
#include "oci_config.h"
#include "pod_net.h"
#include "pod_store.h"
#include "skiff/base/clock.h"
#include "skiff/base/file.h"
#include "skiff/base/json.h"
#include "skiff/base/log.h"
#include "skiff/cgroups/manager.h"
#include "skiff/cgroups/resources.h"
#include "skiff/image/store.h"
#include "skiff/pod/cri_log.h"
#include "skiff/pod/pause_binary.h"
#include "skiff/runtime/container.h"
#include "skiff/runtime/state.h"
#include "teardown.h"

namespace skiff::pod {

namespace {

// Pod dirs being made are named .<prefix><id>-<pid> until they are locked and marked.
constexpr std::string_view kStagingPrefix = ".staging-";

// The pod dir appears under its id already locked and holding the creating marker: it is made
// under a dot name (which recovery treats as a creation in progress), locked, marked, then
// renamed into place. A concurrent recover() therefore never sees an unlocked half-made pod.
PodLock make_locked_pod_dir(const PodLayout& layout) {
  mkdir_all(pods_dir(layout.state_root), 0700);
  PodLayout staging{layout.state_root, std::string(kStagingPrefix) + layout.id + "-" + std::to_string(::getpid())};
  if (::mkdir(staging.dir().c_str(), 0700) != 0) {
    throw_errno("create pod dir " + staging.dir());
  }
  try {
    PodLock lock = PodLock::acquire(staging);
    write_file(staging.creating_marker(), "");
    if (::renameat2(AT_FDCWD, staging.dir().c_str(), AT_FDCWD, layout.dir().c_str(), RENAME_NOREPLACE) != 0) {
      if (errno == EEXIST) {
        throw Error("pod " + layout.id + " already exists", EEXIST);
      }
      throw_errno("rename " + staging.dir() + " to " + layout.dir());
    }
    return lock;
  } catch (...) {
    remove_all(staging.dir());
    throw;
  }
}

// The infra's pause process ends at SIGTERM at once; this only bounds a broken one.
constexpr std::chrono::seconds kInfraGrace{10};
constexpr size_t kLogTail = 2048;

std::string log_path(const std::string& bundle) {
  return bundle + "/log";
}

// The end of a container's output (the content of its CRI log), for error messages.
std::string log_tail(const std::string& path) {
  std::string text;
  for (const auto& line : read_cri_log(path, {})) {
    text += line.content + (line.complete ? "\n" : "");
  }
  return text.size() > kLogTail ? text.substr(text.size() - kLogTail) : text;
}

ContainerState state_of(const ContainerRecord& record) {
  if (record.state == "exited") {
    return ContainerState::exited;
  }
  if (!monitor_alive(record)) {
    return ContainerState::unknown;  // its monitor died without recording an end
  }
  return record.state == "running" ? ContainerState::running : ContainerState::created;
}

ContainerStatus container_status(const PodLayout& layout, const std::string& name, bool init) {
  ContainerStatus status;
  status.name = name;
  status.init = init;
  status.log_path = log_path(layout.bundle(name));
  auto record = load_container_record(status_path(layout.bundle(name)));
  if (!record) {
    return status;
  }
  status.state = state_of(*record);
  status.pid = record->pid;
  status.exit_code = record->exit_code;
  status.oom_killed = record->oom_killed;
  status.started_at = record->started_at;
  status.finished_at = record->finished_at;
  status.restart_count = record->restart_count;
  return status;
}

// Starts one container of the pod under its monitor; wait() on the result for its report.
MonitorLaunch launch(const PodManagerOptions& options, const PodLayout& layout, const std::string& name,
                     const boost::json::object& config, int lock_fd, const PodSpec* slirp_pod = nullptr) {
  std::string bundle = layout.bundle(name);
  mkdir_all(bundle);
  write_file_atomic(bundle + "/config.json", json::pretty(config), 0644, false);
  MonitorRequest request{options.state_root, layout.runtime_id(name), bundle, log_path(bundle), lock_fd};
  if (slirp_pod != nullptr) {
    request.slirp = true;
    request.slirp_dir = layout.dir();
    request.ports = slirp_pod->ports;
  }
  return MonitorLaunch(request);
}

void stop_locked(const PodManagerOptions& options, const PodLayout& layout, PodRecord& record,
                 std::chrono::milliseconds grace) {
  // Every container gets its stop signal first, so that they all use the same grace period.
  for (const auto& c : record.spec.containers) {
    auto status = load_container_record(status_path(layout.bundle(c.name)));
    if (status && monitor_alive(*status)) {
      runtime::Runtime rt{runtime::StateRoot(options.state_root)};
      try {
        rt.kill(layout.runtime_id(c.name), c.stop_signal, false);
      } catch (const Error&) {
      }
    }
  }
  auto deadline = std::chrono::steady_clock::now() + grace;
  for (const auto& c : record.spec.containers) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    stop_container(options, layout, c.name, c.stop_signal, std::max(left, std::chrono::milliseconds(0)));
  }
  stop_container(options, layout, "", SIGTERM, kInfraGrace);
  record.stopped = true;
  save_record(layout, record);
}

// Starts the infra, connects the network, writes the /etc files, runs the init containers to
// completion, then starts the containers: what create does after the pod's dir and cgroup exist,
// and what start does again for a stopped pod.
void run_pod(const PodManagerOptions& options, const PodLayout& layout, PodRecord& record, int lock_fd,
             const std::string& pause) {
  const PodSpec& spec = record.spec;
  // slirp4netns is held by the infra's monitor: it must outlive this process, and end with the infra.
  auto infra = launch(options, layout, "", infra_config(spec, record.cgroup_path + "/_pause", pause), lock_fd,
                      spec.network == NetworkMode::slirp4netns ? &spec : nullptr)
                   .wait();
  record.infra_pid = infra.container_pid;
  save_record(layout, record);
  record.network = connect_pod(options.bridge, spec, infra.container_pid);
  save_record(layout, record);
  write_pod_etc_files(layout, spec, record.network);

  for (const auto& c : spec.init_containers) {
    launch(options, layout, c.name,
           container_config(spec, c, layout, infra.container_pid, record.cgroup_path + "/" + c.name), lock_fd)
        .wait();
    wait_monitor_exit(layout.bundle(c.name), std::nullopt);
    auto status = container_status(layout, c.name, true);
    if (status.state != ContainerState::exited || status.exit_code != 0) {
      int code = status.state == ContainerState::exited ? status.exit_code : -1;
      throw ContainerFailed("pod " + spec.id + ": init container " + c.name + " failed with exit code " +
                                std::to_string(code) + "; its log ends:\n" + log_tail(status.log_path),
                            code);
    }
  }
  // The containers are made at the same time; every one has reported before an error is
  // thrown, so that teardown never races a monitor still creating its container.
  std::vector<MonitorLaunch> launches;
  for (const auto& c : spec.containers) {
    launches.push_back(launch(options, layout, c.name,
                              container_config(spec, c, layout, infra.container_pid, record.cgroup_path + "/" + c.name),
                              lock_fd));
  }
  std::exception_ptr failure;
  for (auto& l : launches) {
    try {
      l.wait();
    } catch (...) {
      failure = failure ? failure : std::current_exception();
    }
  }
  if (failure) {
    std::rethrow_exception(failure);
  }
  record.stopped = false;
  save_record(layout, record);
}

}  // namespace

std::string_view container_state_name(ContainerState state) {
  switch (state) {
    case ContainerState::created:
      return "created";
    case ContainerState::running:
      return "running";
    case ContainerState::exited:
      return "exited";
    case ContainerState::unknown:
      return "unknown";
  }
  return "unknown";
}

PodManager::PodManager(PodManagerOptions options) : options_(std::move(options)) {
  if (options_.state_root.empty()) {
    options_.state_root = runtime::StateRoot::default_path();
  }
}

PodStatus PodManager::create_pod(const PodSpec& requested) {
  validate_pod_spec(requested);
  // Root of a user namespace (the rootless CLI in its own) has a rootless user's rights on the host.
  bool rootless = image::Store::running_rootless();
  // The record holds the mode actually used, so that later commands never re-resolve it.
  PodSpec spec = requested;
  spec.network = resolve_network_mode(requested.network, rootless);
  assign_free_host_ports(spec.ports);
  if (rootless && spec.network == NetworkMode::bridge) {
    throw Error("pod " + spec.id +
                    ": bridge networking needs root (a bridge, veths and nftables on the host); rootless pods "
                    "use slirp4netns (network mode slirp4netns, or auto)",
                EPERM);
  }
  try {
    recover(false);
  } catch (const std::exception& e) {
    // Another pod's leftovers are no reason to refuse this one.
    log::warning(std::string("recovering interrupted pods: ") + e.what());
  }
  std::string pause = options_.pause_path.empty() ? find_pause_binary() : options_.pause_path;
  PodLayout layout{options_.state_root, spec.id};
  PodLock lock = make_locked_pod_dir(layout);
  // Nothing else may exist before the marker and pod.json: recovery learns from them what to undo.
  try {
    PodRecord record;
    record.spec = spec;
    record.created_at = now_rfc3339();
    record.cgroup_path = options_.cgroup_parent + "/" + spec.id;
    auto cgroup = cgroups::make_manager({record.cgroup_path, spec.id, rootless, false});
    record.cgroup = cgroup->save();
    save_record(layout, record);

    cgroup->create();
    if (!spec.resources.empty()) {
      cgroup->apply(cgroups::parse_resources(spec.resources, "resources"));
    }
    std::string infra_rootfs = layout.bundle("") + "/rootfs";
    mkdir_all(infra_rootfs);
    write_file(infra_rootfs + "/skiff-pause", "", 0755);
    run_pod(options_, layout, record, lock.fd(), pause);
    std::remove(layout.creating_marker().c_str());
  } catch (...) {
    try {
      teardown_pod(options_, layout);
    } catch (const std::exception& e) {
      log::warning("pod " + spec.id + ": cleaning up after a failed create: " + e.what());
    }
    throw;
  }
  return pod_status(spec.id);
}

void PodManager::stop_pod(const std::string& id, std::chrono::milliseconds grace) {
  PodLayout layout{options_.state_root, id};
  PodLock lock = PodLock::acquire(layout);
  PodRecord record = load_record(layout);
  stop_locked(options_, layout, record, grace);
}

PodStatus PodManager::start_pod(const std::string& id) {
  PodLayout layout{options_.state_root, id};
  PodLock lock = PodLock::acquire(layout);
  PodRecord record = load_record(layout);
  if (path_exists(layout.creating_marker())) {
    throw Error("pod " + id + " is being created", EBUSY);
  }
  if (!record.stopped && container_status(layout, "", false).state == ContainerState::running) {
    return pod_status(id);
  }
  // Whatever ran before (a pod stopped, or one whose infra died) leaves its containers to the
  // runtime and its address and port rules to the network: both are cleared, then made anew.
  stop_locked(options_, layout, record, std::chrono::milliseconds(0));
  runtime::Runtime rt{runtime::StateRoot(options_.state_root)};
  std::vector<std::string> names{""};
  for (const auto* list : {&record.spec.init_containers, &record.spec.containers}) {
    for (const auto& c : *list) {
      names.push_back(c.name);
    }
  }
  for (const auto& name : names) {
    try {
      rt.remove(layout.runtime_id(name), true);
    } catch (const Error&) {
      // Deleted by its monitor already.
    }
  }
  kill_pod_slirp(layout.dir());
  disconnect_pod(options_.bridge, record.spec);
  record.network.reset();
  std::string pause = options_.pause_path.empty() ? find_pause_binary() : options_.pause_path;
  try {
    run_pod(options_, layout, record, lock.fd(), pause);
  } catch (...) {
    try {
      stop_locked(options_, layout, record, std::chrono::milliseconds(0));
    } catch (const std::exception& e) {
      log::warning("pod " + id + ": stopping it after a failed start: " + e.what());
    }
    throw;
  }
  return pod_status(id);
}

void PodManager::remove_pod(const std::string& id, bool force) {
  PodLayout layout{options_.state_root, id};
  PodLock lock = PodLock::acquire(layout);
  PodRecord record = load_record(layout);
  if (!record.stopped) {
    if (!force) {
      throw Error("pod " + id + " is running: stop it first, or remove it with force", EBUSY);
    }
    stop_locked(options_, layout, record, std::chrono::milliseconds(0));
  }
  teardown_pod(options_, layout);
}

PodStatus PodManager::pod_status(const std::string& id) {
  PodLayout layout{options_.state_root, id};
  if (!path_exists(layout.dir())) {
    throw Error("pod " + id + " does not exist", ENOENT);
  }
  PodStatus status;
  status.id = id;
  if (!path_exists(layout.record())) {
    status.state = "creating";
    return status;
  }
  PodRecord record = load_record(layout);
  status.created_at = record.created_at;
  status.hostname = record.spec.hostname.empty() ? id : record.spec.hostname;
  status.network_mode = record.spec.network;
  status.share_pid = record.spec.share_pid;
  status.infra_pid = record.infra_pid;
  status.cgroup = record.cgroup_path;
  status.network = record.network;
  ContainerStatus infra = container_status(layout, "", false);
  if (path_exists(layout.creating_marker())) {
    status.state = "creating";
  } else if (!record.stopped && infra.state == ContainerState::running) {
    status.state = "running";
  } else {
    status.state = "stopped";
  }
  for (const auto& c : record.spec.init_containers) {
    status.containers.push_back(container_status(layout, c.name, true));
  }
  for (const auto& c : record.spec.containers) {
    status.containers.push_back(container_status(layout, c.name, false));
  }
  return status;
}

std::string PodManager::resolve(const std::string& name_or_prefix) {
  if (!name_or_prefix.empty() && name_or_prefix.find('/') == std::string::npos &&
      path_exists(PodLayout{options_.state_root, name_or_prefix}.record())) {
    return name_or_prefix;
  }
  std::vector<std::string> matches;
  for (const auto& status : list_pods()) {
    if (!name_or_prefix.empty() && status.id.starts_with(name_or_prefix)) {
      matches.push_back(status.id);
    }
  }
  if (matches.size() > 1) {
    throw Error("more than one pod matches \"" + name_or_prefix + "\": give more of its id", EINVAL);
  }
  if (matches.empty()) {
    throw Error("no pod with name or ID " + name_or_prefix + " found: no such pod", ENOENT);
  }
  return matches.front();
}

std::vector<PodStatus> PodManager::list_pods() {
  recover(false);
  std::vector<PodStatus> pods;
  std::string dir = pods_dir(options_.state_root);
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    if (errno == ENOENT) {
      return pods;
    }
    throw_errno("open " + dir);
  }
  std::vector<std::string> ids;
  while (dirent* ent = ::readdir(d)) {
    if (ent->d_name[0] != '.') {
      ids.emplace_back(ent->d_name);
    }
  }
  ::closedir(d);
  std::sort(ids.begin(), ids.end());
  for (const auto& id : ids) {
    try {
      pods.push_back(pod_status(id));
    } catch (const Error& e) {
      if (e.code() != ENOENT) {
        throw;
      }
    }
  }
  return pods;
}

std::vector<std::string> PodManager::recover(bool wait) {
  std::vector<std::string> removed;
  std::string dir = pods_dir(options_.state_root);
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    if (errno == ENOENT) {
      return removed;
    }
    throw_errno("open " + dir);
  }
  std::vector<std::string> ids;
  std::vector<std::string> staging;
  while (dirent* ent = ::readdir(d)) {
    std::string_view name = ent->d_name;
    if (name.starts_with(kStagingPrefix)) {
      staging.emplace_back(name);
    } else if (name.front() != '.') {
      ids.emplace_back(name);
    }
  }
  ::closedir(d);
  // A staging dir whose creator died before the rename holds only the marker. Its name ends in
  // the creator's pid: a live creator may not have locked it yet.
  for (const auto& name : staging) {
    PodLayout layout{options_.state_root, name};
    pid_t creator = static_cast<pid_t>(std::atoi(name.substr(name.rfind('-') + 1).c_str()));
    if (creator > 0 && (::kill(creator, 0) == 0 || errno == EPERM)) {
      continue;
    }
    try {
      PodLock lock = PodLock::acquire(layout, false);
      if (lock.locked()) {
        remove_all(layout.dir());
      }
    } catch (const Error& e) {
      if (e.code() != ENOENT) {
        throw;
      }
    }
  }
  for (const auto& id : ids) {
    PodLayout layout{options_.state_root, id};
    // A pod is half-made while it has the marker; without pod.json as well it is a pod dir whose
    // creator died before writing anything. Its creator's lock says whether it is still alive.
    if (path_exists(layout.record()) && !path_exists(layout.creating_marker())) {
      continue;
    }
    std::optional<PodLock> lock;
    try {
      lock = PodLock::acquire(layout, wait);
    } catch (const Error& e) {
      if (e.code() == ENOENT) {
        continue;
      }
      throw;
    }
    if (!lock->locked()) {
      continue;  // being created right now
    }
    if (!path_exists(layout.dir()) || (path_exists(layout.record()) && !path_exists(layout.creating_marker()))) {
      continue;  // finished or removed while we waited for the lock
    }
    log::info("pod " + id + ": removing what an interrupted create left");
    teardown_pod(options_, layout);
    removed.push_back(id);
  }
  return removed;
}

}  // namespace skiff::pod

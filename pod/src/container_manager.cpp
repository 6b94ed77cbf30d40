#include "skiff/pod/container_manager.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <thread>

#include "container_config.h"
#include "container_network.h"
#include "container_store.h"
#include "host_ports.h"
#include "monitor.h"
#include "pod_store.h"
#include "skiff/base/clock.h"
#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/json.h"
#include "skiff/base/log.h"
#include "skiff/base/random.h"
#include "skiff/base/rootless.h"
#include "skiff/image/image_config.h"
#include "skiff/image/manifest.h"
#include "skiff/image/rootfs.h"
#include "skiff/pod/attach.h"
#include "skiff/pod/pod_manager.h"
#include "skiff/pod/volumes.h"
#include "skiff/runtime/container.h"
#include "skiff/runtime/state.h"

namespace skiff::pod {

namespace {

constexpr std::string_view kStagingPrefix = ".staging-";
// How long a monitor may take to record an end after SIGKILL: a bound for a broken host.
constexpr std::chrono::seconds kMonitorExitBound{30};
// How often wait() looks at a container that was never started.
constexpr std::chrono::milliseconds kWaitPoll{100};

std::vector<std::string> dir_entries(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    if (errno == ENOENT) {
      return names;
    }
    throw_errno("open " + dir);
  }
  while (dirent* ent = ::readdir(d)) {
    std::string name = ent->d_name;
    if (name != "." && name != "..") {
      names.push_back(name);
    }
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

bool is_hex_id(const std::string& name) {
  return name.size() == 64 && name.find_first_not_of("0123456789abcdef") == std::string::npos;
}

std::optional<ContainerRecord> monitor_record(const ContainerLayout& layout) {
  return load_container_record(status_path(layout.dir()));
}

bool monitor_running(const ContainerLayout& layout) {
  auto record = monitor_record(layout);
  return record && monitor_alive(*record);
}

// The container's dir appears under its id already locked and marked as being created, as a
// pod's does (pod_manager.cpp), so recovery never sees an unlocked half-made container.
ContainerLock make_locked_dir(const ContainerLayout& layout) {
  mkdir_all(ContainerLayout::containers_dir(layout.state_root), 0700);
  ContainerLayout staging{layout.state_root,
                          std::string(kStagingPrefix) + layout.id + "-" + std::to_string(::getpid())};
  check(::mkdir(staging.dir().c_str(), 0700), "create container dir " + staging.dir());
  try {
    ContainerLock lock = ContainerLock::acquire(staging);
    write_file(staging.creating_marker(), "");
    check(::rename(staging.dir().c_str(), layout.dir().c_str()), "rename " + staging.dir() + " to " + layout.dir());
    return lock;
  } catch (...) {
    remove_all(staging.dir());
    throw;
  }
}

void remove_rootfs(image::Store& store, const std::string& id) {
  if (!path_exists(store.container_dir(id))) {
    return;
  }
  if (path_exists(store.container_dir(id) + "/container.json")) {
    image::Rootfs::open(store, id).remove();
  } else {
    store.unregister_container(id);
  }
}

// The anonymous volumes of a container being removed with its volumes.
void remove_anonymous_volumes(const image::Store& store, const ContainerRunSpec& spec) {
  for (const auto& m : spec.mounts) {
    if (m.anonymous) {
      try {
        VolumeStore(store.root()).remove(m.source);
      } catch (const Error& e) {
        if (e.code() != ENOENT) {
          throw;
        }
      }
    }
  }
}

// A container removed when it ends (--rm) does not wait at its end for its writes to be synced.
image::Durability rootfs_durability(const ContainerRunSpec& spec) {
  return spec.rm || spec.auto_remove ? image::Durability::transient : image::Durability::synced;
}

// The overlay at merged, from the monitor once the container has ended for good (by path: the
// monitor has no store open).
void unmount_rootfs(const std::string& merged) {
  for (;;) {
    struct stat st {};
    struct stat parent {};
    if (::stat(merged.c_str(), &st) != 0 || ::stat((merged + "/..").c_str(), &parent) != 0 ||
        st.st_dev == parent.st_dev) {
      return;
    }
    check(::umount2(merged.c_str(), MNT_DETACH), "unmount the rootfs at " + merged);
  }
}

// The pod a container joins, checked against what the run spec may set itself.
PodStatus pod_to_join(PodManager& pods, const ContainerRunSpec& spec) {
  if (!spec.ports.empty()) {
    throw Error("ports: a container in pod " + spec.pod +
                    " cannot publish ports of its own: publish them when the pod is created (pod create -p)",
                EINVAL);
  }
  if (spec.network.mode != ContainerNetwork::Mode::bridge) {
    throw Error("network: a container in pod " + spec.pod + " uses the pod's network (it asked for " +
                    container_network_name(spec.network) + ")",
                EINVAL);
  }
  if (!spec.hostname.empty()) {
    throw Error("hostname: a container in pod " + spec.pod + " has the pod's hostname (it shares its UTS namespace)",
                EINVAL);
  }
  return pods.pod_status(spec.pod);
}

PodJoin pod_join(const PodStatus& pod) {
  return {pod.infra_pid, pod.share_pid, pod.network_mode == NetworkMode::host};
}

// The pod's /etc/{hosts,hostname,resolv.conf} as the container's own bind sources: copies, so
// that what a container writes there stays its own, as in a standalone container.
void copy_pod_etc_files(const std::string& state_root, const std::string& pod, const ContainerLayout& layout) {
  std::string etc = layout.dir() + "/etc";
  mkdir_all(etc, 0755);
  for (const char* file : {"hosts", "hostname", "resolv.conf"}) {
    write_file_atomic(etc + "/" + file, read_file(PodLayout{state_root, pod}.etc_dir() + "/" + file), 0644, false);
  }
}

}  // namespace

ContainerNetwork parse_container_network(std::string_view text) {
  ContainerNetwork n;
  if (text.empty() || text == "bridge" || text == "default") {
    n.mode = ContainerNetwork::Mode::bridge;
  } else if (text == "none") {
    n.mode = ContainerNetwork::Mode::none;
  } else if (text == "host") {
    n.mode = ContainerNetwork::Mode::host;
  } else if (text == "slirp4netns") {
    n.mode = ContainerNetwork::Mode::slirp4netns;
  } else if (text.starts_with("container:") && text.size() > 10) {
    n.mode = ContainerNetwork::Mode::container;
    n.container = std::string(text.substr(10));
  } else {
    throw Error(
        "invalid network \"" + std::string(text) + "\": use bridge, none, host, slirp4netns or container:<name|id>",
        EINVAL);
  }
  return n;
}

std::string container_network_name(const ContainerNetwork& network) {
  switch (network.mode) {
    case ContainerNetwork::Mode::bridge:
      return "bridge";
    case ContainerNetwork::Mode::none:
      return "none";
    case ContainerNetwork::Mode::host:
      return "host";
    case ContainerNetwork::Mode::slirp4netns:
      return "slirp4netns";
    case ContainerNetwork::Mode::container:
      return "container:" + network.container;
  }
  return "bridge";
}

std::string_view container_status_name(ContainerStatusKind status) {
  switch (status) {
    case ContainerStatusKind::created:
      return "created";
    case ContainerStatusKind::running:
      return "running";
    case ContainerStatusKind::restarting:
      return "restarting";
    case ContainerStatusKind::exited:
      return "exited";
    case ContainerStatusKind::unknown:
      return "unknown";
  }
  return "unknown";
}

ContainerManager::ContainerManager(ContainerManagerOptions options) : options_(std::move(options)) {
  if (options_.state_root.empty()) {
    options_.state_root = runtime::StateRoot::default_path();
  }
  if (options_.store == nullptr) {
    throw Error("ContainerManager: no image store given", EINVAL);
  }
}

PodManager ContainerManager::pods() const {
  PodManagerOptions pod_options;
  pod_options.state_root = options_.state_root;
  pod_options.cgroup_parent = options_.cgroup_parent;
  pod_options.bridge = options_.bridge;
  return PodManager(pod_options);
}

std::string ContainerManager::resolve(const std::string& name_or_id) {
  if (name_or_id.empty()) {
    throw Error("no container name or id given", EINVAL);
  }
  if (name_or_id.find('/') == std::string::npos) {
    if (auto owner = name_owner(options_.state_root, name_or_id)) {
      return *owner;
    }
    std::vector<std::string> matches;
    for (const auto& entry : dir_entries(ContainerLayout::containers_dir(options_.state_root))) {
      if (is_hex_id(entry) && entry.starts_with(name_or_id)) {
        matches.push_back(entry);
      }
    }
    if (matches.size() == 1) {
      return matches.front();
    }
    if (matches.size() > 1) {
      throw Error("container id prefix \"" + name_or_id + "\" is ambiguous: " + std::to_string(matches.size()) +
                      " containers match",
                  EINVAL);
    }
  }
  throw Error("no such container: " + name_or_id, ENOENT);
}

std::string ContainerManager::create(const ContainerRunSpec& requested) {
  try {
    recover();
  } catch (const std::exception& e) {
    log::warning(std::string("recovering interrupted container creates: ") + e.what());
  }
  ContainerRunSpec spec = requested;
  if (spec.image.empty()) {
    throw Error("no image given", EINVAL);
  }
  if (!spec.name.empty()) {
    validate_container_name(spec.name);
  }
  if (!spec.ports.empty() && spec.network.mode != ContainerNetwork::Mode::bridge &&
      spec.network.mode != ContainerNetwork::Mode::slirp4netns) {
    throw Error("ports: publishing ports needs the bridge or slirp4netns network (the container's network is " +
                    container_network_name(spec.network) + ")",
                EINVAL);
  }
  assign_free_host_ports(spec.ports);
  for (auto& m : spec.mounts) {
    if (m.source.empty()) {
      m.source = random_hex(64);
      m.anonymous = true;
    }
  }
  image::Store& store = *options_.store;
  image::ImageRecord image = store.image(spec.image);
  image::ImageConfig image_config =
      image::parse_image_config(store.read_blob(image.id, image::kMaxConfigBytes), image.id.str());

  StandaloneRecord record;
  record.id = generate_container_id();
  record.created = now_rfc3339();
  record.image_id = image.id.str();
  record.cgroup_path = options_.cgroup_parent + "/" + record.id;
  std::string signal = !spec.stop_signal.empty() ? spec.stop_signal : image_config.stop_signal;
  record.stop_signal = signal.empty() ? SIGTERM : runtime::parse_signal(signal);
  std::optional<PodStatus> pod;
  if (!spec.pod.empty()) {
    PodManager pod_manager = pods();
    spec.pod = pod_manager.resolve(spec.pod);
    pod = pod_to_join(pod_manager, spec);
    spec.hostname = pod->hostname;
    record.cgroup_path = pod->cgroup + "/" + record.id;
  }
  if (spec.hostname.empty()) {
    spec.hostname = record.id.substr(0, 12);
  }
  ContainerLayout layout{options_.state_root, record.id};
  std::string netns_path;  // for a container in a pod, replaced by join_pod_namespaces
  if (spec.network.mode == ContainerNetwork::Mode::container) {
    // Resolved now, so that the record names the other container by id.
    spec.network.container = resolve(spec.network.container);
    netns_path = ContainerLayout{options_.state_root, spec.network.container}.netns();
  } else if (spec.network.mode != ContainerNetwork::Mode::host) {
    netns_path = layout.netns();
  }

  ContainerLock lock = make_locked_dir(layout);
  bool named = false;
  try {
    if (spec.name.empty()) {
      // A generated name that is taken: try another.
      for (int attempt = 0; !named; ++attempt) {
        spec.name = generate_container_name();
        try {
          claim_name(options_.state_root, spec.name, record.id);
          named = true;
        } catch (const Error& e) {
          if (e.code() != EEXIST || attempt >= 20) {
            throw;
          }
        }
      }
    } else {
      claim_name(options_.state_root, spec.name, record.id);
      named = true;
    }
    record.spec = spec;
    save_standalone_record(layout, record);
    auto rootfs = image::Rootfs::create(store, record.id, image.id.str(), rootfs_durability(spec));
    rootfs.mount(image::OverlayApi::automatic, rootfs_durability(spec));
    if (pod) {
      copy_pod_etc_files(options_.state_root, spec.pod, layout);
    } else {
      write_container_etc_files(layout, spec.hostname, std::nullopt);
    }
    ContainerConfigInputs inputs;
    inputs.spec = &spec;
    inputs.image = &image_config;
    inputs.layout = layout;
    inputs.rootfs = rootfs.merged();
    inputs.cgroups_path = record.cgroup_path;
    inputs.netns_path = netns_path;
    inputs.store_root = store.root();
    if (pod) {
      inputs.pod = pod_join(*pod);
    }
    boost::json::object config = standalone_config(inputs);
    record.command = json::as_string_array(config.at("process").at("args"), "process.args");
    write_file_atomic(layout.dir() + "/config.json", json::pretty(config), 0644, false);
    save_standalone_record(layout, record);
    std::remove(layout.creating_marker().c_str());
  } catch (...) {
    try {
      remove_rootfs(store, record.id);
    } catch (const std::exception& e) {
      log::warning("container " + record.id + ": removing its rootfs after a failed create: " + e.what());
    }
    if (named) {
      release_name(options_.state_root, spec.name, record.id);
    }
    remove_all(layout.dir());
    throw;
  }
  return record.id;
}

UniqueFd ContainerManager::start(const std::string& name_or_id, const StartOptions& options) {
  ContainerLayout layout{options_.state_root, resolve(name_or_id)};
  ContainerLock lock = ContainerLock::acquire(layout);
  StandaloneRecord record = load_standalone_record(layout);
  const ContainerRunSpec& spec = record.spec;
  if (monitor_running(layout)) {
    if (options.attach) {
      throw Error("container " + spec.name + " is already running", EBUSY);
    }
    return {};
  }
  std::remove(layout.stop_marker().c_str());
  auto rootfs = image::Rootfs::open(*options_.store, record.id);
  if (!rootfs.mounted()) {
    rootfs.mount(image::OverlayApi::automatic, rootfs_durability(spec));
  }
  if (spec.network.mode == ContainerNetwork::Mode::container) {
    ContainerLayout other{options_.state_root, spec.network.container};
    if (!monitor_running(other) || !path_exists(other.netns())) {
      throw Error("container " + spec.name + " joins the network of container " + spec.network.container +
                      ", which is not running: start that one first",
                  EINVAL);
    }
    write_container_etc_files(layout, spec.hostname, load_network_status(other.network_record()));
  }
  runtime::Runtime rt{runtime::StateRoot(options_.state_root)};
  try {
    // What a monitor killed with its container left in the runtime's state.
    rt.remove(record.id, true);
  } catch (const Error&) {
  }
  netns::BridgeNetworkConfig bridge = options_.bridge;
  bool own_network = spec.pod.empty();
  if (!own_network) {
    // The pod's infra may have been restarted (a new pid) or stopped since the last start.
    PodManager pod_manager = pods();
    PodStatus pod = pod_manager.pod_status(spec.pod);
    if (pod.state != "running") {
      pod = pod_manager.start_pod(spec.pod);
    }
    std::string config_path = layout.dir() + "/config.json";
    boost::json::object config = json::parse_file(config_path).as_object();
    join_pod_namespaces(config, pod_join(pod));
    write_file_atomic(config_path, json::pretty(config), 0644, false);
    copy_pod_etc_files(options_.state_root, spec.pod, layout);
  }
  try {
    if (own_network) {
      connect_container(bridge, layout, spec);
    }
  } catch (...) {
    try {
      disconnect_container(bridge, layout, spec);
    } catch (const std::exception&) {
    }
    throw;
  }
  MonitorRequest request{options_.state_root, record.id, layout.dir(), layout.log(), lock.fd()};
  request.log_rotation = spec.log;
  request.restart = spec.restart;
  request.stop_marker = layout.stop_marker();
  request.interactive = spec.interactive;
  request.tty = spec.tty;
  request.attach_socket = layout.attach_socket();
  request.start_on_attach = options.attach;
  if (spec.network.mode == ContainerNetwork::Mode::slirp4netns) {
    // Started by the monitor once the container runs, and ended with it.
    request.slirp = true;
    request.slirp_dir = layout.dir();
    request.slirp_netns = layout.netns();
    request.ports = spec.ports;
  }
  std::string merged = rootfs.merged();
  image::Store* store = options_.store;
  std::string state_root = options_.state_root;
  request.on_exit = [bridge, layout, spec, merged, store, state_root, own_network] {
    if (own_network) {
      disconnect_container(bridge, layout, spec);
    }
    unmount_rootfs(merged);
    if (spec.auto_remove) {
      // What remove() does once the monitor has gone (the runtime container went with it).
      // Without the container's lock: a stop() holds it while it waits for this monitor.
      remove_rootfs(*store, layout.id);
      remove_anonymous_volumes(*store, spec);
      release_name(state_root, spec.name, layout.id);
      remove_all(layout.dir());
    }
  };
  try {
    MonitorLaunch(request).wait();
  } catch (...) {
    try {
      if (own_network) {
        disconnect_container(bridge, layout, spec);
      }
    } catch (const std::exception&) {
    }
    throw;
  }
  if (options.attach) {
    return connect_attach_socket(layout.attach_socket());
  }
  return {};
}

void ContainerManager::stop(const std::string& name_or_id, std::chrono::milliseconds timeout) {
  ContainerLayout layout{options_.state_root, resolve(name_or_id)};
  ContainerLock lock = ContainerLock::acquire(layout);
  StandaloneRecord record = load_standalone_record(layout);
  write_file(layout.stop_marker(), "");
  auto status = monitor_record(layout);
  if (!status || !monitor_alive(*status)) {
    return;
  }
  // Wakes a monitor that waits out a restart delay: it finds the marker and ends.
  ::kill(status->monitor_pid, SIGUSR1);
  runtime::Runtime rt{runtime::StateRoot(options_.state_root)};
  try {
    rt.kill(record.id, record.stop_signal, false);
  } catch (const Error&) {
    // Not running right now (between runs) or already gone.
  }
  if (wait_monitor_exit(layout.dir(), timeout)) {
    return;
  }
  try {
    rt.kill(record.id, SIGKILL, true);
  } catch (const Error&) {
  }
  if (!wait_monitor_exit(layout.dir(), kMonitorExitBound)) {
    throw Error("container " + record.spec.name + ": its monitor did not exit after SIGKILL");
  }
}

void ContainerManager::restart(const std::string& name_or_id, std::chrono::milliseconds timeout) {
  stop(name_or_id, timeout);
  start(name_or_id);
}

void ContainerManager::kill(const std::string& name_or_id, int signal) {
  ContainerLayout layout{options_.state_root, resolve(name_or_id)};
  auto status = monitor_record(layout);
  if (!status || !monitor_alive(*status) || status->state != "running") {
    throw Error("cannot kill container " + name_or_id + ": it is not running", EINVAL);
  }
  runtime::Runtime rt{runtime::StateRoot(options_.state_root)};
  rt.kill(layout.id, signal, false);
}

void ContainerManager::remove(const std::string& name_or_id, bool force, bool volumes) {
  std::string id = resolve(name_or_id);
  ContainerLayout layout{options_.state_root, id};
  if (monitor_running(layout)) {
    if (!force) {
      throw Error("cannot remove container " + name_or_id +
                      " as it is running: stop the container before removing it, or use force",
                  EBUSY);
    }
    stop(id, std::chrono::milliseconds(0));
  }
  ContainerLock lock = ContainerLock::acquire(layout);
  StandaloneRecord record = load_standalone_record(layout);
  runtime::Runtime rt{runtime::StateRoot(options_.state_root)};
  try {
    rt.remove(id, true);
  } catch (const Error&) {
  }
  if (record.spec.pod.empty()) {
    disconnect_container(options_.bridge, layout, record.spec);
  }
  remove_rootfs(*options_.store, id);
  if (volumes) {
    remove_anonymous_volumes(*options_.store, record.spec);
  }
  try {
    cgroups::make_manager({record.cgroup_path, id, skiff::running_rootless(), false})->destroy();
  } catch (const std::exception&) {
    // Gone with the runtime container already.
  }
  release_name(options_.state_root, record.spec.name, id);
  remove_all(layout.dir());
}

ContainerInfo ContainerManager::info(const std::string& name_or_id) {
  ContainerLayout layout{options_.state_root, resolve(name_or_id)};
  if (path_exists(layout.creating_marker()) || !path_exists(layout.record())) {
    throw Error("no such container: " + name_or_id + " (it is being created)", ENOENT);
  }
  StandaloneRecord record = load_standalone_record(layout);
  ContainerInfo info;
  info.id = record.id;
  info.name = record.spec.name;
  info.image = record.spec.image;
  info.image_id = record.image_id;
  info.command = record.command;
  info.created = record.created;
  info.labels = record.spec.labels;
  info.log_path = layout.log();
  info.state_dir = layout.dir();
  info.ports = record.spec.ports;
  info.pod = record.spec.pod;
  if (auto network = load_network_status(layout.network_record())) {
    info.ip_address = network->address4.substr(0, network->address4.find('/'));
    info.ports = network->ports;
  }
  auto status = monitor_record(layout);
  if (!status) {
    return info;
  }
  bool alive = monitor_alive(*status);
  info.exit_code = status->exit_code;
  info.oom_killed = status->oom_killed;
  info.started_at = status->started_at;
  info.finished_at = status->finished_at;
  info.restart_count = status->restart_count;
  if (status->state == "running" && alive) {
    info.status = ContainerStatusKind::running;
    info.pid = status->pid;
  } else if (status->state == "restarting" && alive) {
    info.status = ContainerStatusKind::restarting;
  } else if ((status->state == "created" || status->state == "creating") && alive) {
    info.status = ContainerStatusKind::created;
  } else if (status->state == "exited" || status->state == "restarting") {
    info.status = ContainerStatusKind::exited;
  } else {
    info.status = ContainerStatusKind::unknown;  // its monitor died without recording an end
  }
  return info;
}

std::vector<ContainerInfo> ContainerManager::list(bool all) {
  std::vector<ContainerInfo> out;
  for (const auto& entry : dir_entries(ContainerLayout::containers_dir(options_.state_root))) {
    if (!is_hex_id(entry)) {
      continue;
    }
    try {
      ContainerInfo i = info(entry);
      if (all || i.running()) {
        out.push_back(std::move(i));
      }
    } catch (const Error& e) {
      if (e.code() != ENOENT) {
        throw;
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.created > b.created; });
  return out;
}

int ContainerManager::wait(const std::string& name_or_id) {
  ContainerLayout layout{options_.state_root, resolve(name_or_id)};
  for (;;) {
    auto status = monitor_record(layout);
    if (status && monitor_alive(*status)) {
      wait_monitor_exit(layout.dir(), std::nullopt);
      continue;
    }
    if (status && (status->state == "exited" || status->state == "restarting")) {
      return status->exit_code;
    }
    if (status) {
      // Its monitor is gone without recording an end (killed, or it failed to start it).
      throw Error("container " + name_or_id + ": its monitor ended without recording an exit (state " + status->state +
                  ")");
    }
    if (!path_exists(layout.dir())) {
      throw Error("no such container: " + name_or_id, ENOENT);
    }
    // Never started, or its monitor is being launched right now.
    std::this_thread::sleep_for(kWaitPoll);
  }
}

void ContainerManager::logs(const std::string& name_or_id, const LogsOptions& options,
                            const std::function<void(const LogLine&)>& sink) {
  ContainerLayout layout{options_.state_root, resolve(name_or_id)};
  StandaloneRecord record = load_standalone_record(layout);
  LogReadOptions read;
  read.tail = options.tail;
  read.since_ns = options.since_ns;
  read.max_files = record.spec.log.max_files;
  if (!options.follow) {
    for (const auto& line : read_cri_log(layout.log(), read)) {
      sink(line);
    }
    return;
  }
  follow_cri_log(layout.log(), read, sink, [&] { return monitor_running(layout); });
}

std::vector<std::string> ContainerManager::recover() {
  std::vector<std::string> removed;
  std::string dir = ContainerLayout::containers_dir(options_.state_root);
  for (const auto& entry : dir_entries(dir)) {
    ContainerLayout layout{options_.state_root, entry};
    if (entry.starts_with(kStagingPrefix)) {
      pid_t creator = static_cast<pid_t>(std::atoi(entry.substr(entry.rfind('-') + 1).c_str()));
      if (creator > 0 && (::kill(creator, 0) == 0 || errno == EPERM)) {
        continue;
      }
      ContainerLock lock = ContainerLock::acquire(layout, false);
      if (lock.locked()) {
        remove_all(layout.dir());
      }
      continue;
    }
    if (!is_hex_id(entry) || !path_exists(layout.creating_marker())) {
      continue;
    }
    ContainerLock lock = ContainerLock::acquire(layout, false);
    if (!lock.locked() || !path_exists(layout.creating_marker())) {
      continue;  // being created right now, or finished meanwhile
    }
    log::info("container " + entry + ": removing what an interrupted create left");
    remove_rootfs(*options_.store, entry);
    if (path_exists(layout.record())) {
      StandaloneRecord record = load_standalone_record(layout);
      release_name(options_.state_root, record.spec.name, entry);
    }
    remove_all(layout.dir());
    removed.push_back(entry);
  }
  // Names whose container is gone: a create killed between its rename and its record.
  for (const auto& name : dir_entries(ContainerLayout::names_dir(options_.state_root))) {
    auto owner = name_owner(options_.state_root, name);
    if (owner && !path_exists(ContainerLayout{options_.state_root, *owner}.dir())) {
      release_name(options_.state_root, name, *owner);
    }
  }
  return removed;
}

}  // namespace skiff::pod

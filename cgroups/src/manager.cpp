#include "skiff/cgroups/manager.h"

#include <unistd.h>

#include <csignal>

#include "cgroup_fs.h"
#include "managers.h"
#include "skiff/base/json.h"
#include "skiff/base/log.h"
#include "skiff/cgroups/own_cgroup.h"

namespace skiff::cgroups {

namespace {

std::string pid_list(const std::vector<pid_t>& pids) {
  std::string out;
  for (pid_t pid : pids) {
    out += (out.empty() ? "" : " ") + std::to_string(pid);
  }
  return out;
}

// Where controllers may be enabled from: the root for an absolute path, and for root whatever the
// path (as runc and crun do), since systemd passes down only the controllers it manages and
// hugetlb, rdma and misc would never reach a cgroup below its slices. A rootless caller may only
// write inside its delegation: from own_path's cgroup.
std::string enable_base(const CgroupMount& mount, const std::string& own_path, const ManagerConfig& config) {
  std::string_view name = config.cgroups_path.empty() ? config.container_id : config.cgroups_path;
  bool absolute = !name.empty() && name.front() == '/';
  return absolute || !config.rootless ? mount.mount_point : own_dir(mount, own_path);
}

const boost::json::value& required(const boost::json::object& obj, std::string_view parent, std::string_view key) {
  const boost::json::value* v = json::find(obj, key);
  if (v == nullptr) {
    json::invalid(json::field(parent, key), "is required");
  }
  return *v;
}

}  // namespace

namespace detail {

bool RootlessSkip::take(const Error& e, const std::string& at) {
  if (e.code() != EACCES && e.code() != EPERM && e.code() != EROFS) {
    return false;
  }
  path = at;
  err = e.code();
  return true;
}

void RootlessSkip::warn_if_limited(const Resources& resources) const {
  bool limited = resources.memory || resources.cpu || resources.pids_limit || resources.block_io ||
                 !resources.hugepage_limits.empty() || resources.network || !resources.unified.empty();
  if (path.empty() || !limited) {
    return;
  }
  log::warning("cgroup resources skipped: this rootless user has no delegated cgroup at " + path + " (" +
               errno_name(err) + "), so its limits are not enforced");
}

void check_memory_usage(const Resources& resources, const std::function<uint64_t()>& usage) {
  if (!resources.memory || !resources.memory->check_before_update.value_or(false)) {
    return;
  }
  auto limit = resources.memory->limit;
  if (!limit || *limit <= 0) {
    return;
  }
  uint64_t current = usage();
  if (current > static_cast<uint64_t>(*limit)) {
    throw Error("memory limit " + std::to_string(*limit) + " is below the cgroup's current usage of " +
                std::to_string(current) + " bytes (memory.checkBeforeUpdate is set)");
  }
}

void signal_all(Manager& manager, int signal, bool can_freeze, const std::string& where) {
  // The common case on delete: nothing left to signal, and freezing costs a freezer round trip.
  if (manager.pids().empty()) {
    return;
  }
  bool was_frozen = can_freeze && manager.frozen();
  if (can_freeze && !was_frozen) {
    try {
      manager.freeze();
    } catch (const Error& e) {
      log::warning(std::string(e.what()) + "; signalling the processes without freezing them");
      can_freeze = false;
    }
  }
  std::optional<Error> failure;
  for (pid_t pid : manager.pids()) {
    if (::kill(pid, signal) < 0 && errno != ESRCH && !failure) {
      failure = Error("send signal " + std::to_string(signal) + " to pid " + std::to_string(pid), errno);
    }
  }
  // A paused container stays paused, except that SIGKILL needs its processes thawed to act on v1.
  if (can_freeze && (!was_frozen || signal == SIGKILL)) {
    manager.thaw();
  }
  if (failure) {
    throw *failure;
  }
  if (signal == SIGKILL) {
    wait_until_empty(manager, where);
  }
}

void wait_until_empty(const Manager& manager, const std::string& where) {
  if (!cgfs::poll_until([&] { return manager.pids().empty(); }, kSettleTimeout)) {
    throw Error("processes " + pid_list(manager.pids()) + " are still in cgroup " + where + " " +
                std::to_string(kSettleTimeout.count()) + "s after SIGKILL");
  }
}

boost::json::value save_state(Mode mode, const DirMap& dirs, const std::string& unified_base, bool rootless,
                              bool enabled) {
  boost::json::object saved_dirs;
  for (const auto& [key, dir] : dirs) {
    saved_dirs[key] = dir;
  }
  return boost::json::object{{"mode", mode_name(mode)},
                             {"dirs", std::move(saved_dirs)},
                             {"unifiedBase", unified_base},
                             {"rootless", rootless},
                             {"enabled", enabled}};
}

}  // namespace detail

std::unique_ptr<Manager> make_manager(const ManagerConfig& config) {
  if (config.systemd) {
    return SystemdManager::make(config);
  }
  Mode mode = detect_mode();
  auto own = own_cgroups();
  auto mounts = cgroup_mounts();
  auto unified_mount = mounts.find("unified");
  auto unified_own = own.find("unified");
  bool has_unified = unified_mount != mounts.end() && unified_own != own.end();
  if (mode == Mode::v2) {
    if (!has_unified) {
      throw Error("cgroup v2 host, but no cgroup2 mount or no \"0::\" line in /proc/self/cgroup");
    }
    const CgroupMount& mount = unified_mount->second;
    std::string base = v2_relative_base(unified_own->second);
    std::string dir = resolve_dir(mount, base, config.cgroups_path, config.container_id);
    if (dir == own_dir(mount, unified_own->second)) {
      throw Error("cgroupsPath \"" + config.cgroups_path + "\" names the caller's own cgroup " + dir +
                  ", not a cgroup for the container");
    }
    return std::make_unique<V2Manager>(std::move(dir), enable_base(mount, base, config), config.rootless, true);
  }
  DirMap dirs;
  for (const auto& [key, own_path] : own) {
    auto mount = mounts.find(key);
    // Of the named hierarchies only systemd's matters; the cgroup2 one only on a hybrid host.
    bool wanted = key == "unified" ? mode == Mode::hybrid : !key.starts_with("name=") || key == "name=systemd";
    if (wanted && mount != mounts.end()) {
      dirs[key] = resolve_dir(mount->second, own_path, config.cgroups_path, config.container_id);
    }
  }
  if (dirs.empty()) {
    throw Error("no cgroup v1 hierarchy of this process is mounted");
  }
  std::string unified_base;
  if (dirs.contains("unified")) {
    unified_base = enable_base(unified_mount->second, unified_own->second, config);
  }
  return std::make_unique<V1Manager>(mode, std::move(dirs), std::move(unified_base), config.rootless, true);
}

std::unique_ptr<Manager> load_manager(const boost::json::value& saved) {
  const std::string path = "cgroups";
  const auto& obj = json::as_object(saved, path);
  // States written before the systemd driver existed have no "driver": cgroupfs.
  if (const auto* driver = json::find(obj, "driver")) {
    std::string name = json::as_string(*driver, json::field(path, "driver"));
    if (name == "systemd") {
      return SystemdManager::load(obj);
    }
    if (name != "cgroupfs") {
      json::invalid(json::field(path, "driver"), "must be cgroupfs or systemd", *driver);
    }
  }
  const auto& mode_value = required(obj, path, "mode");
  std::string mode_text = json::as_string(mode_value, json::field(path, "mode"));
  std::optional<Mode> mode;
  for (Mode m : {Mode::v1, Mode::hybrid, Mode::v2}) {
    if (mode_name(m) == mode_text) {
      mode = m;
    }
  }
  if (!mode) {
    json::invalid(json::field(path, "mode"), "must be v1, hybrid or v2", mode_value);
  }
  std::string dirs_path = json::field(path, "dirs");
  DirMap dirs;
  for (const auto& kv : json::as_object(required(obj, path, "dirs"), dirs_path)) {
    dirs[std::string(kv.key())] = json::as_string(kv.value(), json::field(dirs_path, kv.key()));
  }
  std::string unified_base;
  if (const auto* base = json::find(obj, "unifiedBase")) {
    unified_base = json::as_string(*base, json::field(path, "unifiedBase"));
  }
  bool rootless = json::as_bool(required(obj, path, "rootless"), json::field(path, "rootless"));
  bool enabled = json::as_bool(required(obj, path, "enabled"), json::field(path, "enabled"));
  if (*mode == Mode::v2) {
    auto unified = dirs.find("unified");
    if (unified == dirs.end()) {
      json::invalid(dirs_path, "must name the \"unified\" directory on cgroup v2", required(obj, path, "dirs"));
    }
    return std::make_unique<V2Manager>(unified->second, unified_base, rootless, enabled);
  }
  return std::make_unique<V1Manager>(*mode, std::move(dirs), std::move(unified_base), rootless, enabled);
}

}  // namespace skiff::cgroups

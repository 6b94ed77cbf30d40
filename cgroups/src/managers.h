#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "skiff/base/error.h"
#include "skiff/cgroups/manager.h"
#include "skiff/cgroups/translate.h"
#include "systemd_unit.h"

namespace skiff::cgroups {

// Hierarchy key -> cgroup directory.
using DirMap = std::map<std::string, std::string, std::less<>>;

namespace detail {

// Where a rootless caller may not make its cgroup (no delegation): the cgroup is skipped, and the
// limits asked of it later are named in one warning.
struct RootlessSkip {
  std::string path;
  int err = 0;
  // True when e says the caller may not make cgroups at path; remembers both.
  bool take(const Error& e, const std::string& at);
  // Logs that the limits in resources are not enforced; nothing when only device rules (the
  // runtime's defaults, which a rootless container's bound devices do without) were asked for.
  void warn_if_limited(const Resources& resources) const;
};

}  // namespace detail

// The cgroup v1 driver, also for hybrid hosts: one directory per mounted v1 hierarchy (each
// controller, and name=systemd so that the host's systemd tracks the container as its own), plus
// the cgroup2 directory on a hybrid host, used for the controllers v1 lacks there (hugetlb).
class V1Manager final : public Manager {
 public:
  // dirs maps hierarchy keys ("cpu", "cpuacct", "name=systemd", "unified") to directories;
  // co-mounted controllers share one. unified_base is the cgroup2 directory from which
  // controllers may be enabled down to dirs["unified"] (the caller's own cgroup, or the root).
  V1Manager(Mode mode, DirMap dirs, std::string unified_base, bool rootless, bool enabled);

  void create() override;
  void add_process(pid_t pid) override;
  void apply(const Resources& resources) override;
  void freeze() override;
  void thaw() override;
  [[nodiscard]] bool frozen() const override;
  [[nodiscard]] std::vector<pid_t> pids() const override;
  void kill_all(int signal) override;
  void destroy() override;
  [[nodiscard]] Stats stats() const override;
  [[nodiscard]] bool enabled() const override { return enabled_; }
  [[nodiscard]] std::string directory(std::string_view hierarchy) const override;
  [[nodiscard]] boost::json::value save() const override;

 private:
  [[nodiscard]] const std::string* find_dir(std::string_view hierarchy) const;
  [[nodiscard]] std::vector<std::string> unique_dirs() const;
  [[nodiscard]] const std::string& procs_dir() const;
  void write(const FileWrite& w) const;
  void enable_unified_controllers(const std::vector<FileWrite>& writes) const;

  Mode mode_;
  DirMap dirs_;
  std::string unified_base_;
  bool rootless_;
  bool enabled_;
  detail::RootlessSkip skipped_;
};

// The cgroup v2 driver: one directory in the unified hierarchy.
class V2Manager final : public Manager {
 public:
  // base is where create() starts enabling controllers down to dir's parent: the caller's own
  // cgroup for a relative cgroupsPath, the hierarchy's root for an absolute one.
  V2Manager(std::string dir, std::string base, bool rootless, bool enabled);

  void create() override;
  void add_process(pid_t pid) override;
  void apply(const Resources& resources) override;
  void freeze() override;
  void thaw() override;
  [[nodiscard]] bool frozen() const override;
  [[nodiscard]] std::vector<pid_t> pids() const override;
  void kill_all(int signal) override;
  void destroy() override;
  [[nodiscard]] Stats stats() const override;
  [[nodiscard]] bool enabled() const override { return enabled_; }
  [[nodiscard]] std::string directory(std::string_view hierarchy) const override;
  [[nodiscard]] boost::json::value save() const override;
  [[nodiscard]] std::string birth_directory() const override { return enabled_ ? dir_ : std::string(); }

 private:
  std::string dir_;
  std::string base_;
  bool rootless_;
  bool enabled_;
  detail::RootlessSkip skipped_;
};

namespace systemd {
class Bus;
}

// The systemd driver (--systemd-cgroup, cgroup v2 only), as runc and crun do it: the container's
// cgroup is a transient unit that systemd makes over D-Bus, a scope "skiff-<id>.scope" in
// system.slice (user.slice of the user's own manager when rootless), with the limits as unit
// properties. A scope cannot start empty, so the first add_process starts it with that process
// in it. The scope is delegated: the container lives in its sub-cgroup "container", which this
// driver makes and drives with a V2Manager (freezing, killing, stats, and the limits systemd has
// no property for, such as device rules).
class SystemdManager final : public Manager {
 public:
  // A new container's: connects to systemd and works out where the unit's cgroup will be.
  static std::unique_ptr<SystemdManager> make(const ManagerConfig& config);
  // An existing container's, from save(); connects only when a command needs systemd.
  static std::unique_ptr<SystemdManager> load(const boost::json::object& saved);

  // unit_dir: the unit's cgroup directory; manager_dir: the cgroup of the systemd instance that
  // owns it (its cgroup.controllers are what a rootless user was delegated). started: the unit
  // runs already (a loaded container's).
  SystemdManager(systemd::UnitPath unit, std::string unit_dir, std::string manager_dir, bool rootless, bool started,
                 std::unique_ptr<systemd::Bus> bus);
  SystemdManager(const SystemdManager&) = delete;
  SystemdManager& operator=(const SystemdManager&) = delete;
  ~SystemdManager() override;

  void create() override;
  void add_process(pid_t pid) override;
  void apply(const Resources& resources) override;
  // These act on the container's sub-cgroup, once the unit is the container's.
  void freeze() override;
  void thaw() override;
  [[nodiscard]] bool frozen() const override;
  [[nodiscard]] std::vector<pid_t> pids() const override;
  void kill_all(int signal) override;
  // Stops the unit (systemd removes its cgroup) and resets it if it failed.
  void destroy() override;
  [[nodiscard]] Stats stats() const override;
  [[nodiscard]] bool enabled() const override { return true; }
  [[nodiscard]] std::string directory(std::string_view hierarchy) const override;
  [[nodiscard]] boost::json::value save() const override;
  // Only once the unit runs: before, there is no cgroup to be born into.
  [[nodiscard]] std::string birth_directory() const override;

  [[nodiscard]] const systemd::UnitPath& unit() const { return unit_; }
  [[nodiscard]] const std::string& unit_dir() const { return unit_dir_; }

 private:
  systemd::Bus& bus();
  // Starts the unit with pid in it, then moves pid into the container's sub-cgroup.
  void start(pid_t pid);

  systemd::UnitPath unit_;
  std::string unit_dir_;
  std::string manager_dir_;
  bool rootless_;
  // The unit is this container's: loaded from its state, or started by add_process. Until then
  // a unit of that name is someone else's, and a failed create must leave it alone.
  bool started_;
  std::string description_;
  V2Manager container_;
  // Limits given before the unit runs: they become its start properties.
  std::optional<Resources> pending_;
  std::unique_ptr<systemd::Bus> bus_;
};

// Helpers both drivers share (manager.cpp).
namespace detail {

// How long freezing, and dying after SIGKILL, may take before we give up.
constexpr std::chrono::seconds kSettleTimeout{5};

// With memory.checkBeforeUpdate, refuses a memory limit below the cgroup's current usage.
void check_memory_usage(const Resources& resources, const std::function<uint64_t()>& usage);
// runc's way to signal a whole cgroup: freeze it (so that nothing forks past the list), signal
// every process, thaw; with SIGKILL, wait until the cgroup is empty. where names it in errors.
void signal_all(Manager& manager, int signal, bool can_freeze, const std::string& where);
void wait_until_empty(const Manager& manager, const std::string& where);
// The state save() writes and load_manager() reads.
boost::json::value save_state(Mode mode, const DirMap& dirs, const std::string& unified_base, bool rootless,
                              bool enabled);

}  // namespace detail

}  // namespace skiff::cgroups

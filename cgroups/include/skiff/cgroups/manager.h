#pragma once

#include <sys/types.h>

#include <boost/json/value.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "skiff/cgroups/resources.h"

namespace skiff::cgroups {

// How this host mounts cgroups.
enum class Mode {
  v1,      // v1 controllers under /sys/fs/cgroup/<controller>
  hybrid,  // v1 controllers plus a cgroup2 mount at /sys/fs/cgroup/unified
  v2,      // one cgroup2 hierarchy at /sys/fs/cgroup
};
Mode detect_mode();
std::string_view mode_name(Mode mode);

struct ManagerConfig {
  // linux.cgroupsPath. Absolute: below each hierarchy's root. Relative, or empty (then the
  // container id is used): below the calling process's own cgroup in each hierarchy.
  std::string cgroups_path;
  std::string container_id;
  // Rootless callers without a delegated cgroup get a warning and no cgroup instead of an error.
  bool rootless = false;
  // The systemd driver (--systemd-cgroup): cgroups_path is then "slice:prefix:name", and the
  // cgroup a transient unit of systemd's (the calling user's systemd when rootless). cgroup v2 only.
  bool systemd = false;
};

// One hugetlb page size's figures ("2MB"), in bytes.
struct HugetlbStats {
  uint64_t usage = 0;
  uint64_t max_usage = 0;  // peak; cgroup v1 only
  uint64_t failcnt = 0;    // allocations refused at the limit
};

// What `skiff-runtime events --stats` reports, the figures of runc's. Limits read 0 when
// unlimited; a counter the host does not offer reads 0.
struct Stats {
  uint64_t memory_usage = 0;      // bytes
  uint64_t memory_limit = 0;      // bytes
  uint64_t memory_max_usage = 0;  // peak bytes: v1 memory.max_usage_in_bytes, v2 memory.peak (5.19+)
  uint64_t memory_failcnt = 0;    // times the limit was hit: v1 memory.failcnt, v2 memory.events "max"
  uint64_t memory_cache = 0;      // page cache bytes: memory.stat "cache" (v1) or "file" (v2)
  // Memory plus swap, as v1's memsw files count it; on v2 the sums of memory.* and memory.swap.*.
  uint64_t swap_usage = 0;
  uint64_t swap_limit = 0;
  uint64_t swap_max_usage = 0;  // v1 only
  uint64_t swap_failcnt = 0;    // v1 only
  // Processes the OOM killer killed in this cgroup: memory.oom_control (v1, Linux 4.13+) or
  // memory.events (v2) "oom_kill".
  uint64_t oom_kill = 0;
  uint64_t cpu_usage_nanos = 0;  // total CPU time
  uint64_t cpu_user_nanos = 0;
  uint64_t cpu_system_nanos = 0;
  uint64_t cpu_periods = 0;  // CFS bandwidth periods, those throttled, and the time throttled
  uint64_t cpu_throttled_periods = 0;
  uint64_t cpu_throttled_nanos = 0;
  uint64_t pids_current = 0;
  uint64_t pids_limit = 0;
  std::map<std::string, HugetlbStats> hugetlb;  // by page size, for the sizes the cgroup offers
};

// What errors say of a container whose manager is not enabled(), and what to do about it.
inline constexpr std::string_view kNoRootlessCgroup =
    "it has no cgroup: a rootless container gets one only where the user has a delegated cgroup v2 "
    "subtree (systemd's user@.service delegates one; cgroup v1 never does)";

// One container's cgroup, across every hierarchy the host has.
class Manager {
 public:
  virtual ~Manager() = default;

  // Creates the cgroup directories (and their parents); existing ones are reused.
  virtual void create() = 0;
  // Moves pid into the cgroup (every hierarchy).
  virtual void add_process(pid_t pid) = 0;
  // Writes the resource limits into the cgroup files.
  virtual void apply(const Resources& resources) = 0;
  virtual void freeze() = 0;
  virtual void thaw() = 0;
  [[nodiscard]] virtual bool frozen() const = 0;
  // Every process in the cgroup and its descendants.
  [[nodiscard]] virtual std::vector<pid_t> pids() const = 0;
  // Sends signal to every process in the cgroup; with SIGKILL, waits until they are gone.
  virtual void kill_all(int signal) = 0;
  // Removes the cgroup directories (children first). Missing directories are fine.
  virtual void destroy() = 0;
  [[nodiscard]] virtual Stats stats() const = 0;
  // False when a rootless caller had no delegated cgroup: everything above is then a no-op.
  [[nodiscard]] virtual bool enabled() const = 0;
  // The directory of this cgroup in one hierarchy: a v1 controller name ("memory"), or
  // "unified" for the cgroup2 hierarchy (v2 and hybrid). Empty when the host has none.
  [[nodiscard]] virtual std::string directory(std::string_view hierarchy) const = 0;
  // The resolved paths, to be stored in the container's state and given to load_manager.
  [[nodiscard]] virtual boost::json::value save() const = 0;
  // A cgroup2 directory that new processes may be born into (clone3 CLONE_INTO_CGROUP) instead
  // of calling add_process; empty when the driver needs add_process (cgroup v1, hybrid).
  [[nodiscard]] virtual std::string birth_directory() const { return {}; }
};

// A manager for a new container: resolves the paths now, against the caller's own cgroups (or,
// with config.systemd, asks systemd where the unit goes).
std::unique_ptr<Manager> make_manager(const ManagerConfig& config);
// The manager of an existing container, from what save() returned, of the driver that made it.
std::unique_ptr<Manager> load_manager(const boost::json::value& saved);

}  // namespace skiff::cgroups

#include <unistd.h>

#include <filesystem>
#include <set>
#include <thread>

#include "cgroup_fs.h"
#include "managers.h"
#include "skiff/base/file.h"
#include "skiff/base/log.h"
#include "skiff/cgroups/translate.h"

namespace skiff::cgroups {

namespace {

// memory.limit_in_bytes reads 2^63 rounded down to a page when unlimited.
constexpr uint64_t kUnlimitedMemory = uint64_t{1} << 62;

std::string parent_of(const std::string& dir) {
  return dir.substr(0, dir.rfind('/'));
}

// A new cpuset cgroup starts with empty cpuset.cpus and cpuset.mems, and no task may join it
// until both are set: copy them down from the nearest ancestor that has them.
void fill_cpuset(const std::string& dir) {
  std::vector<std::string> empty_levels;
  for (std::string level = dir;; level = parent_of(level)) {
    if (!cgfs::read(level, "cpuset.cpus").empty() && !cgfs::read(level, "cpuset.mems").empty()) {
      break;
    }
    empty_levels.push_back(level);
  }
  for (auto it = empty_levels.rbegin(); it != empty_levels.rend(); ++it) {
    for (const char* file : {"cpuset.cpus", "cpuset.mems"}) {
      if (cgfs::read(*it, file).empty()) {
        cgfs::write(*it, file, cgfs::read(parent_of(*it), file));
      }
    }
  }
}

std::string missing_hierarchy(const FileWrite& w) {
  return "set " + w.file + " to " + w.value + ": " +
         (w.hierarchy == "unified" ? std::string("this host has no cgroup v2 hierarchy")
                                   : "the " + w.hierarchy + " controller is not mounted");
}

}  // namespace

V1Manager::V1Manager(Mode mode, DirMap dirs, std::string unified_base, bool rootless, bool enabled)
    : mode_(mode),
      dirs_(std::move(dirs)),
      unified_base_(std::move(unified_base)),
      rootless_(rootless),
      enabled_(enabled) {}

const std::string* V1Manager::find_dir(std::string_view hierarchy) const {
  auto it = dirs_.find(hierarchy);
  return it == dirs_.end() ? nullptr : &it->second;
}

std::vector<std::string> V1Manager::unique_dirs() const {
  std::set<std::string> seen;
  std::vector<std::string> out;
  for (const auto& [key, dir] : dirs_) {
    if (seen.insert(dir).second) {
      out.push_back(dir);
    }
  }
  return out;
}

void V1Manager::create() {
  if (!enabled_) {
    return;
  }
  for (const std::string& dir : unique_dirs()) {
    try {
      mkdir_all(dir);
    } catch (const Error& e) {
      if (rootless_ && skipped_.take(e, dir)) {
        enabled_ = false;
        return;
      }
      throw;
    }
  }
  if (const std::string* cpuset = find_dir("cpuset")) {
    fill_cpuset(*cpuset);
  }
}

void V1Manager::add_process(pid_t pid) {
  if (!enabled_) {
    return;
  }
  for (const std::string& dir : unique_dirs()) {
    cgfs::write(dir, "cgroup.procs", std::to_string(pid));
  }
}

void V1Manager::write(const FileWrite& w) const {
  const std::string& dir = *find_dir(w.hierarchy);
  // Kernels without CFQ (5.0 and later) offer the weights only as BFQ's files. With neither, the
  // error names the file the spec's field maps to.
  if (w.file == "blkio.weight" || w.file == "blkio.weight_device") {
    std::string bfq = "blkio.bfq." + w.file.substr(std::string_view("blkio.").size());
    if (!path_exists(dir + "/" + w.file) && path_exists(dir + "/" + bfq)) {
      cgfs::write(dir, bfq, w.value);
      return;
    }
  }
  cgfs::write(dir, w.file, w.value);
}

// On a hybrid host the cgroup2 tree serves only the writes sent there, so only the controllers
// those need are enabled, and only when they are needed.
void V1Manager::enable_unified_controllers(const std::vector<FileWrite>& writes) const {
  const std::string* unified = find_dir("unified");
  std::set<std::string> wanted;
  for (const FileWrite& w : writes) {
    std::string controller = w.file.substr(0, w.file.find('.'));
    if (w.hierarchy == "unified" && controller != "cgroup") {
      wanted.insert(controller);
    }
  }
  if (unified != nullptr && !wanted.empty()) {
    cgfs::enable_controllers(unified_base_, *unified, &wanted);
  }
}

void V1Manager::apply(const Resources& resources) {
  if (!enabled_) {
    skipped_.warn_if_limited(resources);
    return;
  }
  detail::check_memory_usage(resources, [&] {
    const std::string* memory = find_dir("memory");
    return memory != nullptr ? cgfs::read_counter(*memory, "memory.usage_in_bytes") : 0;
  });
  bool hugetlb_in_unified = find_dir("unified") != nullptr && find_dir("hugetlb") == nullptr;
  std::vector<FileWrite> writes = translate_v1(resources, hugetlb_in_unified);
  enable_unified_controllers(writes);
  bool swap_requested = resources.memory && resources.memory->swap && *resources.memory->swap != 0;
  for (size_t i = 0; i < writes.size(); ++i) {
    const FileWrite& w = writes[i];
    // Kernel memory limits are deprecated and gone from kernels since 6.1: never fatal.
    bool kernel_memory = w.file.starts_with("memory.kmem.");
    if (find_dir(w.hierarchy) == nullptr) {
      if (kernel_memory) {
        log::warning(missing_hierarchy(w));
        continue;
      }
      throw Error(missing_hierarchy(w));
    }
    try {
      write(w);
    } catch (const Error& e) {
      if (kernel_memory) {
        log::warning(std::string(e.what()) + "; kernel memory limits are ignored");
        continue;
      }
      // Raising the limit past the current memsw limit: memsw has to grow first (see translate).
      if (w.file == "memory.limit_in_bytes" && e.code() == EINVAL && i + 1 < writes.size() &&
          writes[i + 1].file == "memory.memsw.limit_in_bytes") {
        write(writes[i + 1]);
        write(w);
        ++i;
        continue;
      }
      // An unlimited memsw only follows from an unlimited limit; without swap accounting it is moot.
      if (w.file == "memory.memsw.limit_in_bytes" && e.code() == ENOENT && !swap_requested) {
        continue;
      }
      throw;
    }
  }
}

void V1Manager::freeze() {
  if (!enabled_) {
    return;
  }
  const std::string* dir = find_dir("freezer");
  if (dir == nullptr) {
    throw Error("freeze cgroup: the freezer controller is not mounted");
  }
  auto deadline = std::chrono::steady_clock::now() + detail::kSettleTimeout;
  for (int attempt = 1;; ++attempt) {
    // Tasks that keep forking can hold the cgroup in FREEZING; a thaw and a pause let it settle (as runc).
    if (attempt % 50 == 0) {
      cgfs::write(*dir, "freezer.state", "THAWED");
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    cgfs::write(*dir, "freezer.state", "FROZEN");
    std::string state = cgfs::read(*dir, "freezer.state");
    if (state == "FROZEN") {
      return;
    }
    if (state != "FREEZING") {
      throw Error("freeze " + *dir + ": freezer.state is " + state + " after writing FROZEN");
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      cgfs::write(*dir, "freezer.state", "THAWED");
      throw Error("freeze " + *dir + ": still FREEZING after " + std::to_string(detail::kSettleTimeout.count()) +
                  "s (a process in uninterruptible sleep?)");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

void V1Manager::thaw() {
  if (!enabled_) {
    return;
  }
  const std::string* dir = find_dir("freezer");
  if (dir == nullptr) {
    throw Error("thaw cgroup: the freezer controller is not mounted");
  }
  cgfs::write(*dir, "freezer.state", "THAWED");
}

bool V1Manager::frozen() const {
  const std::string* dir = find_dir("freezer");
  if (!enabled_ || dir == nullptr) {
    return false;
  }
  return cgfs::read_if_exists(*dir, "freezer.state") == "FROZEN";
}

std::vector<pid_t> V1Manager::pids() const {
  return enabled_ && !dirs_.empty() ? cgfs::procs_recursive(procs_dir()) : std::vector<pid_t>{};
}

// The hierarchy to list processes from: pids when mounted, any other otherwise.
const std::string& V1Manager::procs_dir() const {
  const std::string* dir = find_dir("pids");
  return dir != nullptr ? *dir : dirs_.begin()->second;
}

void V1Manager::kill_all(int signal) {
  if (enabled_ && !dirs_.empty()) {
    detail::signal_all(*this, signal, find_dir("freezer") != nullptr, procs_dir());
  }
}

void V1Manager::destroy() {
  if (!enabled_) {
    return;
  }
  // Every hierarchy gets its chance even when one fails; the first failure is reported.
  std::optional<Error> first;
  for (const std::string& dir : unique_dirs()) {
    try {
      cgfs::remove(dir);
    } catch (const Error& e) {
      if (!first) {
        first = e;
      }
    }
  }
  if (first) {
    throw *first;
  }
}

Stats V1Manager::stats() const {
  Stats s;
  if (!enabled_) {
    return s;
  }
  auto limit = [](uint64_t value) { return value >= kUnlimitedMemory ? 0 : value; };
  auto keyed = [](const std::string& dir, std::string_view file, std::string_view key) -> uint64_t {
    auto text = cgfs::read_if_exists(dir, file);
    return text ? cgfs::keyed_value(*text, key).value_or(0) : 0;
  };
  if (const std::string* memory = find_dir("memory")) {
    s.memory_usage = cgfs::read_counter(*memory, "memory.usage_in_bytes");
    s.memory_limit = limit(cgfs::read_counter(*memory, "memory.limit_in_bytes"));
    s.memory_max_usage = cgfs::read_counter(*memory, "memory.max_usage_in_bytes");
    s.memory_failcnt = cgfs::read_counter(*memory, "memory.failcnt");
    s.memory_cache = keyed(*memory, "memory.stat", "cache");
    // Without swap accounting (swapaccount=0) the memsw files are absent and these stay 0.
    s.swap_usage = cgfs::read_counter(*memory, "memory.memsw.usage_in_bytes");
    s.swap_limit = limit(cgfs::read_counter(*memory, "memory.memsw.limit_in_bytes"));
    s.swap_max_usage = cgfs::read_counter(*memory, "memory.memsw.max_usage_in_bytes");
    s.swap_failcnt = cgfs::read_counter(*memory, "memory.memsw.failcnt");
    s.oom_kill = keyed(*memory, "memory.oom_control", "oom_kill");
  }
  if (const std::string* cpuacct = find_dir("cpuacct")) {
    s.cpu_usage_nanos = cgfs::read_counter(*cpuacct, "cpuacct.usage");
    if (path_exists(*cpuacct + "/cpuacct.usage_user")) {
      s.cpu_user_nanos = cgfs::read_counter(*cpuacct, "cpuacct.usage_user");
      s.cpu_system_nanos = cgfs::read_counter(*cpuacct, "cpuacct.usage_sys");
    } else {
      // Kernels before 4.6 offer only cpuacct.stat, in clock ticks.
      uint64_t nanos_per_tick = 1000000000 / static_cast<uint64_t>(::sysconf(_SC_CLK_TCK));
      s.cpu_user_nanos = keyed(*cpuacct, "cpuacct.stat", "user") * nanos_per_tick;
      s.cpu_system_nanos = keyed(*cpuacct, "cpuacct.stat", "system") * nanos_per_tick;
    }
  }
  if (const std::string* cpu = find_dir("cpu")) {
    if (auto text = cgfs::read_if_exists(*cpu, "cpu.stat")) {
      s.cpu_periods = cgfs::keyed_value(*text, "nr_periods").value_or(0);
      s.cpu_throttled_periods = cgfs::keyed_value(*text, "nr_throttled").value_or(0);
      s.cpu_throttled_nanos = cgfs::keyed_value(*text, "throttled_time").value_or(0);
    }
  }
  if (const std::string* pids = find_dir("pids")) {
    s.pids_current = cgfs::read_counter(*pids, "pids.current");
    s.pids_limit = cgfs::read_counter(*pids, "pids.max");
  }
  if (const std::string* hugetlb = find_dir("hugetlb")) {
    // One set of files per page size the kernel supports: hugetlb.<size>.usage_in_bytes, ...
    std::error_code ec;
    for (std::filesystem::directory_iterator it(*hugetlb, ec), end; !ec && it != end; it.increment(ec)) {
      std::string name = it->path().filename().string();
      constexpr std::string_view kPrefix = "hugetlb.";
      constexpr std::string_view kSuffix = ".usage_in_bytes";
      if (!name.starts_with(kPrefix) || !name.ends_with(kSuffix) || name.size() <= kPrefix.size() + kSuffix.size() ||
          name.find('.', kPrefix.size()) != name.size() - kSuffix.size()) {
        continue;  // also skips hugetlb.<size>.rsvd.usage_in_bytes
      }
      std::string prefix = name.substr(0, name.size() - kSuffix.size());
      HugetlbStats& h = s.hugetlb[prefix.substr(kPrefix.size())];
      h.usage = cgfs::read_counter(*hugetlb, prefix + ".usage_in_bytes");
      h.max_usage = cgfs::read_counter(*hugetlb, prefix + ".max_usage_in_bytes");
      h.failcnt = cgfs::read_counter(*hugetlb, prefix + ".failcnt");
    }
  } else if (const std::string* unified = find_dir("unified")) {
    // A hybrid host keeps hugetlb in the cgroup2 tree: read it as the v2 driver does.
    s.hugetlb = V2Manager(*unified, unified_base_, rootless_, true).stats().hugetlb;
  }
  return s;
}

std::string V1Manager::directory(std::string_view hierarchy) const {
  const std::string* dir = find_dir(hierarchy);
  return dir != nullptr ? *dir : "";
}

boost::json::value V1Manager::save() const {
  return detail::save_state(mode_, dirs_, unified_base_, rootless_, enabled_);
}

}  // namespace skiff::cgroups

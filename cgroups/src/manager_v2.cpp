#include <csignal>
#include <filesystem>

#include "cgroup_fs.h"
#include "device_filter.h"
#include "managers.h"
#include "skiff/base/file.h"
#include "skiff/base/log.h"
#include "skiff/cgroups/translate.h"

namespace skiff::cgroups {

namespace {

// The linux.resources fields that cgroup v2 has no file for, by their spec names.
std::vector<std::string> unsupported_fields(const Resources& r) {
  std::vector<std::string> out;
  if (r.memory) {
    const Memory& m = *r.memory;
    if (m.kernel || m.kernel_tcp) {
      out.emplace_back("memory.kernel/kernelTCP");
    }
    if (m.swappiness) {
      out.emplace_back("memory.swappiness");
    }
    if (m.disable_oom_killer && *m.disable_oom_killer) {
      out.emplace_back("memory.disableOOMKiller");
    }
  }
  if (r.cpu && (r.cpu->realtime_runtime || r.cpu->realtime_period)) {
    out.emplace_back("cpu.realtimeRuntime/realtimePeriod");
  }
  if (r.block_io) {
    bool leaf = r.block_io->leaf_weight.has_value();
    for (const WeightDevice& d : r.block_io->weight_device) {
      leaf = leaf || d.leaf_weight.has_value();
    }
    if (leaf) {
      out.emplace_back("blockIO leafWeight");
    }
  }
  if (r.network) {
    out.emplace_back("network");
  }
  return out;
}

void warn_unsupported(const Resources& r) {
  auto fields = unsupported_fields(r);
  if (fields.empty()) {
    return;
  }
  std::string list;
  for (const std::string& f : fields) {
    list += (list.empty() ? "" : ", ") + f;
  }
  log::warning("cgroup v2 has no equivalent for linux.resources " + list + "; ignored");
}

}  // namespace

V2Manager::V2Manager(std::string dir, std::string base, bool rootless, bool enabled)
    : dir_(std::move(dir)), base_(std::move(base)), rootless_(rootless), enabled_(enabled) {}

void V2Manager::create() {
  if (!enabled_) {
    return;
  }
  try {
    mkdir_all(dir_);
  } catch (const Error& e) {
    if (rootless_ && skipped_.take(e, dir_)) {
      enabled_ = false;
      return;
    }
    throw;
  }
  try {
    cgfs::enable_controllers(base_, dir_, nullptr);
  } catch (const Error& e) {
    // A partial delegation still gives a usable cgroup; a limit that needs a missing controller
    // fails in apply() with the file it could not write.
    if (!rootless_ || (e.code() != EACCES && e.code() != EPERM && e.code() != EROFS)) {
      throw;
    }
    log::debug(std::string("rootless cgroup without every controller: ") + e.what());
  }
}

void V2Manager::add_process(pid_t pid) {
  if (enabled_) {
    cgfs::write(dir_, "cgroup.procs", std::to_string(pid));
  }
}

void V2Manager::apply(const Resources& resources) {
  if (!enabled_) {
    skipped_.warn_if_limited(resources);
    return;
  }
  warn_unsupported(resources);
  detail::check_memory_usage(resources, [&] { return cgfs::read_counter(dir_, "memory.current"); });
  if (!resources.devices.empty()) {
    try {
      apply_device_rules(dir_, resources.devices);
    } catch (const Error& e) {
      // As runc: without BPF rights a rootless container goes unfiltered; it cannot make device
      // nodes anyway, and the host's permissions still guard the ones bound in.
      if (!rootless_ || (e.code() != EPERM && e.code() != EACCES)) {
        throw;
      }
      log::debug(std::string("rootless: device rules not enforced: ") + e.what());
    }
  }
  bool swap_requested = resources.memory && resources.memory->swap && *resources.memory->swap != 0;
  for (const FileWrite& w : translate_v2(resources)) {
    try {
      cgfs::write(dir_, w.file, w.value);
    } catch (const Error& e) {
      // An unlimited swap only follows from an unlimited limit; without swap accounting it is moot.
      if (w.file == "memory.swap.max" && e.code() == ENOENT && !swap_requested) {
        continue;
      }
      throw;
    }
  }
}

void V2Manager::freeze() {
  if (!enabled_) {
    return;
  }
  cgfs::write(dir_, "cgroup.freeze", "1");
  if (!cgfs::poll_until([&] { return frozen(); }, detail::kSettleTimeout)) {
    cgfs::write(dir_, "cgroup.freeze", "0");
    throw Error("freeze " + dir_ + ": not frozen after " + std::to_string(detail::kSettleTimeout.count()) +
                "s (a process in uninterruptible sleep?)");
  }
}

void V2Manager::thaw() {
  if (enabled_) {
    cgfs::write(dir_, "cgroup.freeze", "0");
  }
}

bool V2Manager::frozen() const {
  if (!enabled_) {
    return false;
  }
  auto events = cgfs::read_if_exists(dir_, "cgroup.events");
  return events && cgfs::keyed_value(*events, "frozen") == 1U;
}

std::vector<pid_t> V2Manager::pids() const {
  return enabled_ ? cgfs::procs_recursive(dir_) : std::vector<pid_t>{};
}

void V2Manager::kill_all(int signal) {
  if (!enabled_) {
    return;
  }
  // cgroup.kill (Linux 5.14) kills the whole subtree at once, forks in flight included.
  if (signal == SIGKILL && path_exists(dir_ + "/cgroup.kill")) {
    cgfs::write(dir_, "cgroup.kill", "1");
    detail::wait_until_empty(*this, dir_);
    return;
  }
  detail::signal_all(*this, signal, path_exists(dir_ + "/cgroup.freeze"), dir_);
}

void V2Manager::destroy() {
  if (enabled_) {
    cgfs::remove(dir_);
  }
}

Stats V2Manager::stats() const {
  Stats s;
  if (!enabled_) {
    return s;
  }
  // Every file is optional: a controller that is not enabled (a partial rootless delegation, or
  // the hugetlb-only tree of a hybrid host) leaves its figures at 0.
  auto keyed = [this](std::string_view file, std::string_view key) -> uint64_t {
    auto text = cgfs::read_if_exists(dir_, file);
    return text ? cgfs::keyed_value(*text, key).value_or(0) : 0;
  };
  s.memory_usage = cgfs::read_counter(dir_, "memory.current");
  s.memory_limit = cgfs::read_counter(dir_, "memory.max");
  s.memory_max_usage = cgfs::read_counter(dir_, "memory.peak");
  s.memory_cache = keyed("memory.stat", "file");
  if (auto events = cgfs::read_if_exists(dir_, "memory.events")) {
    s.memory_failcnt = cgfs::keyed_value(*events, "max").value_or(0);
    s.oom_kill = cgfs::keyed_value(*events, "oom_kill").value_or(0);
  }
  // v2 counts swap alone; runc reports memory + swap, as v1's memsw files do, and so do we.
  // memory.swap.max may be 0 (no swap), which read_counter cannot tell from "max".
  auto swap_max = cgfs::read_if_exists(dir_, "memory.swap.max");
  s.swap_usage = s.memory_usage + cgfs::read_counter(dir_, "memory.swap.current");
  if (s.memory_limit != 0 && swap_max && *swap_max != "max") {
    s.swap_limit = s.memory_limit + cgfs::read_counter(dir_, "memory.swap.max");
  }
  if (auto cpu = cgfs::read_if_exists(dir_, "cpu.stat")) {
    s.cpu_usage_nanos = cgfs::keyed_value(*cpu, "usage_usec").value_or(0) * 1000;
    s.cpu_user_nanos = cgfs::keyed_value(*cpu, "user_usec").value_or(0) * 1000;
    s.cpu_system_nanos = cgfs::keyed_value(*cpu, "system_usec").value_or(0) * 1000;
    s.cpu_periods = cgfs::keyed_value(*cpu, "nr_periods").value_or(0);
    s.cpu_throttled_periods = cgfs::keyed_value(*cpu, "nr_throttled").value_or(0);
    s.cpu_throttled_nanos = cgfs::keyed_value(*cpu, "throttled_usec").value_or(0) * 1000;
  }
  s.pids_current = cgfs::read_counter(dir_, "pids.current");
  s.pids_limit = cgfs::read_counter(dir_, "pids.max");
  // One set of files per page size: hugetlb.<size>.current, .max and .events ("max N").
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    constexpr std::string_view kPrefix = "hugetlb.";
    constexpr std::string_view kSuffix = ".current";
    if (!name.starts_with(kPrefix) || !name.ends_with(kSuffix) || name.size() <= kPrefix.size() + kSuffix.size() ||
        name.find('.', kPrefix.size()) != name.size() - kSuffix.size()) {
      continue;  // also skips hugetlb.<size>.rsvd.current
    }
    std::string prefix = name.substr(0, name.size() - kSuffix.size());
    HugetlbStats& h = s.hugetlb[prefix.substr(kPrefix.size())];
    h.usage = cgfs::read_counter(dir_, name);
    h.failcnt = keyed(prefix + ".events", "max");
  }
  return s;
}

std::string V2Manager::directory(std::string_view hierarchy) const {
  return hierarchy == "unified" ? dir_ : "";
}

boost::json::value V2Manager::save() const {
  return detail::save_state(Mode::v2, DirMap{{"unified", dir_}}, base_, rootless_, enabled_);
}

}  // namespace skiff::cgroups

#include "skiff/cgroups/translate.h"

#include <algorithm>

#include "skiff/base/error.h"

namespace skiff::cgroups {

namespace {

// Zero memory and CPU values mean "unset", as in runc (Docker sends zeros for "not given").
std::optional<int64_t> nonzero(const std::optional<int64_t>& v) {
  return v && *v != 0 ? v : std::nullopt;
}
std::optional<uint64_t> nonzero(const std::optional<uint64_t>& v) {
  return v && *v != 0 ? v : std::nullopt;
}

std::string number_or_max(int64_t v) {
  return v < 0 ? "max" : std::to_string(v);
}

std::string device_number(const std::optional<int64_t>& n) {
  return n ? std::to_string(*n) : "*";
}

std::string device_rule(const DeviceRule& rule) {
  return rule.type + " " + device_number(rule.major) + ":" + device_number(rule.minor) + " " + rule.access;
}

template <typename T>
std::string device_key(const T& d) {
  return std::to_string(d.major) + ":" + std::to_string(d.minor);
}

std::string pids_value(int64_t limit) {
  return limit <= 0 ? "max" : std::to_string(limit);
}

// memory.limit_in_bytes and memory.memsw.limit_in_bytes: the kernel keeps memsw >= limit at all
// times, so the right order depends on the current values, which translation does not know. An
// unlimited memsw goes first (always accepted); otherwise limit goes first, which is right when
// lowering, and the manager retries the pair the other way round when the kernel answers EINVAL.
void memory_v1(const Memory& m, std::vector<FileWrite>& out) {
  auto add = [&](const std::string& file, const std::string& value) { out.push_back({"memory", file, value}); };
  auto limit = nonzero(m.limit);
  auto swap = nonzero(m.swap);
  // runc's compatibility rule: an unlimited memory limit without a swap value lifts swap too.
  if (limit && *limit == -1 && !swap) {
    swap = -1;
  }
  if (swap && *swap == -1) {
    add("memory.memsw.limit_in_bytes", "-1");
  }
  if (limit) {
    add("memory.limit_in_bytes", std::to_string(*limit));
  }
  if (swap && *swap != -1) {
    add("memory.memsw.limit_in_bytes", std::to_string(*swap));
  }
  if (auto reservation = nonzero(m.reservation)) {
    add("memory.soft_limit_in_bytes", std::to_string(*reservation));
  }
  if (auto kernel = nonzero(m.kernel)) {
    add("memory.kmem.limit_in_bytes", std::to_string(*kernel));
  }
  if (auto kernel_tcp = nonzero(m.kernel_tcp)) {
    add("memory.kmem.tcp.limit_in_bytes", std::to_string(*kernel_tcp));
  }
  if (m.swappiness) {
    add("memory.swappiness", std::to_string(*m.swappiness));
  }
  if (m.disable_oom_killer) {
    add("memory.oom_control", *m.disable_oom_killer ? "1" : "0");
  }
  // use_hierarchy is always on in current kernels and check_before_update is the manager's job.
}

// Period before quota, quota before burst (burst may not exceed quota), rt period before runtime.
void cpu_v1(const Cpu& c, std::vector<FileWrite>& out) {
  auto add = [&](const std::string& file, const std::string& value) { out.push_back({"cpu", file, value}); };
  if (auto shares = nonzero(c.shares)) {
    add("cpu.shares", std::to_string(*shares));
  }
  if (auto period = nonzero(c.period)) {
    add("cpu.cfs_period_us", std::to_string(*period));
  }
  if (auto quota = nonzero(c.quota)) {
    add("cpu.cfs_quota_us", std::to_string(*quota));
  }
  if (c.burst) {
    add("cpu.cfs_burst_us", std::to_string(*c.burst));
  }
  if (auto period = nonzero(c.realtime_period)) {
    add("cpu.rt_period_us", std::to_string(*period));
  }
  if (auto runtime = nonzero(c.realtime_runtime)) {
    add("cpu.rt_runtime_us", std::to_string(*runtime));
  }
  if (c.idle) {
    add("cpu.idle", std::to_string(*c.idle));
  }
}

void cpuset(const Cpu& c, const std::string& hierarchy, std::vector<FileWrite>& out) {
  if (!c.cpus.empty()) {
    out.push_back({hierarchy, "cpuset.cpus", c.cpus});
  }
  if (!c.mems.empty()) {
    out.push_back({hierarchy, "cpuset.mems", c.mems});
  }
}

void block_io_v1(const BlockIo& b, std::vector<FileWrite>& out) {
  auto add = [&](const std::string& file, const std::string& value) { out.push_back({"blkio", file, value}); };
  if (b.weight) {
    add("blkio.weight", std::to_string(*b.weight));
  }
  if (b.leaf_weight) {
    add("blkio.leaf_weight", std::to_string(*b.leaf_weight));
  }
  for (const WeightDevice& d : b.weight_device) {
    if (d.weight) {
      add("blkio.weight_device", device_key(d) + " " + std::to_string(*d.weight));
    }
    if (d.leaf_weight) {
      add("blkio.leaf_weight_device", device_key(d) + " " + std::to_string(*d.leaf_weight));
    }
  }
  auto throttle = [&](const std::string& file, const std::vector<ThrottleDevice>& devices) {
    for (const ThrottleDevice& d : devices) {
      add(file, device_key(d) + " " + std::to_string(d.rate));
    }
  };
  throttle("blkio.throttle.read_bps_device", b.throttle_read_bps_device);
  throttle("blkio.throttle.write_bps_device", b.throttle_write_bps_device);
  throttle("blkio.throttle.read_iops_device", b.throttle_read_iops_device);
  throttle("blkio.throttle.write_iops_device", b.throttle_write_iops_device);
}

void unified_map(const Resources& r, std::vector<FileWrite>& out) {
  for (const auto& [file, value] : r.unified) {
    out.push_back({"unified", file, value});
  }
}

// cgroup v2 keeps memory and swap apart: memory.swap.max is the spec's memory+swap minus memory.
std::optional<std::string> swap_max_v2(const Memory& m) {
  auto limit = nonzero(m.limit);
  auto swap = nonzero(m.swap);
  if (!swap) {
    // runc's compatibility rule: an unlimited memory limit without a swap value lifts swap too.
    return limit && *limit == -1 ? std::optional<std::string>("max") : std::nullopt;
  }
  if (*swap == -1) {
    return "max";
  }
  if (!limit || *limit == -1) {
    throw Error("memory.swap " + std::to_string(*swap) + ": cgroup v2 needs a memory limit to set a swap limit");
  }
  if (*swap < *limit) {
    throw Error("memory.swap " + std::to_string(*swap) + ": must be at least memory.limit (" + std::to_string(*limit) +
                "), as it counts memory plus swap");
  }
  return std::to_string(*swap - *limit);
}

void memory_v2(const Memory& m, std::vector<FileWrite>& out) {
  auto add = [&](const std::string& file, const std::string& value) { out.push_back({"unified", file, value}); };
  // runc writes swap first: lowering memory.max first could push pages to a swap about to shrink.
  if (auto swap = swap_max_v2(m)) {
    add("memory.swap.max", *swap);
  }
  if (auto limit = nonzero(m.limit)) {
    add("memory.max", number_or_max(*limit));
  }
  if (auto reservation = nonzero(m.reservation)) {
    add("memory.low", number_or_max(*reservation));
  }
}

void cpu_v2(const Cpu& c, std::vector<FileWrite>& out) {
  auto add = [&](const std::string& file, const std::string& value) { out.push_back({"unified", file, value}); };
  if (auto shares = nonzero(c.shares)) {
    add("cpu.weight", std::to_string(cpu_shares_to_weight(*shares)));
  }
  auto quota = nonzero(c.quota);
  auto period = nonzero(c.period);
  if (quota || period) {
    // As runc: a period alone lifts the quota, since cpu.max always takes the quota first.
    std::string max = quota && *quota > 0 ? std::to_string(*quota) : "max";
    if (period) {
      max += " " + std::to_string(*period);
    }
    add("cpu.max", max);
  }
  if (c.burst) {
    add("cpu.max.burst", std::to_string(*c.burst));
  }
  if (c.idle) {
    add("cpu.idle", std::to_string(*c.idle));
  }
}

void io_v2(const BlockIo& b, std::vector<FileWrite>& out) {
  auto add = [&](const std::string& file, const std::string& value) { out.push_back({"unified", file, value}); };
  if (b.weight) {
    add("io.weight", std::to_string(blkio_weight_to_io_weight(*b.weight)));
  }
  for (const WeightDevice& d : b.weight_device) {
    if (d.weight) {
      add("io.weight", device_key(d) + " " + std::to_string(blkio_weight_to_io_weight(*d.weight)));
    }
  }
  // A v1 rate of 0 removes the limit; v2 spells that "max".
  auto throttle = [&](const std::string& key, const std::vector<ThrottleDevice>& devices) {
    for (const ThrottleDevice& d : devices) {
      add("io.max", device_key(d) + " " + key + "=" + (d.rate == 0 ? "max" : std::to_string(d.rate)));
    }
  };
  throttle("rbps", b.throttle_read_bps_device);
  throttle("wbps", b.throttle_write_bps_device);
  throttle("riops", b.throttle_read_iops_device);
  throttle("wiops", b.throttle_write_iops_device);
}

}  // namespace

uint64_t cpu_shares_to_weight(uint64_t shares) {
  // cpu.shares spans [2, 262144], cpu.weight [1, 10000].
  shares = std::clamp<uint64_t>(shares, 2, 262144);
  return 1 + ((shares - 2) * 9999) / 262142;
}

uint16_t blkio_weight_to_io_weight(uint16_t weight) {
  // blkio.weight spans [10, 1000], io.weight [1, 10000].
  uint64_t w = std::clamp<uint64_t>(weight, 10, 1000);
  return static_cast<uint16_t>(1 + (w - 10) * 9999 / 990);
}

std::vector<FileWrite> translate_v1(const Resources& r, bool has_unified) {
  std::vector<FileWrite> out;
  if (!r.devices.empty()) {
    // Start from deny-all so that the rules alone decide, whatever the cgroup allowed before.
    out.push_back({"devices", "devices.deny", "a"});
    for (const DeviceRule& rule : r.devices) {
      out.push_back({"devices", rule.allow ? "devices.allow" : "devices.deny", device_rule(rule)});
    }
  }
  if (r.memory) {
    memory_v1(*r.memory, out);
  }
  if (r.cpu) {
    cpu_v1(*r.cpu, out);
    cpuset(*r.cpu, "cpuset", out);
  }
  if (r.pids_limit) {
    out.push_back({"pids", "pids.max", pids_value(*r.pids_limit)});
  }
  if (r.block_io) {
    block_io_v1(*r.block_io, out);
  }
  for (const HugepageLimit& h : r.hugepage_limits) {
    if (has_unified) {
      out.push_back({"unified", "hugetlb." + h.page_size + ".max", std::to_string(h.limit)});
    } else {
      out.push_back({"hugetlb", "hugetlb." + h.page_size + ".limit_in_bytes", std::to_string(h.limit)});
    }
  }
  if (r.network) {
    if (r.network->class_id) {
      out.push_back({"net_cls", "net_cls.classid", std::to_string(*r.network->class_id)});
    }
    for (const NetworkPriority& p : r.network->priorities) {
      out.push_back({"net_prio", "net_prio.ifpriomap", p.name + " " + std::to_string(p.priority)});
    }
  }
  unified_map(r, out);
  return out;
}

std::vector<FileWrite> translate_v2(const Resources& r) {
  std::vector<FileWrite> out;
  if (r.memory) {
    memory_v2(*r.memory, out);
  }
  if (r.cpu) {
    cpu_v2(*r.cpu, out);
    cpuset(*r.cpu, "unified", out);
  }
  if (r.pids_limit) {
    out.push_back({"unified", "pids.max", pids_value(*r.pids_limit)});
  }
  if (r.block_io) {
    io_v2(*r.block_io, out);
  }
  for (const HugepageLimit& h : r.hugepage_limits) {
    out.push_back({"unified", "hugetlb." + h.page_size + ".max", std::to_string(h.limit)});
  }
  // Last, so that an explicit unified value overrides the one converted from the v1 fields.
  unified_map(r, out);
  return out;
}

}  // namespace skiff::cgroups

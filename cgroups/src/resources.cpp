#include "skiff/cgroups/resources.h"

#include <algorithm>
#include <cstdint>
#include <limits>

#include "skiff/base/json.h"

namespace skiff::cgroups {

namespace {

using boost::json::object;
using boost::json::value;

const value& required(const object& obj, std::string_view parent, std::string_view key) {
  const value* v = json::find(obj, key);
  if (v == nullptr) {
    json::invalid(json::field(parent, key), "is required");
  }
  return *v;
}

// Byte counts and similar limits: -1 means unlimited, anything below is a mistake.
std::optional<int64_t> limit_field(const object& obj, std::string_view parent, std::string_view key,
                                   std::string_view unit) {
  const value* v = json::find(obj, key);
  if (v == nullptr) {
    return std::nullopt;
  }
  std::string path = json::field(parent, key);
  int64_t n = json::as_int64(*v, path);
  if (n < -1) {
    json::invalid(path, "must be -1 (unlimited) or a number of " + std::string(unit), *v);
  }
  return n;
}

std::optional<uint64_t> uint_field(const object& obj, std::string_view parent, std::string_view key) {
  const value* v = json::find(obj, key);
  if (v == nullptr) {
    return std::nullopt;
  }
  return json::as_uint64(*v, json::field(parent, key));
}

std::optional<int64_t> int_field(const object& obj, std::string_view parent, std::string_view key, int64_t min,
                                 int64_t max) {
  const value* v = json::find(obj, key);
  if (v == nullptr) {
    return std::nullopt;
  }
  return json::as_int_in(*v, json::field(parent, key), min, max);
}

std::optional<bool> bool_field(const object& obj, std::string_view parent, std::string_view key) {
  const value* v = json::find(obj, key);
  if (v == nullptr) {
    return std::nullopt;
  }
  return json::as_bool(*v, json::field(parent, key));
}

std::optional<uint16_t> weight_field(const object& obj, std::string_view parent, std::string_view key) {
  auto n = int_field(obj, parent, key, 10, 1000);
  if (!n) {
    return std::nullopt;
  }
  return static_cast<uint16_t>(*n);
}

// A device number; -1 is the wildcard "*" and becomes unset.
std::optional<int64_t> device_number(const object& obj, std::string_view parent, std::string_view key) {
  auto n = int_field(obj, parent, key, -1, std::numeric_limits<int64_t>::max());
  if (n && *n == -1) {
    return std::nullopt;
  }
  return n;
}

bool parse_number(std::string_view text, size_t& pos, uint64_t& out) {
  size_t start = pos;
  out = 0;
  while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
    if (pos - start >= 9) {
      return false;  // no machine has a billion CPUs; keeps the arithmetic safe
    }
    out = out * 10 + static_cast<uint64_t>(text[pos] - '0');
    ++pos;
  }
  return pos > start;
}

// The kernel's list format (bitmap_parselist): "0-3,8,10-15:2/4".
bool valid_cpuset_list(std::string_view text) {
  size_t pos = 0;
  for (;;) {
    uint64_t first = 0;
    if (!parse_number(text, pos, first)) {
      return false;
    }
    if (pos < text.size() && text[pos] == '-') {
      ++pos;
      uint64_t last = 0;
      if (!parse_number(text, pos, last) || last < first) {
        return false;
      }
      if (pos < text.size() && text[pos] == ':') {
        ++pos;
        uint64_t used = 0;
        uint64_t group = 0;
        if (!parse_number(text, pos, used) || pos >= text.size() || text[pos] != '/') {
          return false;
        }
        ++pos;
        if (!parse_number(text, pos, group) || used == 0 || group == 0 || used > group) {
          return false;
        }
      }
    }
    if (pos == text.size()) {
      return true;
    }
    if (text[pos] != ',') {
      return false;
    }
    ++pos;
  }
}

std::string cpuset_field(const object& obj, std::string_view parent, std::string_view key, std::string_view what) {
  const value* v = json::find(obj, key);
  if (v == nullptr) {
    return "";
  }
  std::string path = json::field(parent, key);
  std::string text = json::as_string(*v, path);
  if (!text.empty() && !valid_cpuset_list(text)) {
    json::invalid(path, "must be a list of " + std::string(what) + " numbers and ranges such as \"0-2,4\"", *v);
  }
  return text;
}

DeviceRule parse_device_rule(const value& v, const std::string& path) {
  const auto& obj = json::as_object(v, path);
  DeviceRule rule;
  rule.allow = json::as_bool(required(obj, path, "allow"), json::field(path, "allow"));
  if (const value* type = json::find(obj, "type")) {
    std::string type_path = json::field(path, "type");
    rule.type = json::as_string(*type, type_path);
    if (rule.type != "a" && rule.type != "b" && rule.type != "c") {
      json::invalid(type_path, "must be a, b or c", *type);
    }
  }
  rule.major = device_number(obj, path, "major");
  rule.minor = device_number(obj, path, "minor");
  if (const value* access = json::find(obj, "access")) {
    std::string access_path = json::field(path, "access");
    rule.access = json::as_string(*access, access_path);
    if (rule.access.empty() || rule.access.find_first_not_of("rwm") != std::string::npos) {
      json::invalid(access_path, "must be a combination of r, w and m", *access);
    }
  }
  return rule;
}

Memory parse_memory(const value& v, const std::string& path) {
  const auto& obj = json::as_object(v, path);
  Memory m;
  m.limit = limit_field(obj, path, "limit", "bytes");
  m.reservation = limit_field(obj, path, "reservation", "bytes");
  m.swap = limit_field(obj, path, "swap", "bytes");
  m.kernel = limit_field(obj, path, "kernel", "bytes");
  m.kernel_tcp = limit_field(obj, path, "kernelTCP", "bytes");
  if (auto s = int_field(obj, path, "swappiness", 0, 100)) {
    m.swappiness = static_cast<uint64_t>(*s);
  }
  m.disable_oom_killer = bool_field(obj, path, "disableOOMKiller");
  m.use_hierarchy = bool_field(obj, path, "useHierarchy");
  m.check_before_update = bool_field(obj, path, "checkBeforeUpdate");
  // swap is memory plus swap, so it cannot be below the memory limit (0 means unset, as in runc).
  if (m.swap && *m.swap > 0 && m.limit && *m.limit > 0 && *m.swap < *m.limit) {
    json::invalid(json::field(path, "swap"),
                  "must be -1 or at least " + json::field(path, "limit") + " (" + std::to_string(*m.limit) +
                      "), as it counts memory plus swap",
                  *json::find(obj, "swap"));
  }
  return m;
}

Cpu parse_cpu(const value& v, const std::string& path) {
  const auto& obj = json::as_object(v, path);
  Cpu c;
  c.shares = uint_field(obj, path, "shares");
  c.quota = limit_field(obj, path, "quota", "microseconds");
  c.burst = uint_field(obj, path, "burst");
  c.period = uint_field(obj, path, "period");
  c.realtime_runtime = limit_field(obj, path, "realtimeRuntime", "microseconds");
  c.realtime_period = uint_field(obj, path, "realtimePeriod");
  c.cpus = cpuset_field(obj, path, "cpus", "CPU");
  c.mems = cpuset_field(obj, path, "mems", "memory node");
  c.idle = int_field(obj, path, "idle", 0, 1);
  return c;
}

WeightDevice parse_weight_device(const value& v, const std::string& path) {
  const auto& obj = json::as_object(v, path);
  WeightDevice d;
  d.major = json::as_int_in(required(obj, path, "major"), json::field(path, "major"), 0, UINT32_MAX);
  d.minor = json::as_int_in(required(obj, path, "minor"), json::field(path, "minor"), 0, UINT32_MAX);
  d.weight = weight_field(obj, path, "weight");
  d.leaf_weight = weight_field(obj, path, "leafWeight");
  return d;
}

std::vector<ThrottleDevice> parse_throttle_devices(const object& parent_obj, const std::string& parent,
                                                   std::string_view key) {
  std::vector<ThrottleDevice> out;
  const value* v = json::find(parent_obj, key);
  if (v == nullptr) {
    return out;
  }
  std::string list_path = json::field(parent, key);
  const auto& arr = json::as_array(*v, list_path);
  for (size_t i = 0; i < arr.size(); ++i) {
    std::string path = json::element(list_path, i);
    const auto& obj = json::as_object(arr[i], path);
    ThrottleDevice d;
    d.major = json::as_int_in(required(obj, path, "major"), json::field(path, "major"), 0, UINT32_MAX);
    d.minor = json::as_int_in(required(obj, path, "minor"), json::field(path, "minor"), 0, UINT32_MAX);
    d.rate = json::as_uint64(required(obj, path, "rate"), json::field(path, "rate"));
    out.push_back(d);
  }
  return out;
}

BlockIo parse_block_io(const value& v, const std::string& path) {
  const auto& obj = json::as_object(v, path);
  BlockIo b;
  b.weight = weight_field(obj, path, "weight");
  b.leaf_weight = weight_field(obj, path, "leafWeight");
  if (const value* devices = json::find(obj, "weightDevice")) {
    std::string list_path = json::field(path, "weightDevice");
    const auto& arr = json::as_array(*devices, list_path);
    for (size_t i = 0; i < arr.size(); ++i) {
      b.weight_device.push_back(parse_weight_device(arr[i], json::element(list_path, i)));
    }
  }
  b.throttle_read_bps_device = parse_throttle_devices(obj, path, "throttleReadBpsDevice");
  b.throttle_write_bps_device = parse_throttle_devices(obj, path, "throttleWriteBpsDevice");
  b.throttle_read_iops_device = parse_throttle_devices(obj, path, "throttleReadIOPSDevice");
  b.throttle_write_iops_device = parse_throttle_devices(obj, path, "throttleWriteIOPSDevice");
  return b;
}

// The kernel names hugetlb files by sizes such as "64KB", "2MB" and "1GB".
bool valid_page_size(std::string_view size) {
  if (size.size() < 3) {
    return false;
  }
  std::string_view unit = size.substr(size.size() - 2);
  std::string_view digits = size.substr(0, size.size() - 2);
  return (unit == "KB" || unit == "MB" || unit == "GB") &&
         digits.find_first_not_of("0123456789") == std::string::npos && digits[0] != '0';
}

HugepageLimit parse_hugepage_limit(const value& v, const std::string& path) {
  const auto& obj = json::as_object(v, path);
  HugepageLimit h;
  std::string size_path = json::field(path, "pageSize");
  const value& size = required(obj, path, "pageSize");
  h.page_size = json::as_string(size, size_path);
  if (!valid_page_size(h.page_size)) {
    json::invalid(size_path, "must be a page size such as \"2MB\" or \"1GB\"", size);
  }
  h.limit = json::as_uint64(required(obj, path, "limit"), json::field(path, "limit"));
  return h;
}

Network parse_network(const value& v, const std::string& path) {
  const auto& obj = json::as_object(v, path);
  Network n;
  if (auto id = int_field(obj, path, "classID", 0, UINT32_MAX)) {
    n.class_id = static_cast<uint32_t>(*id);
  }
  if (const value* priorities = json::find(obj, "priorities")) {
    std::string list_path = json::field(path, "priorities");
    const auto& arr = json::as_array(*priorities, list_path);
    for (size_t i = 0; i < arr.size(); ++i) {
      std::string item_path = json::element(list_path, i);
      const auto& item = json::as_object(arr[i], item_path);
      NetworkPriority p;
      std::string name_path = json::field(item_path, "name");
      const value& name = required(item, item_path, "name");
      p.name = json::as_string(name, name_path);
      // net_prio.ifpriomap takes "<name> <priority>": a name with blanks would be misread.
      if (p.name.empty() || p.name.find_first_of(" \t\n/") != std::string::npos) {
        json::invalid(name_path, "must be a network interface name", name);
      }
      p.priority = static_cast<uint32_t>(
          json::as_int_in(required(item, item_path, "priority"), json::field(item_path, "priority"), 0, UINT32_MAX));
      n.priorities.push_back(p);
    }
  }
  return n;
}

std::map<std::string, std::string> parse_unified(const value& v, const std::string& path) {
  std::map<std::string, std::string> out;
  for (const auto& kv : json::as_object(v, path)) {
    std::string key(kv.key());
    std::string key_path = json::field(path, key);
    // Keys name files inside the container's cgroup directory: nothing may point elsewhere.
    if (key.empty() || key == "." || key == ".." || key.find('/') != std::string::npos) {
      json::invalid(path, "keys must be cgroup interface file names", value(key));
    }
    out[key] = json::as_string(kv.value(), key_path);
  }
  return out;
}

// Overlays update's devices onto base's: an entry for the same device replaces the old one.
template <typename T>
void merge_by_device(std::vector<T>& base, const std::vector<T>& update) {
  for (const T& u : update) {
    auto it =
        std::find_if(base.begin(), base.end(), [&](const T& b) { return b.major == u.major && b.minor == u.minor; });
    if (it != base.end()) {
      *it = u;
    } else {
      base.push_back(u);
    }
  }
}

template <typename T>
void overlay(std::optional<T>& base, const std::optional<T>& update) {
  if (update) {
    base = update;
  }
}

void merge_memory(Memory& base, const Memory& update) {
  overlay(base.limit, update.limit);
  overlay(base.reservation, update.reservation);
  overlay(base.swap, update.swap);
  overlay(base.kernel, update.kernel);
  overlay(base.kernel_tcp, update.kernel_tcp);
  overlay(base.swappiness, update.swappiness);
  overlay(base.disable_oom_killer, update.disable_oom_killer);
  overlay(base.use_hierarchy, update.use_hierarchy);
  overlay(base.check_before_update, update.check_before_update);
}

void merge_cpu(Cpu& base, const Cpu& update) {
  overlay(base.shares, update.shares);
  overlay(base.quota, update.quota);
  overlay(base.burst, update.burst);
  overlay(base.period, update.period);
  overlay(base.realtime_runtime, update.realtime_runtime);
  overlay(base.realtime_period, update.realtime_period);
  if (!update.cpus.empty()) {
    base.cpus = update.cpus;
  }
  if (!update.mems.empty()) {
    base.mems = update.mems;
  }
  overlay(base.idle, update.idle);
}

void merge_block_io(BlockIo& base, const BlockIo& update) {
  overlay(base.weight, update.weight);
  overlay(base.leaf_weight, update.leaf_weight);
  merge_by_device(base.weight_device, update.weight_device);
  merge_by_device(base.throttle_read_bps_device, update.throttle_read_bps_device);
  merge_by_device(base.throttle_write_bps_device, update.throttle_write_bps_device);
  merge_by_device(base.throttle_read_iops_device, update.throttle_read_iops_device);
  merge_by_device(base.throttle_write_iops_device, update.throttle_write_iops_device);
}

}  // namespace

Resources parse_resources(const boost::json::value& v, std::string_view path_view) {
  std::string path(path_view);
  const auto& obj = json::as_object(v, path);
  Resources r;
  if (const value* devices = json::find(obj, "devices")) {
    std::string list_path = json::field(path, "devices");
    const auto& arr = json::as_array(*devices, list_path);
    for (size_t i = 0; i < arr.size(); ++i) {
      r.devices.push_back(parse_device_rule(arr[i], json::element(list_path, i)));
    }
  }
  if (const value* memory = json::find(obj, "memory")) {
    r.memory = parse_memory(*memory, json::field(path, "memory"));
  }
  if (const value* cpu = json::find(obj, "cpu")) {
    r.cpu = parse_cpu(*cpu, json::field(path, "cpu"));
  }
  if (const value* pids = json::find(obj, "pids")) {
    std::string pids_path = json::field(path, "pids");
    const auto& pids_obj = json::as_object(*pids, pids_path);
    if (const value* limit = json::find(pids_obj, "limit")) {
      r.pids_limit = json::as_int64(*limit, json::field(pids_path, "limit"));
    }
  }
  if (const value* block_io = json::find(obj, "blockIO")) {
    r.block_io = parse_block_io(*block_io, json::field(path, "blockIO"));
  }
  if (const value* hugepages = json::find(obj, "hugepageLimits")) {
    std::string list_path = json::field(path, "hugepageLimits");
    const auto& arr = json::as_array(*hugepages, list_path);
    for (size_t i = 0; i < arr.size(); ++i) {
      r.hugepage_limits.push_back(parse_hugepage_limit(arr[i], json::element(list_path, i)));
    }
  }
  if (const value* network = json::find(obj, "network")) {
    r.network = parse_network(*network, json::field(path, "network"));
  }
  if (const value* unified = json::find(obj, "unified")) {
    r.unified = parse_unified(*unified, json::field(path, "unified"));
  }
  return r;
}

void merge_resources(Resources& base, const Resources& update) {
  // Device rules form one ordered list; a new list replaces the old one as a whole.
  if (!update.devices.empty()) {
    base.devices = update.devices;
  }
  if (update.memory) {
    merge_memory(base.memory ? *base.memory : base.memory.emplace(), *update.memory);
  }
  if (update.cpu) {
    merge_cpu(base.cpu ? *base.cpu : base.cpu.emplace(), *update.cpu);
  }
  overlay(base.pids_limit, update.pids_limit);
  if (update.block_io) {
    merge_block_io(base.block_io ? *base.block_io : base.block_io.emplace(), *update.block_io);
  }
  for (const HugepageLimit& u : update.hugepage_limits) {
    auto it = std::find_if(base.hugepage_limits.begin(), base.hugepage_limits.end(),
                           [&](const HugepageLimit& b) { return b.page_size == u.page_size; });
    if (it != base.hugepage_limits.end()) {
      it->limit = u.limit;
    } else {
      base.hugepage_limits.push_back(u);
    }
  }
  if (update.network) {
    Network& net = base.network ? *base.network : base.network.emplace();
    overlay(net.class_id, update.network->class_id);
    for (const NetworkPriority& u : update.network->priorities) {
      auto it = std::find_if(net.priorities.begin(), net.priorities.end(),
                             [&](const NetworkPriority& b) { return b.name == u.name; });
      if (it != net.priorities.end()) {
        it->priority = u.priority;
      } else {
        net.priorities.push_back(u);
      }
    }
  }
  for (const auto& [key, val] : update.unified) {
    base.unified[key] = val;
  }
}

}  // namespace skiff::cgroups

#include "systemd_properties.h"

#include <algorithm>
#include <map>

#include "skiff/base/error.h"
#include "skiff/base/strings.h"
#include "skiff/cgroups/translate.h"

namespace skiff::cgroups::systemd {

namespace {

// The kernel's default CFS period, which systemd assumes when CPUQuotaPeriodUSec is unset.
constexpr uint64_t kDefaultCpuPeriod = 100000;
// systemd keeps CPUQuota= as a percentage: CPUQuotaPerSecUSec is rounded up to 10 ms steps.
constexpr uint64_t kQuotaStep = 10000;
constexpr uint64_t kUsecPerSec = 1000000;
// Far more CPUs or memory nodes than any machine has: a typo must not allocate gigabytes.
constexpr uint64_t kMaxCpusetIndex = 1U << 16;

// Scalar properties: a later value for the same name replaces the earlier one, as systemd
// itself would when applying the assignments in order.
void set(std::vector<Property>& props, const std::string& name, PropertyValue value) {
  auto it = std::find_if(props.begin(), props.end(), [&](const Property& p) { return p.name == name; });
  if (it != props.end()) {
    it->value = std::move(value);
  } else {
    props.push_back({name, std::move(value)});
  }
}

// Per-device properties: one a(st) array per name, one entry per device.
void set_device(std::vector<Property>& props, const std::string& name, const std::string& device, uint64_t value) {
  auto it = std::find_if(props.begin(), props.end(), [&](const Property& p) { return p.name == name; });
  if (it == props.end()) {
    props.push_back({name, DeviceValues{}});
    it = props.end() - 1;
  }
  auto& entries = std::get<DeviceValues>(it->value);
  auto entry = std::find_if(entries.begin(), entries.end(), [&](const auto& e) { return e.first == device; });
  if (entry != entries.end()) {
    entry->second = value;
  } else {
    entries.emplace_back(device, value);
  }
}

// systemd takes a device node; /dev/block/MAJ:MIN names one by number.
std::string block_device(std::string_view major_minor, const std::string& what) {
  size_t colon = major_minor.find(':');
  if (colon == std::string_view::npos) {
    throw Error(what + ": \"" + std::string(major_minor) + "\" is not a MAJOR:MINOR device number");
  }
  parse_uint(major_minor.substr(0, colon), what);
  parse_uint(major_minor.substr(colon + 1), what);
  return "/dev/block/" + std::string(major_minor);
}

std::vector<std::string> fields(std::string_view text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t start = text.find_first_not_of(" \t\n", pos);
    if (start == std::string_view::npos) {
      break;
    }
    size_t end = text.find_first_of(" \t\n", start);
    out.emplace_back(text.substr(start, end == std::string_view::npos ? text.npos : end - start));
    pos = end == std::string_view::npos ? text.size() : end;
  }
  return out;
}

uint64_t number_or_infinity(std::string_view text, const std::string& what) {
  return text == "max" ? kInfinity : parse_uint(text, what);
}

// cpu.max "quota [period]" -> CPUQuotaPerSecUSec (and CPUQuotaPeriodUSec when a period is given).
void cpu_quota(std::vector<Property>& props, std::string_view value, const std::string& what) {
  std::vector<std::string> parts = fields(value);
  if (parts.empty() || parts.size() > 2) {
    throw Error(what + ": \"" + std::string(value) + "\" is not \"QUOTA [PERIOD]\"");
  }
  std::optional<uint64_t> period;
  if (parts.size() == 2) {
    period = parse_uint(parts[1], what);
    if (*period == 0) {
      throw Error(what + ": the period must not be 0");
    }
    set(props, "CPUQuotaPeriodUSec", *period);
  }
  uint64_t per_sec = kInfinity;
  if (parts[0] != "max") {
    uint64_t quota = parse_uint(parts[0], what);
    uint64_t p = period.value_or(kDefaultCpuPeriod);
    // quota * 1e6 / p without overflowing for large quotas.
    per_sec = quota / p * kUsecPerSec + (quota % p) * kUsecPerSec / p;
    // Rounded up, so that the quota systemd writes is never below the one asked for.
    if (per_sec % kQuotaStep != 0) {
      per_sec = (per_sec / kQuotaStep + 1) * kQuotaStep;
    }
  }
  set(props, "CPUQuotaPerSecUSec", per_sec);
}

// io.weight "N", "default N" or "MAJ:MIN N".
void io_weight(std::vector<Property>& props, std::string_view value, const std::string& what) {
  std::vector<std::string> parts = fields(value);
  if (parts.size() == 1) {
    set(props, "IOWeight", parse_uint(parts[0], what));
  } else if (parts.size() == 2 && parts[0] == "default") {
    set(props, "IOWeight", parse_uint(parts[1], what));
  } else if (parts.size() == 2) {
    set_device(props, "IODeviceWeight", block_device(parts[0], what), parse_uint(parts[1], what));
  } else {
    throw Error(what + ": \"" + std::string(value) + "\" is not \"[MAJOR:MINOR] WEIGHT\"");
  }
}

// io.max "MAJ:MIN rbps=N wbps=max ...".
void io_max(std::vector<Property>& props, std::string_view value, const std::string& what) {
  static const std::map<std::string, std::string, std::less<>> io_max_keys = {{"rbps", "IOReadBandwidthMax"},
                                                                              {"wbps", "IOWriteBandwidthMax"},
                                                                              {"riops", "IOReadIOPSMax"},
                                                                              {"wiops", "IOWriteIOPSMax"}};
  std::vector<std::string> parts = fields(value);
  if (parts.size() < 2) {
    throw Error(what + ": \"" + std::string(value) + "\" is not \"MAJOR:MINOR KEY=VALUE...\"");
  }
  std::string device = block_device(parts[0], what);
  for (size_t i = 1; i < parts.size(); ++i) {
    size_t eq = parts[i].find('=');
    auto name =
        eq == std::string::npos ? io_max_keys.end() : io_max_keys.find(std::string_view(parts[i]).substr(0, eq));
    if (name == io_max_keys.end()) {
      throw Error(what + ": \"" + parts[i] + "\" is not rbps=, wbps=, riops= or wiops=");
    }
    set_device(props, name->second, device, number_or_infinity(parts[i].substr(eq + 1), what));
  }
}

// One cgroup v2 file write as properties; false when systemd has no property for the file.
bool file_property(std::vector<Property>& props, const std::string& file, std::string_view value) {
  static const std::map<std::string, std::string, std::less<>> memory_files = {{"memory.max", "MemoryMax"},
                                                                               {"memory.high", "MemoryHigh"},
                                                                               {"memory.low", "MemoryLow"},
                                                                               {"memory.min", "MemoryMin"},
                                                                               {"memory.swap.max", "MemorySwapMax"}};
  // Values from the spec's typed fields are always well-formed; a bad one came from linux.resources.unified.
  std::string what = "linux.resources.unified[\"" + file + "\"]";
  value = trim(value);
  if (auto memory = memory_files.find(file); memory != memory_files.end()) {
    set(props, memory->second, number_or_infinity(value, what));
  } else if (file == "pids.max") {
    set(props, "TasksMax", number_or_infinity(value, what));
  } else if (file == "cpu.weight") {
    set(props, "CPUWeight", parse_uint(value, what));
  } else if (file == "cpu.max") {
    cpu_quota(props, value, what);
  } else if (file == "cpuset.cpus") {
    set(props, "AllowedCPUs", cpuset_bitmask(value, what));
  } else if (file == "cpuset.mems") {
    set(props, "AllowedMemoryNodes", cpuset_bitmask(value, what));
  } else if (file == "io.weight") {
    io_weight(props, value, what);
  } else if (file == "io.max") {
    io_max(props, value, what);
  } else {
    return false;
  }
  return true;
}

// The spec field that asks for a controller, for error messages.
std::string field_of(const Resources& r, const FileWrite& w) {
  if (r.unified.contains(w.file)) {
    return "linux.resources.unified[\"" + w.file + "\"]";
  }
  static const std::map<std::string, std::string, std::less<>> field_of_controller = {
      {"memory", "linux.resources.memory"},
      {"cpu", "linux.resources.cpu"},
      {"pids", "linux.resources.pids"},
      {"io", "linux.resources.blockIO"},
      {"hugetlb", "linux.resources.hugepageLimits"}};
  std::string controller = w.file.substr(0, w.file.find('.'));
  if (controller == "cpuset") {
    return "linux.resources.cpu." + w.file.substr(w.file.find('.') + 1);
  }
  auto it = field_of_controller.find(controller);
  return it != field_of_controller.end() ? it->second : "linux.resources";
}

}  // namespace

std::vector<Property> unit_properties(const UnitPath& unit, std::string_view description, std::optional<pid_t> pid) {
  std::vector<Property> props;
  props.push_back({"Description", std::string(description)});
  if (unit.is_slice()) {
    // A slice's parent follows from its name; Wants= only orders it after the one asked for.
    if (unit.slice != "-.slice") {
      props.push_back({"Wants", std::vector<std::string>{unit.slice}});
    }
  } else {
    props.push_back({"Slice", unit.slice});
    // Delegation makes the scope's subtree ours: the container's sub-cgroup, its controllers.
    props.push_back({"Delegate", true});
    if (pid) {
      props.push_back({"PIDs", std::vector<uint32_t>{static_cast<uint32_t>(*pid)}});
    }
  }
  // No ordering against shutdown.target and friends: the runtime, not systemd, decides when
  // the container ends (runc sets the same).
  props.push_back({"DefaultDependencies", false});
  for (const char* accounting : {"MemoryAccounting", "CPUAccounting", "IOAccounting", "TasksAccounting"}) {
    props.push_back({accounting, true});
  }
  return props;
}

std::vector<Property> resource_properties(const Resources& resources) {
  std::vector<Property> props;
  for (const FileWrite& w : translate_v2(resources)) {
    file_property(props, w.file, w.value);
  }
  return props;
}

std::vector<uint8_t> cpuset_bitmask(std::string_view list, std::string_view what) {
  std::vector<uint8_t> mask;
  auto fail = [&](const std::string& why) {
    throw Error(std::string(what) + ": \"" + std::string(list) + "\" is not a CPU or node list like 0-3,8: " + why);
  };
  for (const std::string& item : split(trim(list), ',')) {
    std::string_view range = trim(item);
    if (range.empty()) {
      if (trim(list).empty()) {
        break;
      }
      fail("an empty item");
    }
    size_t dash = range.find('-');
    uint64_t first = 0;
    uint64_t last = 0;
    try {
      first = parse_uint(trim(range.substr(0, dash)), what);
      last = dash == std::string_view::npos ? first : parse_uint(trim(range.substr(dash + 1)), what);
    } catch (const Error&) {
      fail("\"" + std::string(range) + "\" is not N or N-M");
    }
    if (last < first) {
      fail("the range " + std::string(range) + " runs backwards");
    }
    if (last >= kMaxCpusetIndex) {
      fail(std::to_string(last) + " is above " + std::to_string(kMaxCpusetIndex - 1));
    }
    if (mask.size() < last / 8 + 1) {
      mask.resize(last / 8 + 1, 0);
    }
    for (uint64_t i = first; i <= last; ++i) {
      mask[i / 8] |= static_cast<uint8_t>(1U << (i % 8));
    }
  }
  return mask;
}

std::vector<std::pair<std::string, std::string>> required_controllers(const Resources& resources) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const FileWrite& w : translate_v2(resources)) {
    std::string controller = w.file.substr(0, w.file.find('.'));
    if (controller == "cgroup") {
      continue;  // cgroup.* files are the core's, not a controller's
    }
    std::pair<std::string, std::string> need{controller, field_of(resources, w)};
    if (std::find(out.begin(), out.end(), need) == out.end()) {
      out.push_back(std::move(need));
    }
  }
  return out;
}

void check_delegated(const Resources& resources, const std::set<std::string>& available, uid_t uid) {
  for (const auto& [controller, field] : required_controllers(resources)) {
    if (!available.contains(controller)) {
      throw Error(field + " needs the " + controller + " controller, which systemd does not delegate to user " +
                  std::to_string(uid) + ": add Delegate=" + controller +
                  " to user@.service (see systemd.resource-control)");
    }
  }
}

}  // namespace skiff::cgroups::systemd

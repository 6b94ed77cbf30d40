#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "skiff/cgroups/resources.h"
#include "systemd_unit.h"

// The properties of a container's transient unit, as StartTransientUnit and SetUnitProperties
// take them (systemd.resource-control(5)): built here without a bus, so that they can be tested.
namespace skiff::cgroups::systemd {

// (device path, value) pairs: D-Bus type a(st), for IOReadBandwidthMax and friends.
using DeviceValues = std::vector<std::pair<std::string, uint64_t>>;

// One D-Bus type per alternative: b, t, s, ay, au, as, a(st).
using PropertyValue = std::variant<bool, uint64_t, std::string, std::vector<uint8_t>, std::vector<uint32_t>,
                                   std::vector<std::string>, DeviceValues>;

struct Property {
  std::string name;
  PropertyValue value;
  bool operator==(const Property&) const = default;
};

// systemd's USEC_INFINITY / CGROUP_LIMIT_MAX: "no limit" for every uint64 property here.
constexpr uint64_t kInfinity = UINT64_MAX;

// What a new unit is: Description, its place (Slice= for a scope, Wants= for a slice of its
// own), PIDs= (a scope needs at least one process), Delegate=yes so that the container's
// sub-cgroup is ours to make, DefaultDependencies=no, and accounting for every controller.
std::vector<Property> unit_properties(const UnitPath& unit, std::string_view description, std::optional<pid_t> pid);

// linux.resources as unit properties: MemoryMax, MemoryLow, MemoryHigh, MemorySwapMax,
// CPUWeight, CPUQuotaPerSecUSec (+ CPUQuotaPeriodUSec), TasksMax, AllowedCPUs,
// AllowedMemoryNodes, IOWeight, IODeviceWeight and the IO*Max limits. The values come from
// translate_v2, so the unit and the cgroup files always agree (the v2 conversions of cpu shares,
// blkio weights and memory+swap, and linux.resources.unified overriding them). Fields systemd has
// no property for (hugetlb, cpu.idle, burst, devices) are left to the cgroup files.
std::vector<Property> resource_properties(const Resources& resources);

// "0-3,8" -> the bitmask AllowedCPUs= and AllowedMemoryNodes= take over D-Bus: byte i holds
// CPUs 8i..8i+7, lowest bit first. what names the field in errors.
std::vector<uint8_t> cpuset_bitmask(std::string_view list, std::string_view what);

// The cgroup v2 controllers that resources need, each with the field that needs it
// ("cpu" <- "linux.resources.cpu"), in a stable order.
std::vector<std::pair<std::string, std::string>> required_controllers(const Resources& resources);

// Throws when resources need a controller missing from available (the controllers a rootless
// user's systemd instance was delegated), naming the field, the controller and the fix:
// "linux.resources.cpu needs the cpu controller, which systemd does not delegate to user 1000:
// add Delegate=cpu to user@.service (see systemd.resource-control)".
void check_delegated(const Resources& resources, const std::set<std::string>& available, uid_t uid);

}  // namespace skiff::cgroups::systemd

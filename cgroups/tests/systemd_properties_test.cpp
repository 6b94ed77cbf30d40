// linux.resources as systemd unit properties, the AllowedCPUs bitmask, and the rootless
// delegation check: everything the systemd driver sends, without a bus.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>

#include "skiff/base/error.h"
#include "skiff/base/json.h"
#include "skiff/cgroups/translate.h"
#include "systemd_properties.h"

namespace skiff::cgroups::systemd {
namespace {

Resources parse(std::string_view text) {
  return parse_resources(json::parse(text, "test"), "linux.resources");
}

// The value of one property, or nullopt when it is not there.
std::optional<PropertyValue> find(const std::vector<Property>& props, std::string_view name) {
  for (const Property& p : props) {
    if (p.name == name) {
      return p.value;
    }
  }
  return std::nullopt;
}

uint64_t number(const std::vector<Property>& props, std::string_view name) {
  auto v = find(props, name);
  if (!v) {
    ADD_FAILURE() << name << " is not set";
    return 0;
  }
  return std::get<uint64_t>(*v);
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(SystemdProperties, MemoryPidsAndCpu) {
  auto props = resource_properties(parse(R"({
    "memory": {"limit": 67108864, "reservation": 33554432, "swap": 134217728},
    "pids": {"limit": 50},
    "cpu": {"shares": 512, "quota": 50000, "period": 100000}
  })"));
  EXPECT_EQ(number(props, "MemoryMax"), 67108864U);
  EXPECT_EQ(number(props, "MemoryLow"), 33554432U);
  // The spec counts memory + swap; systemd, like cgroup v2, swap alone.
  EXPECT_EQ(number(props, "MemorySwapMax"), 134217728U - 67108864U);
  EXPECT_EQ(number(props, "TasksMax"), 50U);
  EXPECT_EQ(number(props, "CPUWeight"), cpu_shares_to_weight(512));
  EXPECT_EQ(number(props, "CPUQuotaPerSecUSec"), 500000U);
  EXPECT_EQ(number(props, "CPUQuotaPeriodUSec"), 100000U);
}

TEST(SystemdProperties, UnlimitedIsInfinity) {
  auto props = resource_properties(parse(R"({"memory": {"limit": -1}, "pids": {"limit": 0}})"));
  EXPECT_EQ(number(props, "MemoryMax"), kInfinity);
  // runc's rule: an unlimited memory limit without a swap value lifts swap too.
  EXPECT_EQ(number(props, "MemorySwapMax"), kInfinity);
  EXPECT_EQ(number(props, "TasksMax"), kInfinity);
  props = resource_properties(parse(R"({"pids": {"limit": -1}})"));
  EXPECT_EQ(number(props, "TasksMax"), kInfinity);
}

TEST(SystemdProperties, NothingSetGivesNoProperties) {
  EXPECT_TRUE(resource_properties(parse("{}")).empty());
  // Zeros mean "unset", as in runc (Docker sends them).
  EXPECT_TRUE(resource_properties(parse(R"({"memory": {"limit": 0}, "cpu": {"shares": 0, "quota": 0}})")).empty());
}

TEST(SystemdProperties, CpuQuotaRoundsUpToWholePercents) {
  // 12345 us per 100 ms is 12.345% of a CPU; systemd keeps whole percents, so 13%.
  auto props = resource_properties(parse(R"({"cpu": {"quota": 12345, "period": 100000}})"));
  EXPECT_EQ(number(props, "CPUQuotaPerSecUSec"), 130000U);
  // Without a period, the kernel's default one, and no CPUQuotaPeriodUSec.
  props = resource_properties(parse(R"({"cpu": {"quota": 200000}})"));
  EXPECT_EQ(number(props, "CPUQuotaPerSecUSec"), 2000000U);
  EXPECT_FALSE(find(props, "CPUQuotaPeriodUSec"));
  // A period alone lifts the quota (cpu.max "max PERIOD").
  props = resource_properties(parse(R"({"cpu": {"period": 50000}})"));
  EXPECT_EQ(number(props, "CPUQuotaPerSecUSec"), kInfinity);
  EXPECT_EQ(number(props, "CPUQuotaPeriodUSec"), 50000U);
  // A huge quota does not overflow.
  props = resource_properties(parse(R"({"cpu": {"quota": 9000000000000, "period": 100000}})"));
  EXPECT_EQ(number(props, "CPUQuotaPerSecUSec"), 90000000000000U);
}

TEST(SystemdProperties, Cpuset) {
  auto props = resource_properties(parse(R"({"cpu": {"cpus": "0-2,9", "mems": "0"}})"));
  EXPECT_EQ(std::get<std::vector<uint8_t>>(*find(props, "AllowedCPUs")), (std::vector<uint8_t>{0x07, 0x02}));
  EXPECT_EQ(std::get<std::vector<uint8_t>>(*find(props, "AllowedMemoryNodes")), (std::vector<uint8_t>{0x01}));
}

TEST(SystemdProperties, BlockIo) {
  auto props = resource_properties(parse(R"({"blockIO": {
    "weight": 500,
    "weightDevice": [{"major": 8, "minor": 0, "weight": 100}],
    "throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": 1048576}],
    "throttleWriteBpsDevice": [{"major": 8, "minor": 16, "rate": 2097152}, {"major": 8, "minor": 0, "rate": 0}],
    "throttleReadIOPSDevice": [{"major": 8, "minor": 0, "rate": 100}],
    "throttleWriteIOPSDevice": [{"major": 8, "minor": 0, "rate": 200}]
  }})"));
  EXPECT_EQ(number(props, "IOWeight"), blkio_weight_to_io_weight(500));
  EXPECT_EQ(std::get<DeviceValues>(*find(props, "IODeviceWeight")),
            (DeviceValues{{"/dev/block/8:0", blkio_weight_to_io_weight(100)}}));
  EXPECT_EQ(std::get<DeviceValues>(*find(props, "IOReadBandwidthMax")), (DeviceValues{{"/dev/block/8:0", 1048576}}));
  // A rate of 0 removes the limit.
  EXPECT_EQ(std::get<DeviceValues>(*find(props, "IOWriteBandwidthMax")),
            (DeviceValues{{"/dev/block/8:16", 2097152}, {"/dev/block/8:0", kInfinity}}));
  EXPECT_EQ(std::get<DeviceValues>(*find(props, "IOReadIOPSMax")), (DeviceValues{{"/dev/block/8:0", 100}}));
  EXPECT_EQ(std::get<DeviceValues>(*find(props, "IOWriteIOPSMax")), (DeviceValues{{"/dev/block/8:0", 200}}));
}

TEST(SystemdProperties, UnifiedOverridesAndAddsWhatSystemdKnows) {
  auto props = resource_properties(parse(R"({
    "memory": {"limit": 67108864},
    "unified": {"memory.max": "max", "memory.high": "50000000", "memory.min": "1000", "pids.max": "20",
                "cpu.max": "max", "cpu.weight": "300", "cpuset.cpus": "1", "io.max": "8:0 rbps=10 wiops=max",
                "io.weight": "default 200", "memory.oom.group": "1", "hugetlb.2MB.max": "0"}
  })"));
  EXPECT_EQ(number(props, "MemoryMax"), kInfinity);
  EXPECT_EQ(number(props, "MemoryHigh"), 50000000U);
  EXPECT_EQ(number(props, "MemoryMin"), 1000U);
  EXPECT_EQ(number(props, "TasksMax"), 20U);
  EXPECT_EQ(number(props, "CPUQuotaPerSecUSec"), kInfinity);
  EXPECT_EQ(number(props, "CPUWeight"), 300U);
  EXPECT_EQ(number(props, "IOWeight"), 200U);
  EXPECT_EQ(std::get<std::vector<uint8_t>>(*find(props, "AllowedCPUs")), (std::vector<uint8_t>{0x02}));
  EXPECT_EQ(std::get<DeviceValues>(*find(props, "IOReadBandwidthMax")), (DeviceValues{{"/dev/block/8:0", 10}}));
  EXPECT_EQ(std::get<DeviceValues>(*find(props, "IOWriteIOPSMax")), (DeviceValues{{"/dev/block/8:0", kInfinity}}));
  // Each property once: the unified value replaced the typed one.
  EXPECT_EQ(std::count_if(props.begin(), props.end(), [](const Property& p) { return p.name == "MemoryMax"; }), 1);
  // memory.oom.group and hugetlb have no property: they are left to the cgroup files.
  EXPECT_FALSE(find(props, "OOMPolicy"));
}

TEST(SystemdProperties, BadUnifiedValuesNameTheKey) {
  std::string message = error_of([] { resource_properties(parse(R"({"unified": {"memory.high": "lots"}})")); });
  EXPECT_NE(message.find("linux.resources.unified[\"memory.high\"]"), std::string::npos) << message;
  message = error_of([] { resource_properties(parse(R"({"unified": {"io.max": "8:0 speed=1"}})")); });
  EXPECT_NE(message.find("rbps="), std::string::npos) << message;
  message = error_of([] { resource_properties(parse(R"({"unified": {"cpu.max": "1 2 3"}})")); });
  EXPECT_NE(message.find("QUOTA [PERIOD]"), std::string::npos) << message;
  message = error_of([] { resource_properties(parse(R"({"unified": {"io.weight": "sda 10"}})")); });
  EXPECT_NE(message.find("MAJOR:MINOR"), std::string::npos) << message;
}

TEST(SystemdProperties, BitmaskEncoding) {
  EXPECT_EQ(cpuset_bitmask("0", "x"), (std::vector<uint8_t>{0x01}));
  EXPECT_EQ(cpuset_bitmask("7", "x"), (std::vector<uint8_t>{0x80}));
  EXPECT_EQ(cpuset_bitmask("8", "x"), (std::vector<uint8_t>{0x00, 0x01}));
  EXPECT_EQ(cpuset_bitmask("0-3", "x"), (std::vector<uint8_t>{0x0f}));
  EXPECT_EQ(cpuset_bitmask("1,3,5-6", "x"), (std::vector<uint8_t>{0x6a}));
  EXPECT_EQ(cpuset_bitmask(" 0-1 , 16 ", "x"), (std::vector<uint8_t>{0x03, 0x00, 0x01}));
  EXPECT_EQ(cpuset_bitmask("0-15", "x"), (std::vector<uint8_t>{0xff, 0xff}));
  EXPECT_EQ(cpuset_bitmask("", "x"), (std::vector<uint8_t>{}));
  for (std::string_view bad : {"a", "1-", "-1", "3-1", "1,,2", "1-2-3", "70000", "0x1"}) {
    std::string message = error_of([&] { cpuset_bitmask(bad, "linux.resources.cpu.cpus"); });
    EXPECT_NE(message.find("linux.resources.cpu.cpus: \"" + std::string(bad) + "\""), std::string::npos)
        << bad << ": " << message;
  }
}

TEST(SystemdProperties, ScopeUnitProperties) {
  auto props = unit_properties(UnitPath{"system.slice", "skiff-abc.scope"}, "skiff container abc", 1234);
  EXPECT_EQ(std::get<std::string>(*find(props, "Description")), "skiff container abc");
  EXPECT_EQ(std::get<std::string>(*find(props, "Slice")), "system.slice");
  EXPECT_EQ(std::get<std::vector<uint32_t>>(*find(props, "PIDs")), (std::vector<uint32_t>{1234}));
  EXPECT_EQ(std::get<bool>(*find(props, "Delegate")), true);
  EXPECT_EQ(std::get<bool>(*find(props, "DefaultDependencies")), false);
  EXPECT_EQ(std::get<bool>(*find(props, "MemoryAccounting")), true);
  EXPECT_EQ(std::get<bool>(*find(props, "TasksAccounting")), true);
  EXPECT_FALSE(find(props, "Wants"));
}

TEST(SystemdProperties, SliceUnitProperties) {
  auto props = unit_properties(UnitPath{"system.slice", "pod-abc.slice"}, "skiff container abc", 1234);
  // A slice holds no process and cannot be delegated; its parent comes from its name.
  EXPECT_FALSE(find(props, "PIDs"));
  EXPECT_FALSE(find(props, "Delegate"));
  EXPECT_FALSE(find(props, "Slice"));
  EXPECT_EQ(std::get<std::vector<std::string>>(*find(props, "Wants")), (std::vector<std::string>{"system.slice"}));
}

TEST(SystemdProperties, RequiredControllersNameTheirFields) {
  auto needs = required_controllers(parse(R"({
    "memory": {"limit": 1000000}, "cpu": {"shares": 100, "cpus": "0"}, "pids": {"limit": 5},
    "blockIO": {"weight": 100}, "unified": {"memory.high": "2000000"}
  })"));
  using Need = std::pair<std::string, std::string>;
  EXPECT_EQ(needs, (std::vector<Need>{{"memory", "linux.resources.memory"},
                                      {"cpu", "linux.resources.cpu"},
                                      {"cpuset", "linux.resources.cpu.cpus"},
                                      {"pids", "linux.resources.pids"},
                                      {"io", "linux.resources.blockIO"},
                                      {"memory", "linux.resources.unified[\"memory.high\"]"}}));
  EXPECT_TRUE(required_controllers(parse("{}")).empty());
}

TEST(SystemdProperties, UndelegatedControllerIsAClearError) {
  Resources r = parse(R"({"memory": {"limit": 1000000}, "cpu": {"quota": 50000}})");
  EXPECT_NO_THROW(check_delegated(r, {"cpu", "memory", "pids"}, 1000));
  EXPECT_EQ(error_of([&] {
              check_delegated(r, {"memory", "pids"}, 1000);
            }),
            "linux.resources.cpu needs the cpu controller, which systemd does not delegate to user 1000: add "
            "Delegate=cpu to user@.service (see systemd.resource-control)");
  EXPECT_NO_THROW(check_delegated(parse("{}"), {}, 1000));
}

}  // namespace
}  // namespace skiff::cgroups::systemd

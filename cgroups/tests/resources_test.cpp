#include "skiff/cgroups/resources.h"

#include <gtest/gtest.h>

#include "skiff/base/error.h"
#include "skiff/base/json.h"

namespace skiff::cgroups {
namespace {

constexpr const char* kFull = R"({
  "devices": [
    {"allow": false, "access": "rwm"},
    {"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rw"},
    {"allow": true, "type": "b", "major": 8, "access": "m"},
    {"allow": true, "type": "c", "major": -1, "minor": -1}
  ],
  "memory": {"limit": 1073741824, "reservation": 536870912, "swap": 2147483648, "kernel": -1,
             "kernelTCP": 1048576, "swappiness": 60, "disableOOMKiller": true, "useHierarchy": true,
             "checkBeforeUpdate": false},
  "cpu": {"shares": 1024, "quota": 50000, "burst": 10000, "period": 100000, "realtimeRuntime": 950000,
          "realtimePeriod": 1000000, "cpus": "0-2,4", "mems": "0", "idle": 1},
  "pids": {"limit": 100},
  "blockIO": {
    "weight": 500, "leafWeight": 300,
    "weightDevice": [{"major": 8, "minor": 0, "weight": 600, "leafWeight": 200}, {"major": 8, "minor": 16, "weight": 100}],
    "throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": 1048576}],
    "throttleWriteBpsDevice": [{"major": 8, "minor": 0, "rate": 2097152}],
    "throttleReadIOPSDevice": [{"major": 8, "minor": 0, "rate": 100}],
    "throttleWriteIOPSDevice": [{"major": 8, "minor": 0, "rate": 200}]
  },
  "hugepageLimits": [{"pageSize": "2MB", "limit": 209715200}, {"pageSize": "1GB", "limit": 0}],
  "network": {"classID": 1048577, "priorities": [{"name": "eth0", "priority": 500}, {"name": "lo", "priority": 1}]},
  "unified": {"memory.high": "900000000", "io.latency": "8:0 target=10"},
  "someFutureField": {"anything": 1}
})";

Resources parse(std::string_view text) {
  return parse_resources(json::parse(text, "test"), "linux.resources");
}

// The message of the error that parsing text throws.
std::string parse_error(std::string_view text) {
  try {
    parse(text);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(ParseResources, FullObject) {
  Resources r = parse(kFull);

  ASSERT_EQ(r.devices.size(), 4U);
  EXPECT_FALSE(r.devices[0].allow);
  EXPECT_EQ(r.devices[0].type, "a");
  EXPECT_FALSE(r.devices[0].major);
  EXPECT_EQ(r.devices[0].access, "rwm");
  EXPECT_TRUE(r.devices[1].allow);
  EXPECT_EQ(r.devices[1].type, "c");
  EXPECT_EQ(r.devices[1].major, 1);
  EXPECT_EQ(r.devices[1].minor, 3);
  EXPECT_EQ(r.devices[1].access, "rw");
  EXPECT_EQ(r.devices[2].major, 8);
  EXPECT_FALSE(r.devices[2].minor);
  EXPECT_FALSE(r.devices[3].major) << "-1 is the wildcard";
  EXPECT_FALSE(r.devices[3].minor);
  EXPECT_EQ(r.devices[3].access, "rwm") << "access defaults to rwm";

  ASSERT_TRUE(r.memory);
  EXPECT_EQ(r.memory->limit, 1073741824);
  EXPECT_EQ(r.memory->reservation, 536870912);
  EXPECT_EQ(r.memory->swap, 2147483648);
  EXPECT_EQ(r.memory->kernel, -1);
  EXPECT_EQ(r.memory->kernel_tcp, 1048576);
  EXPECT_EQ(r.memory->swappiness, 60U);
  EXPECT_EQ(r.memory->disable_oom_killer, true);
  EXPECT_EQ(r.memory->use_hierarchy, true);
  EXPECT_EQ(r.memory->check_before_update, false);

  ASSERT_TRUE(r.cpu);
  EXPECT_EQ(r.cpu->shares, 1024U);
  EXPECT_EQ(r.cpu->quota, 50000);
  EXPECT_EQ(r.cpu->burst, 10000U);
  EXPECT_EQ(r.cpu->period, 100000U);
  EXPECT_EQ(r.cpu->realtime_runtime, 950000);
  EXPECT_EQ(r.cpu->realtime_period, 1000000U);
  EXPECT_EQ(r.cpu->cpus, "0-2,4");
  EXPECT_EQ(r.cpu->mems, "0");
  EXPECT_EQ(r.cpu->idle, 1);

  EXPECT_EQ(r.pids_limit, 100);

  ASSERT_TRUE(r.block_io);
  EXPECT_EQ(r.block_io->weight, 500);
  EXPECT_EQ(r.block_io->leaf_weight, 300);
  ASSERT_EQ(r.block_io->weight_device.size(), 2U);
  EXPECT_EQ(r.block_io->weight_device[0].major, 8);
  EXPECT_EQ(r.block_io->weight_device[0].minor, 0);
  EXPECT_EQ(r.block_io->weight_device[0].weight, 600);
  EXPECT_EQ(r.block_io->weight_device[0].leaf_weight, 200);
  EXPECT_EQ(r.block_io->weight_device[1].minor, 16);
  EXPECT_FALSE(r.block_io->weight_device[1].leaf_weight);
  ASSERT_EQ(r.block_io->throttle_read_bps_device.size(), 1U);
  EXPECT_EQ(r.block_io->throttle_read_bps_device[0].rate, 1048576U);
  EXPECT_EQ(r.block_io->throttle_write_bps_device[0].rate, 2097152U);
  EXPECT_EQ(r.block_io->throttle_read_iops_device[0].rate, 100U);
  EXPECT_EQ(r.block_io->throttle_write_iops_device[0].rate, 200U);

  ASSERT_EQ(r.hugepage_limits.size(), 2U);
  EXPECT_EQ(r.hugepage_limits[0].page_size, "2MB");
  EXPECT_EQ(r.hugepage_limits[0].limit, 209715200U);
  EXPECT_EQ(r.hugepage_limits[1].page_size, "1GB");

  ASSERT_TRUE(r.network);
  EXPECT_EQ(r.network->class_id, 1048577U);
  ASSERT_EQ(r.network->priorities.size(), 2U);
  EXPECT_EQ(r.network->priorities[0].name, "eth0");
  EXPECT_EQ(r.network->priorities[0].priority, 500U);

  EXPECT_EQ(r.unified.size(), 2U);
  EXPECT_EQ(r.unified.at("io.latency"), "8:0 target=10");
}

TEST(ParseResources, EmptyAndNullFieldsAreUnset) {
  Resources r = parse(R"({"memory": null, "cpu": {"cpus": ""}, "devices": []})");
  EXPECT_TRUE(r.devices.empty());
  EXPECT_FALSE(r.memory);
  ASSERT_TRUE(r.cpu);
  EXPECT_FALSE(r.cpu->shares);
  EXPECT_EQ(r.cpu->cpus, "");
  EXPECT_FALSE(r.pids_limit);
  EXPECT_FALSE(r.block_io);
}

TEST(ParseResources, CpusetListSyntax) {
  for (const char* good : {"0", "0-3", "0-2,4", "1,3,5-7", "0-15:2/4"}) {
    EXPECT_EQ(parse(std::string(R"({"cpu": {"cpus": ")") + good + "\"}}").cpu->cpus, good);
  }
  for (const char* bad : {"0-", "-1", "2-1", "0,,1", "0,", "a", "0 1", "0-3:0/2", "0-3:3/2"}) {
    EXPECT_NE(parse_error(std::string(R"({"cpu": {"cpus": ")") + bad + "\"}}").find("linux.resources.cpu.cpus: "),
              std::string::npos)
        << bad;
  }
}

struct BadCase {
  const char* json;
  const char* message;
};

class ParseResourcesError : public testing::TestWithParam<BadCase> {};

TEST_P(ParseResourcesError, NamesFieldAndValue) {
  EXPECT_EQ(parse_error(GetParam().json), GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ParseResourcesError,
    testing::Values(
        BadCase{R"([])", "linux.resources: must be an object (got [])"},
        BadCase{R"({"devices": [{"allow": true}, {"allow": true, "access": "rx"}]})",
                R"(linux.resources.devices[1].access: must be a combination of r, w and m (got "rx"))"},
        BadCase{R"({"devices": [{"allow": true, "access": ""}]})",
                R"(linux.resources.devices[0].access: must be a combination of r, w and m (got ""))"},
        BadCase{R"({"devices": [{"allow": true, "type": "p"}]})",
                R"(linux.resources.devices[0].type: must be a, b or c (got "p"))"},
        BadCase{R"({"devices": [{"type": "c"}]})", "linux.resources.devices[0].allow: is required"},
        BadCase{R"({"devices": [{"allow": true, "major": -2}]})",
                "linux.resources.devices[0].major: must be between -1 and 9223372036854775807 (got -2)"},
        BadCase{R"({"memory": {"swappiness": 101}})",
                "linux.resources.memory.swappiness: must be between 0 and 100 (got 101)"},
        BadCase{R"({"memory": {"limit": -2}})",
                "linux.resources.memory.limit: must be -1 (unlimited) or a number of bytes (got -2)"},
        BadCase{R"({"memory": {"limit": "1g"}})", R"(linux.resources.memory.limit: must be a whole number (got "1g"))"},
        BadCase{R"({"memory": {"limit": 2000, "swap": 1000}})",
                "linux.resources.memory.swap: must be -1 or at least linux.resources.memory.limit (2000), as it "
                "counts memory plus swap (got 1000)"},
        BadCase{R"({"memory": {"disableOOMKiller": 1}})",
                "linux.resources.memory.disableOOMKiller: must be true or false (got 1)"},
        BadCase{R"({"cpu": {"shares": -5}})",
                "linux.resources.cpu.shares: must be a non-negative whole number (got -5)"},
        BadCase{R"({"cpu": {"idle": 2}})", "linux.resources.cpu.idle: must be between 0 and 1 (got 2)"},
        BadCase{
            R"({"cpu": {"mems": "0-"}})",
            R"(linux.resources.cpu.mems: must be a list of memory node numbers and ranges such as "0-2,4" (got "0-"))"},
        BadCase{R"({"pids": {"limit": 1.5}})", "linux.resources.pids.limit: must be a whole number (got 1.5E0)"},
        BadCase{R"({"blockIO": {"weight": 5}})", "linux.resources.blockIO.weight: must be between 10 and 1000 (got 5)"},
        BadCase{R"({"blockIO": {"leafWeight": 1001}})",
                "linux.resources.blockIO.leafWeight: must be between 10 and 1000 (got 1001)"},
        BadCase{R"({"blockIO": {"weightDevice": [{"major": 8, "minor": 0, "weight": 9}]}})",
                "linux.resources.blockIO.weightDevice[0].weight: must be between 10 and 1000 (got 9)"},
        BadCase{R"({"blockIO": {"weightDevice": [{"major": 8}]}})",
                "linux.resources.blockIO.weightDevice[0].minor: is required"},
        BadCase{R"({"blockIO": {"throttleWriteIOPSDevice": [{"major": 8, "minor": 0}]}})",
                "linux.resources.blockIO.throttleWriteIOPSDevice[0].rate: is required"},
        BadCase{R"({"blockIO": {"throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": -1}]}})",
                "linux.resources.blockIO.throttleReadBpsDevice[0].rate: must be a non-negative whole number (got -1)"},
        BadCase{R"({"hugepageLimits": [{"pageSize": "2M", "limit": 1}]})",
                R"(linux.resources.hugepageLimits[0].pageSize: must be a page size such as "2MB" or "1GB" (got "2M"))"},
        BadCase{
            R"({"hugepageLimits": [{"pageSize": "02MB", "limit": 1}]})",
            R"(linux.resources.hugepageLimits[0].pageSize: must be a page size such as "2MB" or "1GB" (got "02MB"))"},
        BadCase{R"({"hugepageLimits": [{"pageSize": "2MB"}]})", "linux.resources.hugepageLimits[0].limit: is required"},
        BadCase{R"({"network": {"classID": 4294967296}})",
                "linux.resources.network.classID: must be between 0 and 4294967295 (got 4294967296)"},
        BadCase{R"({"network": {"priorities": [{"name": "eth 0", "priority": 1}]}})",
                R"(linux.resources.network.priorities[0].name: must be a network interface name (got "eth 0"))"},
        BadCase{R"({"unified": {"../memory.max": "1"}})",
                R"(linux.resources.unified: keys must be cgroup interface file names (got "../memory.max"))"},
        BadCase{R"({"unified": {"memory.max": 1}})", "linux.resources.unified.memory.max: must be a string (got 1)"}));

TEST(MergeResources, OverlaysSetFields) {
  Resources base = parse(R"({
    "devices": [{"allow": false}],
    "memory": {"limit": 1000, "swap": 2000, "swappiness": 10},
    "cpu": {"shares": 100, "cpus": "0-1", "mems": "0"},
    "pids": {"limit": 10},
    "blockIO": {"weight": 100, "throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": 1}, {"major": 8, "minor": 16, "rate": 2}]},
    "hugepageLimits": [{"pageSize": "2MB", "limit": 1}],
    "network": {"classID": 1, "priorities": [{"name": "eth0", "priority": 1}]},
    "unified": {"memory.high": "1", "io.latency": "x"}
  })");
  Resources update = parse(R"({
    "memory": {"limit": 3000, "swap": 4000},
    "cpu": {"quota": 5000, "cpus": "2"},
    "blockIO": {"throttleReadBpsDevice": [{"major": 8, "minor": 16, "rate": 20}, {"major": 8, "minor": 32, "rate": 3}]},
    "hugepageLimits": [{"pageSize": "2MB", "limit": 5}, {"pageSize": "1GB", "limit": 6}],
    "network": {"priorities": [{"name": "lo", "priority": 2}]},
    "unified": {"memory.high": "2"}
  })");
  merge_resources(base, update);

  ASSERT_EQ(base.devices.size(), 1U) << "devices untouched when the update has none";
  EXPECT_EQ(base.memory->limit, 3000);
  EXPECT_EQ(base.memory->swap, 4000);
  EXPECT_EQ(base.memory->swappiness, 10U);
  EXPECT_EQ(base.cpu->shares, 100U);
  EXPECT_EQ(base.cpu->quota, 5000);
  EXPECT_EQ(base.cpu->cpus, "2");
  EXPECT_EQ(base.cpu->mems, "0");
  EXPECT_EQ(base.pids_limit, 10);
  EXPECT_EQ(base.block_io->weight, 100);
  const auto& bps = base.block_io->throttle_read_bps_device;
  ASSERT_EQ(bps.size(), 3U);
  EXPECT_EQ(bps[0].rate, 1U);
  EXPECT_EQ(bps[1].minor, 16);
  EXPECT_EQ(bps[1].rate, 20U);
  EXPECT_EQ(bps[2].minor, 32);
  ASSERT_EQ(base.hugepage_limits.size(), 2U);
  EXPECT_EQ(base.hugepage_limits[0].limit, 5U);
  EXPECT_EQ(base.hugepage_limits[1].page_size, "1GB");
  EXPECT_EQ(base.network->class_id, 1U);
  EXPECT_EQ(base.network->priorities.size(), 2U);
  EXPECT_EQ(base.unified.at("memory.high"), "2");
  EXPECT_EQ(base.unified.at("io.latency"), "x");
}

TEST(MergeResources, FillsAbsentGroupsAndReplacesDevices) {
  Resources base;
  Resources update = parse(R"({"devices": [{"allow": true, "type": "c", "major": 1, "minor": 3}],
                               "memory": {"limit": 5}, "pids": {"limit": -1}})");
  merge_resources(base, update);
  ASSERT_EQ(base.devices.size(), 1U);
  EXPECT_EQ(base.memory->limit, 5);
  EXPECT_EQ(base.pids_limit, -1);
  EXPECT_FALSE(base.cpu);
}

}  // namespace
}  // namespace skiff::cgroups

#include "skiff/cgroups/translate.h"

#include <gtest/gtest.h>

#include "skiff/base/error.h"
#include "skiff/base/json.h"

namespace skiff::cgroups {

// Readable failure output for the write lists.
void PrintTo(const FileWrite& w, std::ostream* os) {
  *os << w.hierarchy << ":" << w.file << "=\"" << w.value << "\"";
}
bool operator==(const FileWrite& a, const FileWrite& b) {
  return a.hierarchy == b.hierarchy && a.file == b.file && a.value == b.value;
}

namespace {

constexpr const char* kFull = R"({
  "devices": [
    {"allow": false, "access": "rwm"},
    {"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rw"},
    {"allow": true, "type": "b", "major": 8, "access": "m"},
    {"allow": true, "type": "c"}
  ],
  "memory": {"limit": 1073741824, "reservation": 536870912, "swap": 2147483648, "kernel": -1,
             "kernelTCP": 1048576, "swappiness": 60, "disableOOMKiller": true, "useHierarchy": true},
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
  "unified": {"memory.high": "900000000", "io.latency": "8:0 target=10"}
})";

Resources parse(std::string_view text) {
  return parse_resources(json::parse(text, "test"), "linux.resources");
}

using Writes = std::vector<FileWrite>;

TEST(Conversions, CpuSharesToWeight) {
  EXPECT_EQ(cpu_shares_to_weight(2), 1U);
  EXPECT_EQ(cpu_shares_to_weight(1024), 39U);
  EXPECT_EQ(cpu_shares_to_weight(512), 20U);
  EXPECT_EQ(cpu_shares_to_weight(262144), 10000U);
  EXPECT_EQ(cpu_shares_to_weight(1), 1U) << "clamped to the v1 range";
  EXPECT_EQ(cpu_shares_to_weight(1000000), 10000U);
}

TEST(Conversions, BlkioWeightToIoWeight) {
  EXPECT_EQ(blkio_weight_to_io_weight(10), 1);
  EXPECT_EQ(blkio_weight_to_io_weight(100), 910);
  EXPECT_EQ(blkio_weight_to_io_weight(500), 4950);
  EXPECT_EQ(blkio_weight_to_io_weight(1000), 10000);
}

TEST(TranslateV1, FullResources) {
  Writes expected = {
      {"devices", "devices.deny", "a"},
      {"devices", "devices.deny", "a *:* rwm"},
      {"devices", "devices.allow", "c 1:3 rw"},
      {"devices", "devices.allow", "b 8:* m"},
      {"devices", "devices.allow", "c *:* rwm"},
      {"memory", "memory.limit_in_bytes", "1073741824"},
      {"memory", "memory.memsw.limit_in_bytes", "2147483648"},
      {"memory", "memory.soft_limit_in_bytes", "536870912"},
      {"memory", "memory.kmem.limit_in_bytes", "-1"},
      {"memory", "memory.kmem.tcp.limit_in_bytes", "1048576"},
      {"memory", "memory.swappiness", "60"},
      {"memory", "memory.oom_control", "1"},
      {"cpu", "cpu.shares", "1024"},
      {"cpu", "cpu.cfs_period_us", "100000"},
      {"cpu", "cpu.cfs_quota_us", "50000"},
      {"cpu", "cpu.cfs_burst_us", "10000"},
      {"cpu", "cpu.rt_period_us", "1000000"},
      {"cpu", "cpu.rt_runtime_us", "950000"},
      {"cpu", "cpu.idle", "1"},
      {"cpuset", "cpuset.cpus", "0-2,4"},
      {"cpuset", "cpuset.mems", "0"},
      {"pids", "pids.max", "100"},
      {"blkio", "blkio.weight", "500"},
      {"blkio", "blkio.leaf_weight", "300"},
      {"blkio", "blkio.weight_device", "8:0 600"},
      {"blkio", "blkio.leaf_weight_device", "8:0 200"},
      {"blkio", "blkio.weight_device", "8:16 100"},
      {"blkio", "blkio.throttle.read_bps_device", "8:0 1048576"},
      {"blkio", "blkio.throttle.write_bps_device", "8:0 2097152"},
      {"blkio", "blkio.throttle.read_iops_device", "8:0 100"},
      {"blkio", "blkio.throttle.write_iops_device", "8:0 200"},
      {"hugetlb", "hugetlb.2MB.limit_in_bytes", "209715200"},
      {"hugetlb", "hugetlb.1GB.limit_in_bytes", "0"},
      {"net_cls", "net_cls.classid", "1048577"},
      {"net_prio", "net_prio.ifpriomap", "eth0 500"},
      {"net_prio", "net_prio.ifpriomap", "lo 1"},
      {"unified", "io.latency", "8:0 target=10"},
      {"unified", "memory.high", "900000000"},
  };
  EXPECT_EQ(translate_v1(parse(kFull), false), expected);
}

TEST(TranslateV1, HybridSendsHugetlbToUnified) {
  Resources r = parse(R"({"hugepageLimits": [{"pageSize": "2MB", "limit": 4194304}], "pids": {"limit": 5}})");
  Writes expected = {{"pids", "pids.max", "5"}, {"unified", "hugetlb.2MB.max", "4194304"}};
  EXPECT_EQ(translate_v1(r, true), expected);
}

TEST(TranslateV1, UnlimitedMemsw) {
  // An unlimited memsw always fits, so it goes before the limit; an unlimited limit lifts swap too.
  EXPECT_EQ(translate_v1(parse(R"({"memory": {"limit": -1}})"), false),
            (Writes{{"memory", "memory.memsw.limit_in_bytes", "-1"}, {"memory", "memory.limit_in_bytes", "-1"}}));
  EXPECT_EQ(translate_v1(parse(R"({"memory": {"limit": 1000, "swap": -1}})"), false),
            (Writes{{"memory", "memory.memsw.limit_in_bytes", "-1"}, {"memory", "memory.limit_in_bytes", "1000"}}));
  EXPECT_EQ(translate_v1(parse(R"({"memory": {"limit": 1000}})"), false),
            (Writes{{"memory", "memory.limit_in_bytes", "1000"}}));
}

TEST(TranslateV1, ZerosAreUnsetAndPidsMax) {
  Resources r = parse(R"({"memory": {"limit": 0, "swap": 0, "swappiness": 0}, "cpu": {"shares": 0, "quota": -1},
                          "pids": {"limit": 0}})");
  Writes expected = {
      {"memory", "memory.swappiness", "0"}, {"cpu", "cpu.cfs_quota_us", "-1"}, {"pids", "pids.max", "max"}};
  EXPECT_EQ(translate_v1(r, false), expected);
  EXPECT_EQ(translate_v1(parse(R"({"pids": {"limit": -1}})"), false), (Writes{{"pids", "pids.max", "max"}}));
  EXPECT_TRUE(translate_v1(Resources{}, true).empty());
}

TEST(TranslateV1, OomKillerReenabled) {
  EXPECT_EQ(translate_v1(parse(R"({"memory": {"disableOOMKiller": false}})"), false),
            (Writes{{"memory", "memory.oom_control", "0"}}));
}

TEST(TranslateV2, FullResources) {
  Writes expected = {
      {"unified", "memory.swap.max", "1073741824"},
      {"unified", "memory.max", "1073741824"},
      {"unified", "memory.low", "536870912"},
      {"unified", "cpu.weight", "39"},
      {"unified", "cpu.max", "50000 100000"},
      {"unified", "cpu.max.burst", "10000"},
      {"unified", "cpu.idle", "1"},
      {"unified", "cpuset.cpus", "0-2,4"},
      {"unified", "cpuset.mems", "0"},
      {"unified", "pids.max", "100"},
      {"unified", "io.weight", "4950"},
      {"unified", "io.weight", "8:0 5960"},
      {"unified", "io.weight", "8:16 910"},
      {"unified", "io.max", "8:0 rbps=1048576"},
      {"unified", "io.max", "8:0 wbps=2097152"},
      {"unified", "io.max", "8:0 riops=100"},
      {"unified", "io.max", "8:0 wiops=200"},
      {"unified", "hugetlb.2MB.max", "209715200"},
      {"unified", "hugetlb.1GB.max", "0"},
      {"unified", "io.latency", "8:0 target=10"},
      {"unified", "memory.high", "900000000"},
  };
  EXPECT_EQ(translate_v2(parse(kFull)), expected);
}

TEST(TranslateV2, MemoryAndSwap) {
  EXPECT_EQ(translate_v2(parse(R"({"memory": {"limit": -1}})")),
            (Writes{{"unified", "memory.swap.max", "max"}, {"unified", "memory.max", "max"}}));
  EXPECT_EQ(
      translate_v2(parse(R"({"memory": {"limit": 1000, "swap": -1, "reservation": -1}})")),
      (Writes{
          {"unified", "memory.swap.max", "max"}, {"unified", "memory.max", "1000"}, {"unified", "memory.low", "max"}}));
  EXPECT_EQ(translate_v2(parse(R"({"memory": {"limit": 1000, "swap": 1000}})")),
            (Writes{{"unified", "memory.swap.max", "0"}, {"unified", "memory.max", "1000"}}));
  EXPECT_THROW(translate_v2(parse(R"({"memory": {"swap": 1000}})")), Error);
  Resources merged = parse(R"({"memory": {"limit": 2000}})");
  merged.memory->swap = 1000;  // only a merge can produce this; parse refuses it
  EXPECT_THROW(translate_v2(merged), Error);
}

TEST(TranslateV2, CpuMax) {
  EXPECT_EQ(translate_v2(parse(R"({"cpu": {"quota": -1, "period": 100000}})")),
            (Writes{{"unified", "cpu.max", "max 100000"}}));
  EXPECT_EQ(translate_v2(parse(R"({"cpu": {"quota": 20000}})")), (Writes{{"unified", "cpu.max", "20000"}}));
  EXPECT_EQ(translate_v2(parse(R"({"cpu": {"period": 50000}})")), (Writes{{"unified", "cpu.max", "max 50000"}}));
}

TEST(TranslateV2, IgnoresWhatV2LacksAndRateZeroIsMax) {
  Resources r = parse(R"({"devices": [{"allow": false}], "network": {"classID": 1},
                          "memory": {"kernel": 100, "swappiness": 10, "disableOOMKiller": true},
                          "cpu": {"realtimeRuntime": 100},
                          "blockIO": {"leafWeight": 100, "throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": 0}]}})");
  EXPECT_EQ(translate_v2(r), (Writes{{"unified", "io.max", "8:0 rbps=max"}}));
}

TEST(TranslateV2, UnifiedOverridesConvertedValues) {
  Writes writes = translate_v2(parse(R"({"cpu": {"shares": 1024}, "unified": {"cpu.weight": "100"}})"));
  EXPECT_EQ(writes, (Writes{{"unified", "cpu.weight", "39"}, {"unified", "cpu.weight", "100"}}));
}

}  // namespace
}  // namespace skiff::cgroups

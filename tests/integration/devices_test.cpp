// linux.devices and the device cgroup: nodes made in /dev, access limited to what is allowed.
#include <gtest/gtest.h>

#include "integration_util.h"

namespace skiff::testing {
namespace {

TEST(Devices, ConfiguredDeviceNodesAreMade) {
  Runtime rt;
  Bundle bundle;
  bundle.linux()["devices"] = boost::json::array{
      boost::json::object{{"path", "/dev/mynull"},
                          {"type", "c"},
                          {"major", 1},
                          {"minor", 3},
                          {"fileMode", 0620},
                          {"uid", 1000},
                          {"gid", 1001}},
      boost::json::object{{"path", "/dev/sub/myzero"}, {"type", "c"}, {"major", 1}, {"minor", 5}},
      boost::json::object{{"path", "/dev/myfifo"}, {"type", "p"}},
  };
  Result r =
      run_in_container(rt, bundle, unique_id("devs"),
                       "stat -c '%n %F %t:%T %a %u:%g' /dev/mynull /dev/sub/myzero; stat -c '%n %F' /dev/myfifo; "
                       "echo x > /dev/sub/myzero && head -c 3 /dev/sub/myzero | wc -c");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "/dev/mynull character special file 1:3 620 1000:1001\n"
            "/dev/sub/myzero character special file 1:5 666 0:0\n"
            "/dev/myfifo fifo\n"
            "3\n");
}

TEST(Devices, DeviceCgroupDeniesWhatIsNotAllowed) {
  Runtime rt;
  Bundle bundle;
  // CAP_MKNOD lets the process try; the device rules (deny all, then the defaults) decide: the v1
  // devices controller, or on cgroup v2 the BPF program attached to the container's cgroup.
  auto caps = strings({"CAP_MKNOD", "CAP_KILL"});
  bundle.process()["capabilities"] = boost::json::object{{"bounding", caps}, {"permitted", caps}, {"effective", caps}};
  bool v1 = cgroup_v1_host();
  std::string listed = v1 ? "grep -c . /sys/fs/cgroup/devices/devices.list > /dev/null && echo listed" : "true";
  Result r =
      run_in_container(rt, bundle, unique_id("devcg"),
                       "mknod /tmp/null c 1 3 && echo null-allowed; echo x > /tmp/null && echo null-writable; "
                       "mknod /tmp/disk b 8 0 || echo disk-denied; mknod /tmp/kmsg c 1 11 || echo kmsg-denied; " +
                           listed);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, std::string("null-allowed\nnull-writable\ndisk-denied\nkmsg-denied\n") + (v1 ? "listed\n" : ""))
      << r.err;
  EXPECT_NE(r.err.find("Operation not permitted"), std::string::npos) << r.err;
}

TEST(Devices, AllowRuleFromTheConfig) {
  Runtime rt;
  Bundle bundle;
  auto caps = strings({"CAP_MKNOD"});
  bundle.process()["capabilities"] = boost::json::object{{"bounding", caps}, {"permitted", caps}, {"effective", caps}};
  bundle.linux()["resources"].as_object()["devices"].as_array().push_back(
      boost::json::object{{"allow", true}, {"type", "c"}, {"major", 1}, {"minor", 11}, {"access", "rwm"}});
  Result r = run_in_container(rt, bundle, unique_id("devallow"), "mknod /tmp/kmsg c 1 11 && echo kmsg-allowed");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "kmsg-allowed\n");
}

TEST(Devices, NoPivotStillGivesAWorkingDev) {
  Runtime rt;
  Bundle bundle;
  std::string id = unique_id("nopivot");
  bundle.set_args({"sh", "-c", "echo x > /dev/null && ls / && grep -c ' / ' /proc/self/mountinfo"});
  bundle.save();
  Result r = rt.run({"run", "--no-pivot", "--bundle", bundle.path(), id});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("bin\ndev\netc\nproc\nroot\nsys\ntmp\n"), std::string::npos) << r.out;
  EXPECT_EQ(joined(leftovers(rt, id, bundle.path())), "");
}

}  // namespace
}  // namespace skiff::testing

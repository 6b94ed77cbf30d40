// linux.resources and linux.cgroupsPath: the limits in the container's cgroup files, seen from
// the host (below our own cgroup) and from inside; update, pause and resume.
#include <gtest/gtest.h>

#include "integration_util.h"

namespace skiff::testing {
namespace {

std::string cgroup_file(const std::string& hierarchy, const std::string& name, const std::string& file) {
  return trimmed(read_file(host_cgroup_dir(hierarchy, name) + "/" + file));
}

boost::json::object limits() {
  return boost::json::object{
      {"memory", boost::json::object{{"limit", 64 * 1024 * 1024}}},
      {"pids", boost::json::object{{"limit", 50}}},
      {"cpu", boost::json::object{{"shares", 512}, {"quota", 50000}, {"period", 100000}}},
  };
}

// A detached container running sleep with the limits above.
struct RunningContainer {
  explicit RunningContainer(const std::string& prefix, const std::string& cgroups_path = "") : id(unique_id(prefix)) {
    bundle.set_args({"sleep", "1000"});
    bundle.linux()["resources"].as_object()["memory"] = limits()["memory"];
    bundle.linux()["resources"].as_object()["pids"] = limits()["pids"];
    bundle.linux()["resources"].as_object()["cpu"] = limits()["cpu"];
    if (!cgroups_path.empty()) {
      bundle.linux()["cgroupsPath"] = cgroups_path;
    }
    bundle.save();
    Result r = rt.run({"run", "--detach", "--bundle", bundle.path(), id});
    if (r.code != 0) {
      throw Error("run --detach " + id + ": " + r.err);
    }
  }
  Runtime rt;
  Bundle bundle;
  std::string id;
};

TEST(Cgroups, LimitsAreWrittenToTheContainersCgroup) {
  SKIFF_SKIP_UNLESS_CGROUP_V1();
  RunningContainer c("limits");
  EXPECT_EQ(cgroup_file("memory", c.id, "memory.limit_in_bytes"), "67108864");
  EXPECT_EQ(cgroup_file("pids", c.id, "pids.max"), "50");
  EXPECT_EQ(cgroup_file("cpu", c.id, "cpu.shares"), "512");
  EXPECT_EQ(cgroup_file("cpu", c.id, "cpu.cfs_quota_us"), "50000");
  EXPECT_EQ(cgroup_file("cpu", c.id, "cpu.cfs_period_us"), "100000");
  // The container's process is in it, in every hierarchy.
  std::string pid = std::to_string(state_of(c.rt, c.id).at("pid").as_int64());
  for (const char* h : {"memory", "pids", "cpu", "freezer", "devices"}) {
    EXPECT_NE(read_file(host_cgroup_dir(h, c.id) + "/cgroup.procs").find(pid + "\n"), std::string::npos) << h;
  }
  // Inside, the cgroup namespace and the cgroup mount show the same files at the root.
  Result r =
      c.rt.run({"exec", c.id, "cat", "/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/pids/pids.max",
                "/sys/fs/cgroup/cpu/cpu.shares", "/sys/fs/cgroup/cpu/cpu.cfs_quota_us"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "67108864\n50\n512\n50000\n");
}

TEST(Cgroups, CgroupMountIsReadOnlyInside) {
  SKIFF_SKIP_UNLESS_CGROUP_V1();
  RunningContainer c("cgro");
  Result r = c.rt.run({"exec", c.id, "sh", "-c", "echo 100 > /sys/fs/cgroup/pids/pids.max"});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("Read-only file system"), std::string::npos) << r.err;
  EXPECT_EQ(cgroup_file("pids", c.id, "pids.max"), "50");
}

TEST(Cgroups, RelativeCgroupsPathIsBelowOurOwnCgroup) {
  SKIFF_SKIP_UNLESS_CGROUP_V1();
  std::string name = unique_id("skiff-itest-cg");
  std::string dir;
  {
    RunningContainer c("cgpath", name);
    dir = host_cgroup_dir("pids", name);
    EXPECT_TRUE(path_exists(dir)) << dir;
    EXPECT_EQ(cgroup_file("pids", name, "pids.max"), "50");
    EXPECT_FALSE(path_exists(host_cgroup_dir("pids", c.id)));
    Result del = c.rt.run({"delete", "--force", c.id});
    ASSERT_EQ(del.code, 0) << del.err;
    EXPECT_FALSE(path_exists(dir)) << dir;
  }
}

TEST(Cgroups, RelativeCgroupsPathCannotClimbAboveOurCgroup) {
  SKIFF_SKIP_UNLESS_CGROUP_V1();
  std::string name = unique_id("skiff-itest-climb");
  RunningContainer c("climb", "../../../" + name);
  // ".." stops at our own cgroup: the container's lies right below it in every hierarchy.
  EXPECT_EQ(cgroup_file("pids", name, "pids.max"), "50");
  EXPECT_EQ(cgroup_file("memory", name, "memory.limit_in_bytes"), "67108864");
  std::string own = own_cgroup("memory");
  if (own != "/") {
    EXPECT_FALSE(path_exists("/sys/fs/cgroup/memory/" + name));
  }
  ASSERT_EQ(c.rt.run({"delete", "--force", c.id}).code, 0);
  EXPECT_FALSE(path_exists(host_cgroup_dir("memory", name)));
}

TEST(Cgroups, UpdateWithFlags) {
  SKIFF_SKIP_UNLESS_CGROUP_V1();
  RunningContainer c("update");
  Result r = c.rt.run({"update", "--memory", "128M", "--pids-limit", "77", "--cpu-share", "256", c.id});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(cgroup_file("memory", c.id, "memory.limit_in_bytes"), "134217728");
  EXPECT_EQ(cgroup_file("pids", c.id, "pids.max"), "77");
  EXPECT_EQ(cgroup_file("cpu", c.id, "cpu.shares"), "256");
  // What was not named stays.
  EXPECT_EQ(cgroup_file("cpu", c.id, "cpu.cfs_quota_us"), "50000");
  Result inside = c.rt.run({"exec", c.id, "cat", "/sys/fs/cgroup/pids/pids.max"});
  EXPECT_EQ(inside.out, "77\n") << inside.err;
  EXPECT_EQ(status_of(c.rt, c.id), "running");
}

TEST(Cgroups, UpdateWithResourcesFromStdin) {
  SKIFF_SKIP_UNLESS_CGROUP_V1();
  RunningContainer c("update-json");
  Result r = c.rt.run({"update", "--resources", "-", c.id},
                      R"({"memory": {"limit": 100663296}, "pids": {"limit": 33}, "cpu": {"quota": 20000}})");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(cgroup_file("memory", c.id, "memory.limit_in_bytes"), "100663296");
  EXPECT_EQ(cgroup_file("pids", c.id, "pids.max"), "33");
  EXPECT_EQ(cgroup_file("cpu", c.id, "cpu.cfs_quota_us"), "20000");
  EXPECT_EQ(cgroup_file("cpu", c.id, "cpu.shares"), "512");
}

TEST(Cgroups, UpdateWithResourcesFile) {
  SKIFF_SKIP_UNLESS_CGROUP_V1();
  RunningContainer c("update-file");
  TempDir dir;
  write_file(dir.path() + "/resources.json", R"({"pids": {"limit": 44}})");
  Result r = c.rt.run({"update", "-r", dir.path() + "/resources.json", c.id});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(cgroup_file("pids", c.id, "pids.max"), "44");
}

TEST(Cgroups, UpdateWithBadValuesFailsNamingThem) {
  SKIFF_SKIP_UNLESS_CGROUP_V1();
  RunningContainer c("update-bad");
  Result r = c.rt.run({"update", "--memory", "lots", c.id});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("--memory"), std::string::npos) << r.err;
  Result j = c.rt.run({"update", "--resources", "-", c.id}, "{ not json");
  EXPECT_NE(j.code, 0);
  EXPECT_NE(j.err.find("stdin"), std::string::npos) << j.err;
  EXPECT_EQ(cgroup_file("memory", c.id, "memory.limit_in_bytes"), "67108864");
}

TEST(Cgroups, PidsLimitIsEnforcedInside) {
  SKIFF_SKIP_UNLESS_CGROUP_V1();
  Runtime rt;
  Bundle bundle;
  bundle.linux()["resources"].as_object()["pids"] = boost::json::object{{"limit", 5}};
  // sh is one, the subshell another, each backgrounded sleep one more: forks past the limit fail
  // with EAGAIN. Only builtins run afterwards (a fork could fail), and kill -1 ends the sleeps.
  Result r = run_in_container(rt, bundle, unique_id("pidsmax"),
                              "(for i in 1 2 3 4 5 6 7 8; do sleep 100 & done); "
                              "read n < /sys/fs/cgroup/pids/pids.current; echo \"current=$n\"; "
                              "read m < /sys/fs/cgroup/pids/pids.max; echo \"max=$m\"; kill -9 -1; true");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("can't fork"), std::string::npos) << r.err;
  ASSERT_EQ(r.out.substr(0, 8), "current=") << r.out;
  EXPECT_LE(std::atoi(r.out.c_str() + 8), 5) << r.out;
  EXPECT_NE(r.out.find("max=5\n"), std::string::npos) << r.out;
}

TEST(Cgroups, PauseAndResume) {
  SKIFF_SKIP_UNLESS_CGROUP_V1();
  RunningContainer c("pause");
  Result p = c.rt.run({"pause", c.id});
  ASSERT_EQ(p.code, 0) << p.err;
  EXPECT_EQ(status_of(c.rt, c.id), "paused");
  EXPECT_EQ(cgroup_file("freezer", c.id, "freezer.state"), "FROZEN");
  Result list = c.rt.run({"list", "--format", "json"});
  EXPECT_NE(list.out.find("\"paused\""), std::string::npos) << list.out;
  // Pausing twice is refused; resume brings it back.
  Result again = c.rt.run({"pause", c.id});
  EXPECT_NE(again.code, 0);
  EXPECT_NE(again.err.find("paused"), std::string::npos) << again.err;
  Result res = c.rt.run({"resume", c.id});
  ASSERT_EQ(res.code, 0) << res.err;
  EXPECT_EQ(status_of(c.rt, c.id), "running");
  EXPECT_EQ(cgroup_file("freezer", c.id, "freezer.state"), "THAWED");
  Result exec = c.rt.run({"exec", c.id, "echo", "alive"});
  EXPECT_EQ(exec.out, "alive\n") << exec.err;
  Result resume_again = c.rt.run({"resume", c.id});
  EXPECT_NE(resume_again.code, 0);
  EXPECT_NE(resume_again.err.find("not paused"), std::string::npos) << resume_again.err;
}

TEST(Cgroups, DeleteForceOfAPausedContainer) {
  RunningContainer c("pausedel");
  ASSERT_EQ(c.rt.run({"pause", c.id}).code, 0);
  Result d = c.rt.run({"delete", "--force", c.id});
  ASSERT_EQ(d.code, 0) << d.err;
  EXPECT_EQ(joined(leftovers(c.rt, c.id, c.bundle.path())), "");
}

TEST(Cgroups, CgroupsAreRemovedOnDelete) {
  std::string id;
  std::string bundle_path;
  {
    RunningContainer c("cgdel");
    id = c.id;
    EXPECT_TRUE(path_exists(host_cgroup_dir("memory", id)));
    ASSERT_EQ(c.rt.run({"kill", id, "KILL"}).code, 0);
    EXPECT_EQ(wait_for_status(c.rt, id, "stopped"), "stopped");
    Result d = c.rt.run({"delete", id});
    ASSERT_EQ(d.code, 0) << d.err;
    EXPECT_EQ(joined(leftovers(c.rt, id, c.bundle.path())), "");
  }
}

}  // namespace
}  // namespace skiff::testing

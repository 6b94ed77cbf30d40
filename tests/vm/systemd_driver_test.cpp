// The systemd cgroup driver (skiff-runtime --systemd-cgroup) on a cgroup v2 host with systemd:
// the container's cgroup is a transient scope of systemd's, its limits are unit properties in
// force in the scope's cgroup files, and its processes live in the scope's sub-cgroup
// "container". SystemdDriver runs as root against the system manager; RootlessSystemdDriver as
// an unprivileged user with lingering, against the user's own manager (systemctl --user).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/json.h"
#include "skiff/base/strings.h"
#include "skiff/base/subprocess.h"
#include "skiff/cgroups/manager.h"
#include "test_support.h"

namespace skiff::testing {
namespace {

Result host(const std::vector<std::string>& args) {
  SubprocessOptions options;
  options.args = args;
  options.timeout = std::chrono::seconds(60);
  auto r = run_subprocess(options);
  return {r.signal != 0 ? 128 + r.signal : r.exit_code, r.out, r.err};
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) {
    s.pop_back();
  }
  return s;
}

// "" when the file is missing.
std::string file_value(const std::string& path) {
  return path_exists(path) ? trimmed(read_file(path)) : "";
}

// The words of a file's text, split on spaces and newlines (cgroup.controllers, cgroup.procs).
std::set<std::string> words(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  std::set<std::string> out;
  for (const std::string& w : split(text, ' ')) {
    if (!w.empty()) {
      out.insert(w);
    }
  }
  return out;
}

boost::json::object limits() {
  return json::parse(R"({
    "memory": {"limit": 67108864},
    "pids": {"limit": 50},
    "cpu": {"quota": 50000, "period": 100000, "cpus": "0"}
  })",
                     "limits")
      .as_object();
}

// Runs against the system manager (root) or the caller's own (rootless): systemctl [--user].
class SystemdDriverBase : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!path_exists("/sys/fs/cgroup/cgroup.controllers") || !path_exists("/run/systemd/system")) {
      GTEST_SKIP() << "needs a cgroup v2 host with systemd (tests/vm/run.sh boots one)";
    }
  }

  [[nodiscard]] virtual bool user() const = 0;

  Result systemctl(std::vector<std::string> args) const {
    args.insert(args.begin(), "--no-pager");
    if (user()) {
      args.insert(args.begin(), "--user");
    }
    args.insert(args.begin(), "systemctl");
    return host(args);
  }

  // One property of a unit, as `systemctl show -p <property> --value` prints it.
  std::string show(const std::string& unit, const std::string& property) const {
    return trimmed(systemctl({"show", "-p", property, "--value", unit}).out);
  }

  // The unit's cgroup directory, from systemd itself.
  std::string unit_dir(const std::string& unit) const {
    std::string cgroup = show(unit, "ControlGroup");
    return cgroup.empty() ? "" : "/sys/fs/cgroup" + cgroup;
  }

  // skiff-runtime --systemd-cgroup run --detach: a container running sleep with limits.
  Result run_detached(Bundle& bundle, const std::string& id, const boost::json::object& resources,
                      const std::string& cgroups_path = "") {
    bundle.set_args({"sleep", "1000"});
    bundle.linux()["resources"] = resources;
    if (!cgroups_path.empty()) {
      bundle.linux()["cgroupsPath"] = cgroups_path;
    }
    bundle.save();
    return rt_.run({"--systemd-cgroup", "run", "--detach", "--bundle", bundle.path(), id});
  }

  int64_t pid_of(const std::string& id) const {
    Result r = rt_.run({"state", id});
    if (r.code != 0) {
      return 0;
    }
    return json::parse(r.out, "state").as_object().at("pid").as_int64();
  }

  // Polls (bounded) until systemd no longer has the unit running and its cgroup is gone.
  bool wait_unit_gone(const std::string& unit, const std::string& dir) const {
    for (int i = 0; i < 200; ++i) {
      std::string state = show(unit, "ActiveState");
      if ((state == "inactive" || state.empty()) && !path_exists(dir)) {
        return true;
      }
      ::usleep(50000);
    }
    return false;
  }

  Runtime rt_;
};

class SystemdDriver : public SystemdDriverBase {
 protected:
  void SetUp() override {
    SystemdDriverBase::SetUp();
    if (::geteuid() != 0) {
      GTEST_SKIP() << "runs as root, against the system manager";
    }
  }
  [[nodiscard]] bool user() const override { return false; }
};

TEST_F(SystemdDriver, ScopeHoldsTheContainerWithItsLimits) {
  Bundle bundle;
  std::string id = unique_id("sd-scope");
  std::string unit = "skiff-" + id + ".scope";
  Result r = run_detached(bundle, id, limits());
  ASSERT_EQ(r.code, 0) << r.err;

  EXPECT_EQ(show(unit, "ActiveState"), "active");
  EXPECT_EQ(show(unit, "Slice"), "system.slice");
  EXPECT_EQ(show(unit, "Delegate"), "yes");
  EXPECT_EQ(show(unit, "Description"), "skiff container " + id);
  Result status = systemctl({"status", unit});
  EXPECT_EQ(status.code, 0) << status.out << status.err;
  EXPECT_NE(status.out.find(unit), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("sleep 1000"), std::string::npos) << status.out;

  // The properties systemd was given, and the scope's cgroup files it wrote from them.
  EXPECT_EQ(show(unit, "MemoryMax"), "67108864");
  EXPECT_EQ(show(unit, "TasksMax"), "50");
  EXPECT_EQ(show(unit, "CPUQuotaPerSecUSec"), "500ms");
  std::string dir = unit_dir(unit);
  ASSERT_EQ(dir, "/sys/fs/cgroup/system.slice/" + unit);
  EXPECT_EQ(file_value(dir + "/memory.max"), "67108864");
  EXPECT_EQ(file_value(dir + "/pids.max"), "50");
  EXPECT_EQ(file_value(dir + "/cpu.max"), "50000 100000");
  EXPECT_EQ(file_value(dir + "/cpuset.cpus"), "0");

  // The container's process is in the scope's sub-cgroup, which has the limits too.
  int64_t pid = pid_of(id);
  ASSERT_GT(pid, 0);
  EXPECT_EQ(file_value("/proc/" + std::to_string(pid) + "/cgroup"), "0::/system.slice/" + unit + "/container");
  EXPECT_EQ(file_value(dir + "/cgroup.procs"), "");
  EXPECT_EQ(file_value(dir + "/container/memory.max"), "67108864");
  EXPECT_EQ(file_value(dir + "/container/pids.max"), "50");
  // In its cgroup namespace, the container sees its own cgroup at the root.
  Result inside = rt_.run({"exec", id, "cat", "/proc/self/cgroup", "/sys/fs/cgroup/memory.max"});
  ASSERT_EQ(inside.code, 0) << inside.err;
  EXPECT_EQ(inside.out, "0::/\n67108864\n");

  Result deleted = rt_.run({"delete", "--force", id});
  EXPECT_EQ(deleted.code, 0) << deleted.err;
}

TEST_F(SystemdDriver, UpdateChangesTheUnitAndItsFiles) {
  Bundle bundle;
  std::string id = unique_id("sd-update");
  std::string unit = "skiff-" + id + ".scope";
  Result r = run_detached(bundle, id, limits());
  ASSERT_EQ(r.code, 0) << r.err;
  std::string dir = unit_dir(unit);
  ASSERT_FALSE(dir.empty());
  bool two_cpus = ::sysconf(_SC_NPROCESSORS_ONLN) >= 2;

  std::vector<std::string> args = {"update", "--memory", "128M", "--pids-limit", "77", "--cpu-quota", "20000"};
  if (two_cpus) {
    args.insert(args.end(), {"--cpuset-cpus", "1"});
  }
  args.push_back(id);
  Result updated = rt_.run(args);
  ASSERT_EQ(updated.code, 0) << updated.err;
  EXPECT_EQ(show(unit, "MemoryMax"), "134217728");
  EXPECT_EQ(show(unit, "TasksMax"), "77");
  EXPECT_EQ(show(unit, "CPUQuotaPerSecUSec"), "200ms");
  EXPECT_EQ(file_value(dir + "/memory.max"), "134217728");
  EXPECT_EQ(file_value(dir + "/pids.max"), "77");
  EXPECT_EQ(file_value(dir + "/cpu.max"), "20000 100000");
  EXPECT_EQ(file_value(dir + "/container/memory.max"), "134217728");
  EXPECT_EQ(file_value(dir + "/container/pids.max"), "77");
  if (two_cpus) {
    EXPECT_EQ(file_value(dir + "/cpuset.cpus"), "1");
  }

  // A limit below what the container uses is refused before systemd lowers anything.
  Result refused = rt_.run({"update", "--resources", "-", id},
                           std::string(R"({"memory": {"limit": 4096, "checkBeforeUpdate": true}})"));
  EXPECT_NE(refused.code, 0);
  EXPECT_NE(refused.err.find("below the cgroup's current usage"), std::string::npos) << refused.err;
  EXPECT_EQ(show(unit, "MemoryMax"), "134217728");
  EXPECT_EQ(rt_.run({"delete", "--force", id}).code, 0);
}

TEST_F(SystemdDriver, PauseResumeExecAndKillAll) {
  Bundle bundle;
  std::string id = unique_id("sd-pause");
  std::string unit = "skiff-" + id + ".scope";
  ASSERT_EQ(run_detached(bundle, id, limits()).code, 0);
  std::string dir = unit_dir(unit) + "/container";

  Result exec = rt_.run({"exec", "--detach", id, "sleep", "999"});
  ASSERT_EQ(exec.code, 0) << exec.err;
  // exec's process joins the container's cgroup, not the scope's own.
  EXPECT_EQ(words(file_value(dir + "/cgroup.procs")).size(), 2U) << file_value(dir + "/cgroup.procs");

  ASSERT_EQ(rt_.run({"pause", id}).code, 0);
  EXPECT_EQ(status_of(rt_, id), "paused");
  EXPECT_NE(file_value(dir + "/cgroup.events").find("frozen 1"), std::string::npos);
  // The scope itself stays active while the container is frozen.
  EXPECT_EQ(show("skiff-" + id + ".scope", "ActiveState"), "active");
  ASSERT_EQ(rt_.run({"resume", id}).code, 0);
  EXPECT_EQ(status_of(rt_, id), "running");
  EXPECT_NE(file_value(dir + "/cgroup.events").find("frozen 0"), std::string::npos);

  Result ps = rt_.run({"ps", "--format", "json", id});
  ASSERT_EQ(ps.code, 0) << ps.err;
  EXPECT_EQ(json::parse(ps.out, "ps").as_array().size(), 2U) << ps.out;

  ASSERT_EQ(rt_.run({"kill", "--all", id, "KILL"}).code, 0);
  EXPECT_EQ(wait_for_status(rt_, id, "stopped"), "stopped");
  EXPECT_EQ(rt_.run({"delete", id}).code, 0);
  EXPECT_TRUE(wait_unit_gone(unit, unit_dir(unit)));
}

TEST_F(SystemdDriver, DeleteStopsTheScope) {
  Bundle bundle;
  std::string id = unique_id("sd-delete");
  std::string unit = "skiff-" + id + ".scope";
  ASSERT_EQ(run_detached(bundle, id, limits()).code, 0);
  std::string dir = unit_dir(unit);
  ASSERT_TRUE(path_exists(dir));
  Result deleted = rt_.run({"delete", "--force", id});
  ASSERT_EQ(deleted.code, 0) << deleted.err;
  EXPECT_TRUE(wait_unit_gone(unit, dir)) << show(unit, "ActiveState");
  EXPECT_NE(show(unit, "LoadState"), "loaded");
  EXPECT_NE(systemctl({"status", unit}).code, 0);

  // A container that ended by itself: systemd stops its empty scope, and delete still works.
  Bundle short_lived;
  std::string id2 = unique_id("sd-exited");
  std::string unit2 = "skiff-" + id2 + ".scope";
  short_lived.set_args({"true"});
  short_lived.save();
  ASSERT_EQ(rt_.run({"--systemd-cgroup", "run", "--detach", "--bundle", short_lived.path(), id2}).code, 0);
  EXPECT_EQ(wait_for_status(rt_, id2, "stopped"), "stopped");
  Result deleted2 = rt_.run({"delete", id2});
  EXPECT_EQ(deleted2.code, 0) << deleted2.err;
  EXPECT_TRUE(wait_unit_gone(unit2, "/sys/fs/cgroup/system.slice/" + unit2));
}

TEST_F(SystemdDriver, ForegroundRunCleansUp) {
  Bundle bundle;
  std::string id = unique_id("sd-fg");
  bundle.set_args({"sh", "-c", "cat /proc/self/cgroup; exit 3"});
  bundle.save();
  Result r = rt_.run({"--systemd-cgroup", "run", "--bundle", bundle.path(), id});
  EXPECT_EQ(r.code, 3) << r.err;
  EXPECT_EQ(r.out, "0::/\n");
  std::string unit = "skiff-" + id + ".scope";
  EXPECT_TRUE(wait_unit_gone(unit, "/sys/fs/cgroup/system.slice/" + unit));
}

TEST_F(SystemdDriver, CgroupsPathNamesTheSliceAndTheUnit) {
  Bundle bundle;
  std::string id = unique_id("sd-path");
  std::string unit = "skifftest-" + id + ".scope";
  // A slice that does not exist yet: systemd makes it (and its parent) for the scope.
  Result r = run_detached(bundle, id, limits(), "skiff-test.slice:skifftest:" + id);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(show(unit, "ActiveState"), "active");
  EXPECT_EQ(unit_dir(unit), "/sys/fs/cgroup/skiff.slice/skiff-test.slice/" + unit);
  int64_t pid = pid_of(id);
  EXPECT_EQ(file_value("/proc/" + std::to_string(pid) + "/cgroup"),
            "0::/skiff.slice/skiff-test.slice/" + unit + "/container");
  // The same unit again is another container's: refused, and the first one is untouched.
  Bundle second;
  Result again = run_detached(second, unique_id("sd-path2"), limits(), "skiff-test.slice:skifftest:" + id);
  EXPECT_NE(again.code, 0);
  EXPECT_NE(again.err.find("already has a unit " + unit), std::string::npos) << again.err;
  EXPECT_EQ(show(unit, "ActiveState"), "active");
  EXPECT_EQ(rt_.run({"delete", "--force", id}).code, 0);
  EXPECT_TRUE(wait_unit_gone(unit, "/sys/fs/cgroup/skiff.slice/skiff-test.slice/" + unit));
  systemctl({"stop", "skiff.slice"});
}

TEST_F(SystemdDriver, MalformedCgroupsPathIsRefused) {
  Bundle bundle;
  std::string id = unique_id("sd-bad");
  Result r = run_detached(bundle, id, limits(), "/skiff/" + id);
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("linux.cgroupsPath \"/skiff/" + id + "\""), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("slice:prefix:name"), std::string::npos) << r.err;
  EXPECT_FALSE(path_exists(rt_.root() + "/" + id));
}

class RootlessSystemdDriver : public SystemdDriverBase {
 protected:
  void SetUp() override {
    SystemdDriverBase::SetUp();
    if (::geteuid() == 0) {
      GTEST_SKIP() << "runs as an unprivileged user in its systemd user session";
    }
  }
  [[nodiscard]] bool user() const override { return true; }

  // The controllers the system manager delegated to this user's manager.
  std::set<std::string> delegated() const {
    std::string manager = trimmed(systemctl({"show", "-p", "ControlGroup", "--value"}).out);
    return words(file_value("/sys/fs/cgroup" + manager + "/cgroup.controllers"));
  }
};

TEST_F(RootlessSystemdDriver, ScopeUnderTheUsersManager) {
  Bundle bundle({"--rootless"});
  std::string id = unique_id("sd-user");
  std::string unit = "skiff-" + id + ".scope";
  auto resources = json::parse(R"({"memory": {"limit": 67108864}, "pids": {"limit": 30}})", "r").as_object();
  Result r = run_detached(bundle, id, resources);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(show(unit, "ActiveState"), "active");
  EXPECT_EQ(show(unit, "Slice"), "user.slice");
  std::string dir = unit_dir(unit);
  std::string uid = std::to_string(::getuid());
  EXPECT_EQ(dir, "/sys/fs/cgroup/user.slice/user-" + uid + ".slice/user@" + uid + ".service/user.slice/" + unit);
  EXPECT_EQ(file_value(dir + "/memory.max"), "67108864");
  EXPECT_EQ(file_value(dir + "/pids.max"), "30");
  int64_t pid = pid_of(id);
  ASSERT_GT(pid, 0);
  std::string own = file_value("/proc/" + std::to_string(pid) + "/cgroup");
  EXPECT_EQ("/sys/fs/cgroup" + own.substr(3), dir + "/container");

  // The pids limit holds: 30 tasks at most, whatever the container forks.
  Result forks = rt_.run({"exec", id, "sh", "-c", "for i in $(seq 40); do sleep 1000 & done"});
  EXPECT_NE(forks.err.find("fork"), std::string::npos) << forks.err;
  int current = std::stoi("0" + file_value(dir + "/pids.current"));
  EXPECT_LE(current, 30);
  EXPECT_GE(current, 20);

  Result updated = rt_.run({"update", "--memory", "100M", id});
  EXPECT_EQ(updated.code, 0) << updated.err;
  EXPECT_EQ(show(unit, "MemoryMax"), "104857600");
  EXPECT_EQ(file_value(dir + "/memory.max"), "104857600");

  Result deleted = rt_.run({"delete", "--force", id});
  EXPECT_EQ(deleted.code, 0) << deleted.err;
  EXPECT_TRUE(wait_unit_gone(unit, dir));
}

TEST_F(RootlessSystemdDriver, UndelegatedControllerIsAClearError) {
  std::set<std::string> available = words(file_value("/sys/fs/cgroup/cgroup.controllers"));
  std::set<std::string> mine = delegated();
  if (!available.contains("hugetlb") || mine.contains("hugetlb")) {
    GTEST_SKIP() << "needs a hugetlb controller that this user was not delegated";
  }
  Bundle bundle({"--rootless"});
  std::string id = unique_id("sd-nodeleg");
  auto resources = json::parse(R"({"hugepageLimits": [{"pageSize": "2MB", "limit": 0}]})", "r").as_object();
  Result r = run_detached(bundle, id, resources);
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("linux.resources.hugepageLimits needs the hugetlb controller, which systemd does not "
                       "delegate to user " +
                       std::to_string(::getuid()) + ": add Delegate=hugetlb to user@.service"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(path_exists(rt_.root() + "/" + id));
  EXPECT_NE(show("skiff-" + id + ".scope", "ActiveState"), "active");
}

}  // namespace
}  // namespace skiff::testing

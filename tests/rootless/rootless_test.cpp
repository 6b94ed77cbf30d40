// Rootless containers: run by ctest through run-as-user.sh, as the unprivileged user
// skiff-rootless, which has a subordinate id range in /etc/subuid and /etc/subgid and no
// delegated cgroup.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/json.h"
#include "skiff/base/strings.h"
#include "skiff/base/subprocess.h"
#include "skiff/cgroups/manager.h"
#include "skiff/cgroups/own_cgroup.h"
#include "test_support.h"

namespace skiff::testing {
namespace {

// Where a rootless container's cgroup goes on cgroup v2 (beside the caller's own), when this
// user may make cgroups there: systemd delegated the user's cgroup (user@.service, Delegate=).
// Empty elsewhere (the development machine's cgroup v1 hybrid): limits are then skipped.
std::string delegated_cgroup_base() {
  if (cgroups::detect_mode() != cgroups::Mode::v2) {
    return "";
  }
  std::string base = "/sys/fs/cgroup" + cgroups::v2_relative_base(own_cgroup(""));
  return ::access(base.c_str(), W_OK) == 0 ? base : "";
}

struct SubIdRange {
  uint32_t start = 0;
  uint32_t size = 0;
};

// The caller's range in /etc/subuid or /etc/subgid (by name or by number), as newuidmap reads it.
std::optional<SubIdRange> own_range(const std::string& file, uint32_t id) {
  std::string user = std::getenv("USER") != nullptr ? std::getenv("USER") : "";
  std::string text;
  try {
    text = read_file(file);
  } catch (const Error&) {
    return std::nullopt;
  }
  for (const auto& line : split(text, '\n')) {
    auto fields = split(line, ':');
    if (fields.size() != 3 || (fields[0] != user && fields[0] != std::to_string(id))) {
      continue;
    }
    return SubIdRange{static_cast<uint32_t>(parse_uint(fields[1], file)),
                      static_cast<uint32_t>(parse_uint(fields[2], file))};
  }
  return std::nullopt;
}

boost::json::array mapping(uint32_t container_id, uint32_t host_id, uint32_t size) {
  return boost::json::array{{{"containerID", container_id}, {"hostID", host_id}, {"size", size}}};
}

class Rootless : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() == 0) {
      GTEST_SKIP() << "the rootless tests run as an unprivileged user: run them through ctest (run-as-user.sh)";
    }
    uid_ = ::getuid();
    gid_ = ::getgid();
  }

  // A rootless bundle whose user namespace maps container 0 to the caller and 1..65536 to its
  // subordinate range, so that processes may run as other ids than root.
  void use_range_mapping(Bundle& bundle) {
    auto subuid = own_range("/etc/subuid", uid_);
    auto subgid = own_range("/etc/subgid", gid_);
    ASSERT_TRUE(subuid && subgid) << "no range for this user in /etc/subuid and /etc/subgid";
    ASSERT_GE(subuid->size, 65536u);
    ASSERT_GE(subgid->size, 65536u);
    subuid_ = *subuid;
    subgid_ = *subgid;
    boost::json::array uids = mapping(0, uid_, 1);
    uids.push_back(mapping(1, subuid_.start, 65536)[0]);
    boost::json::array gids = mapping(0, gid_, 1);
    gids.push_back(mapping(1, subgid_.start, 65536)[0]);
    bundle.linux()["uidMappings"] = uids;
    bundle.linux()["gidMappings"] = gids;
  }

  uid_t uid_ = 0;
  gid_t gid_ = 0;
  SubIdRange subuid_;
  SubIdRange subgid_;
};

TEST_F(Rootless, SpecRootlessMapsTheCallerAndRuns) {
  Runtime rt;
  Bundle bundle({"--rootless"});
  const auto& uids = bundle.linux().at("uidMappings").as_array();
  ASSERT_EQ(uids.size(), 1u);
  EXPECT_EQ(uids[0].at("hostID").to_number<uint32_t>(), uid_);
  EXPECT_EQ(uids[0].at("size").to_number<uint32_t>(), 1u);
  Result r = run_in_container(rt, bundle, unique_id("spec"),
                              "id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map; hostname; "
                              "ls /dev/null /dev/zero /dev/pts/ptmx /sys/kernel >/dev/null && echo devices ok");
  ASSERT_EQ(r.code, 0) << r.err;
  auto lines = split(r.out, '\n');
  ASSERT_GE(lines.size(), 6u) << r.out;
  EXPECT_EQ(lines[0], "0");
  EXPECT_EQ(lines[1], "0");
  EXPECT_EQ(split(std::string(trim(lines[2])), ' ').front(), "0");
  EXPECT_NE(lines[2].find(" " + std::to_string(uid_) + " "), std::string::npos) << lines[2];
  EXPECT_NE(lines[3].find(" " + std::to_string(gid_) + " "), std::string::npos) << lines[3];
  EXPECT_EQ(lines[4], "skiff");
  EXPECT_EQ(lines[5], "devices ok");
}

TEST_F(Rootless, DevicesAreTheHostsNodesBound) {
  Runtime rt;
  Bundle bundle({"--rootless"});
  Result r = run_in_container(rt, bundle, unique_id("dev"),
                              "echo hi > /dev/null && head -c 4 /dev/zero | wc -c && stat -c '%t:%T' /dev/null");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "4\n1:3\n");
}

TEST_F(Rootless, RangeMappingThroughNewuidmap) {
  Runtime rt;
  Bundle bundle({"--rootless"});
  use_range_mapping(bundle);
  if (HasFatalFailure()) {
    return;
  }
  Result r = run_in_container(rt, bundle, unique_id("range"),
                              "id -u; id -g; cat /proc/self/uid_map; cat /proc/self/gid_map; cat /proc/self/setgroups");
  ASSERT_EQ(r.code, 0) << r.err;
  auto lines = split(r.out, '\n');
  ASSERT_GE(lines.size(), 7u) << r.out;
  EXPECT_EQ(lines[0], "0");
  EXPECT_EQ(lines[1], "0");
  auto fields = [](const std::string& line) {
    std::vector<std::string> out;
    for (const auto& f : split(std::string(trim(line)), ' ')) {
      if (!f.empty()) {
        out.push_back(f);
      }
    }
    return out;
  };
  EXPECT_EQ(fields(lines[2]), (std::vector<std::string>{"0", std::to_string(uid_), "1"}));
  EXPECT_EQ(fields(lines[3]), (std::vector<std::string>{"1", std::to_string(subuid_.start), "65536"}));
  EXPECT_EQ(fields(lines[4]), (std::vector<std::string>{"0", std::to_string(gid_), "1"}));
  EXPECT_EQ(fields(lines[5]), (std::vector<std::string>{"1", std::to_string(subgid_.start), "65536"}));
  // newgidmap leaves setgroups allowed, so additional groups work.
  EXPECT_EQ(lines[6], "allow");
}

TEST_F(Rootless, RangeMappingRunsAsAnotherUserWithGroups) {
  Runtime rt;
  Bundle bundle({"--rootless"});
  use_range_mapping(bundle);
  if (HasFatalFailure()) {
    return;
  }
  bundle.process()["user"] = {{"uid", 1000}, {"gid", 1000}, {"additionalGids", {10, 20}}};
  Result r =
      run_in_container(rt, bundle, unique_id("user"), "id -u; id -g; id -G; touch /tmp/f && stat -c %u:%g /tmp/f");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "1000\n1000\n1000 10 20\n1000:1000\n");
  // The file belongs to the mapped host ids of the subordinate range.
  struct stat st {};
  ASSERT_EQ(::stat((bundle.rootfs() + "/tmp/f").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, subuid_.start + 999);
  EXPECT_EQ(st.st_gid, subgid_.start + 999);
}

TEST_F(Rootless, DefaultStateDirIsUnderXdgRuntimeDir) {
  const char* xdg = std::getenv("XDG_RUNTIME_DIR");
  ASSERT_TRUE(xdg != nullptr && *xdg != '\0') << "run-as-user.sh sets XDG_RUNTIME_DIR";
  std::string root = std::string(xdg) + "/skiff";
  bool root_existed = path_exists(root);
  Bundle bundle({"--rootless"});
  bundle.set_args({"sleep", "1000"});
  bundle.save();
  std::string id = unique_id("xdg");
  // No --root: the runtime must pick $XDG_RUNTIME_DIR/skiff itself.
  auto runtime = [&](const std::vector<std::string>& args) {
    SubprocessOptions options;
    options.args = {runtime_path()};
    options.args.insert(options.args.end(), args.begin(), args.end());
    options.timeout = std::chrono::seconds(60);
    return run_subprocess(options);
  };
  struct Cleanup {
    std::function<void()> fn;
    ~Cleanup() { fn(); }
  } cleanup{[&] {
    runtime({"delete", "--force", id});
    if (!root_existed) {
      try {
        remove_all(root);
      } catch (const std::exception&) {
      }
    }
  }};
  auto created = runtime({"create", "--bundle", bundle.path(), id});
  ASSERT_TRUE(created.ok()) << created.err;
  EXPECT_TRUE(path_exists(root + "/" + id + "/state.json")) << root;
  struct stat st {};
  ASSERT_EQ(::stat(root.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, uid_);
  auto listed = runtime({"list", "-q"});
  ASSERT_TRUE(listed.ok()) << listed.err;
  EXPECT_NE(listed.out.find(id + "\n"), std::string::npos) << listed.out;
  auto state = runtime({"state", id});
  ASSERT_TRUE(state.ok()) << state.err;
  EXPECT_EQ(json::parse(state.out, "state").as_object().at("status").as_string(), "created");
  auto deleted = runtime({"delete", "--force", id});
  ASSERT_TRUE(deleted.ok()) << deleted.err;
  EXPECT_FALSE(path_exists(root + "/" + id));
}

TEST_F(Rootless, CgroupResourcesApplyWhereDelegatedElseAreSkippedWithAWarning) {
  Runtime rt;
  Bundle bundle({"--rootless"});
  bundle.linux()["resources"] = {{"memory", {{"limit", 64 * 1024 * 1024}}}, {"pids", {{"limit", 100}}}};
  std::string base = delegated_cgroup_base();
  if (base.empty()) {
    Result r = run_in_container(rt, bundle, unique_id("cg"), "echo still runs");
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, "still runs\n");
    EXPECT_NE(r.err.find("no delegated cgroup"), std::string::npos) << r.err;
    return;
  }
  bundle.set_args({"sleep", "1000"});
  bundle.save();
  std::string id = unique_id("cg");
  Result created = rt.run({"create", "--bundle", bundle.path(), id});
  ASSERT_EQ(created.code, 0) << created.err;
  EXPECT_EQ(created.err.find("no delegated cgroup"), std::string::npos) << created.err;
  EXPECT_EQ(trim(read_file(base + "/" + id + "/memory.max")), "67108864");
  EXPECT_EQ(trim(read_file(base + "/" + id + "/pids.max")), "100");
  ASSERT_EQ(rt.run({"delete", "--force", id}).code, 0);
  EXPECT_FALSE(path_exists(base + "/" + id));
}

TEST_F(Rootless, CreateStartStateKillDelete) {
  Runtime rt;
  Bundle bundle({"--rootless"});
  bundle.set_args({"sleep", "1000"});
  bundle.save();
  std::string id = unique_id("life");
  Result created = rt.run({"create", "--bundle", bundle.path(), id});
  ASSERT_EQ(created.code, 0) << created.err;
  EXPECT_EQ(status_of(rt, id), "created");
  Result state = rt.run({"state", id});
  ASSERT_EQ(state.code, 0) << state.err;
  auto doc = json::parse(state.out, "state").as_object();
  pid_t pid = static_cast<pid_t>(doc.at("pid").to_number<int64_t>());
  EXPECT_GT(pid, 0);
  EXPECT_EQ(doc.at("bundle").as_string(), bundle.path());
  Result started = rt.run({"start", id});
  ASSERT_EQ(started.code, 0) << started.err;
  EXPECT_EQ(status_of(rt, id), "running");
  // The container's process belongs to the caller on the host.
  struct stat st {};
  ASSERT_EQ(::stat(("/proc/" + std::to_string(pid)).c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, uid_);
  Result killed = rt.run({"kill", id, "KILL"});
  ASSERT_EQ(killed.code, 0) << killed.err;
  EXPECT_EQ(wait_for_status(rt, id, "stopped"), "stopped");
  Result deleted = rt.run({"delete", id});
  ASSERT_EQ(deleted.code, 0) << deleted.err;
  Result gone = rt.run({"state", id});
  EXPECT_NE(gone.code, 0);
  EXPECT_NE(gone.err.find("does not exist"), std::string::npos) << gone.err;
}

TEST_F(Rootless, ExecInARunningContainer) {
  Runtime rt;
  Bundle bundle({"--rootless"});
  bundle.set_args({"sleep", "1000"});
  bundle.save();
  std::string id = unique_id("exec");
  Result created = rt.run({"run", "--detach", "--bundle", bundle.path(), id});
  ASSERT_EQ(created.code, 0) << created.err;
  Result r = rt.run({"exec", id, "sh", "-c", "id -u; cat /proc/self/uid_map; echo $$; exit 3"});
  EXPECT_EQ(r.code, 3) << r.err;
  auto lines = split(r.out, '\n');
  ASSERT_GE(lines.size(), 3u) << r.out;
  EXPECT_EQ(lines[0], "0");
  EXPECT_NE(lines[1].find(" " + std::to_string(uid_) + " "), std::string::npos) << lines[1];
  EXPECT_NE(lines[2], "1");  // a new process beside the container's init, in its pid namespace
  Result input = rt.run({"exec", id, "cat"}, std::string("through stdin"));
  EXPECT_EQ(input.code, 0) << input.err;
  EXPECT_EQ(input.out, "through stdin");
  Result deleted = rt.run({"delete", "--force", id});
  EXPECT_EQ(deleted.code, 0) << deleted.err;
}

TEST_F(Rootless, ExecAsAnotherUserWithARangeMapping) {
  Runtime rt;
  Bundle bundle({"--rootless"});
  use_range_mapping(bundle);
  if (HasFatalFailure()) {
    return;
  }
  bundle.set_args({"sleep", "1000"});
  bundle.save();
  std::string id = unique_id("execuser");
  Result created = rt.run({"run", "--detach", "--bundle", bundle.path(), id});
  ASSERT_EQ(created.code, 0) << created.err;
  Result r = rt.run({"exec", "--user", "123:456", id, "sh", "-c", "id -u; id -g"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "123\n456\n");
  Result deleted = rt.run({"delete", "--force", id});
  EXPECT_EQ(deleted.code, 0) << deleted.err;
}

// The root config (`spec` without --rootless) plus a user namespace: sysfs, mqueue, devpts with
// gid=5, a cgroup mount and the devices cgroup rules all meet a user namespace here.
void make_user_namespaced(Bundle& bundle, bool keep_network) {
  boost::json::array namespaces;
  for (const auto& ns : bundle.linux().at("namespaces").as_array()) {
    if (keep_network || ns.at("type") != "network") {
      namespaces.push_back(ns);
    }
  }
  namespaces.push_back(boost::json::object{{"type", "user"}});
  bundle.linux()["namespaces"] = namespaces;
}

TEST_F(Rootless, RootConfigWithARangeMapping) {
  Runtime rt;
  Bundle bundle;
  make_user_namespaced(bundle, true);
  use_range_mapping(bundle);
  if (HasFatalFailure()) {
    return;
  }
  Result r = run_in_container(rt, bundle, unique_id("rootcfg"),
                              "ls -d /sys/kernel /dev/mqueue /dev/pts/ptmx && stat -c %g /dev/pts/ptmx; "
                              "ls /sys/fs/cgroup | grep -c . ; ls /sys/class/net");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("/sys/kernel\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("lo\n"), std::string::npos) << r.out;
  // The root config asks for device rules only, which bound devices do without: no warning,
  // delegated cgroup or not (limits are warned about: CgroupResourcesApply...).
  EXPECT_EQ(r.err.find("no delegated cgroup"), std::string::npos) << r.err;
}

TEST_F(Rootless, RootConfigWithASingleMapping) {
  // Only the caller's own ids are mapped: gid 5 (devpts gid=5) does not exist in the container.
  Runtime rt;
  Bundle bundle;
  make_user_namespaced(bundle, true);
  bundle.linux()["uidMappings"] = mapping(0, uid_, 1);
  bundle.linux()["gidMappings"] = mapping(0, gid_, 1);
  Result r = run_in_container(rt, bundle, unique_id("single"),
                              "ls -d /sys/kernel /dev/mqueue /dev/pts/ptmx /sys/fs/cgroup && echo ok");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("ok\n"), std::string::npos) << r.out;
}

TEST_F(Rootless, SysfsAndMqueueWithoutOwnNamespacesAreBound) {
  // Without its own network namespace the user namespace may not mount sysfs: the host's is bound.
  Runtime rt;
  Bundle bundle;
  make_user_namespaced(bundle, false);
  use_range_mapping(bundle);
  if (HasFatalFailure()) {
    return;
  }
  Result r = run_in_container(rt, bundle, unique_id("nonet"), "ls -d /sys/kernel /dev/mqueue && echo ok");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("ok\n"), std::string::npos) << r.out;
}

TEST_F(Rootless, ProcessSettings) {
  Runtime rt;
  Bundle bundle({"--rootless"});
  bundle.process()["oomScoreAdj"] = 500;
  bundle.process()["rlimits"] = boost::json::array{{{"type", "RLIMIT_NOFILE"}, {"soft", 256}, {"hard", 512}}};
  Result r = run_in_container(rt, bundle, unique_id("proc"), "cat /proc/self/oom_score_adj; ulimit -n; ulimit -Hn");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "500\n256\n512\n");
}

TEST_F(Rootless, ExtraDeviceIsBoundFromTheHost) {
  Runtime rt;
  Bundle bundle({"--rootless"});
  struct stat st {};
  if (::stat("/dev/net/tun", &st) < 0) {
    GTEST_SKIP() << "no /dev/net/tun on this host";
  }
  bundle.linux()["devices"] =
      boost::json::array{{{"path", "/dev/net/tun"}, {"type", "c"}, {"major", 10}, {"minor", 200}, {"fileMode", 0666}}};
  Result r = run_in_container(rt, bundle, unique_id("tun"), "stat -c '%F %t:%T' /dev/net/tun");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "character special file a:c8\n");
}

TEST_F(Rootless, ReadonlyRootAndMaskedPaths) {
  Runtime rt;
  Bundle bundle({"--rootless"});
  bundle.config()["root"].as_object()["readonly"] = true;
  Result r = run_in_container(rt, bundle, unique_id("ro"),
                              "touch /x 2>/dev/null && echo writable; wc -c 2>&1 < /proc/keys; "
                              "echo 1 > /proc/sys/kernel/ns_last_pid 2>/dev/null && echo sys writable; echo done");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "0\ndone\n") << r.err;
}

TEST_F(Rootless, UnownedRangeNamesSubuid) {
  Runtime rt;
  Bundle bundle({"--rootless"});
  // A host range no user owns: newuidmap refuses it.
  boost::json::array uids = mapping(0, uid_, 1);
  uids.push_back(mapping(1, 3000000000u, 65536)[0]);
  bundle.linux()["uidMappings"] = uids;
  Result r = run_in_container(rt, bundle, unique_id("nosub"), "true");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("newuidmap"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("/etc/subuid"), std::string::npos) << r.err;
  // The failed create leaves no container behind.
  Result listed = rt.run({"list", "-q"});
  EXPECT_EQ(listed.out, "") << listed.out;
}

TEST_F(Rootless, UnownedGidRangeNamesSubgid) {
  Runtime rt;
  Bundle bundle({"--rootless"});
  boost::json::array gids = mapping(0, gid_, 1);
  gids.push_back(mapping(1, 3000000000u, 65536)[0]);
  bundle.linux()["gidMappings"] = gids;
  Result r = run_in_container(rt, bundle, unique_id("nosubgid"), "true");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("newgidmap"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("/etc/subgid"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace skiff::testing

// The cgroupfs driver on a pure cgroup v2 host with systemd (the qemu guest of tests/vm/run.sh):
// every linux.resources field in the container's cgroup files, the device allowlist (a BPF
// program), freeze, cgroup.kill, birth in the cgroup (CLONE_INTO_CGROUP), the cgroup namespace,
// OOM kills and live updates, all through the skiff-runtime binary. CgroupV2 runs as root from
// a leaf of the guest service's delegated cgroup; RootlessCgroupV2 as an unprivileged user in
// its systemd user session, in a transient unit with Delegate=yes.
#include <gtest/gtest.h>
#include <sys/sysmacros.h>

#include "../integration/integration_util.h"
#include "events_stream.h"
#include "skiff/base/strings.h"
#include "skiff/cgroups/own_cgroup.h"

namespace skiff::testing {
namespace {

constexpr int64_t kMiB = 1024 * 1024;

bool cgroup_v2_host() {
  return path_exists("/sys/fs/cgroup/cgroup.controllers");
}

// dir/file without its trailing newline; "<missing>" when the file does not exist.
std::string value(const std::string& dir, const std::string& file) {
  std::string path = dir + "/" + file;
  return path_exists(path) ? trimmed(read_file(path)) : "<missing " + path + ">";
}

// The number after key in a "key value" per line file (memory.events, cgroup.events).
uint64_t keyed(const std::string& dir, const std::string& file, const std::string& key) {
  for (const auto& line : split(value(dir, file), '\n')) {
    if (line.starts_with(key + " ")) {
      return std::stoull(line.substr(key.size() + 1));
    }
  }
  return 0;
}

std::vector<std::string> words(const std::string& text) {
  std::vector<std::string> out;
  for (const auto& w : split(text, ' ')) {
    if (!w.empty()) {
      out.push_back(w);
    }
  }
  return out;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  for (const auto& l : split(text, '\n')) {
    if (!l.empty()) {
      out.push_back(l);
    }
  }
  return out;
}

// "/sys/fs/cgroup" + the cgroup2 path in /proc/<pid>/cgroup; "" when the process is gone.
std::string cgroup_dir_of(int64_t pid) {
  std::string text;
  try {
    text = read_file("/proc/" + std::to_string(pid) + "/cgroup");
  } catch (const std::exception&) {
    return "";
  }
  for (const auto& line : split(text, '\n')) {
    if (line.starts_with("0::")) {
      return "/sys/fs/cgroup" + line.substr(3);
    }
  }
  return "";
}

// The cgroup2 directory the runtime saved in the container's state (its cgroups manager's).
std::string saved_cgroup_dir(const Runtime& rt, const std::string& id) {
  auto state = json::parse_file(rt.root() + "/" + id + "/state.json").as_object();
  return std::string(state.at("cgroup").at("dirs").at("unified").as_string());
}

// Where a relative cgroupsPath lands on cgroup v2: beside our own cgroup, in its parent (a
// cgroup2 directory with processes cannot hand controllers down).
std::string relative_base_dir() {
  return "/sys/fs/cgroup" + cgroups::v2_relative_base(own_cgroup(""));
}

// A process in the container's cgroup tree prints what it reads; the result of `exec`.
Result exec_in(const Runtime& rt, const std::string& id, const std::string& script) {
  return rt.run({"exec", id, "sh", "-c", script});
}

// Containers made by one test, each with a relative cgroupsPath of its own; TearDown deletes
// them and checks that neither their cgroup nor their state is left.
class CgroupV2Base : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!cgroup_v2_host()) {
      GTEST_SKIP() << "needs a pure cgroup v2 host (tests/vm/run.sh boots one)";
    }
  }

  void TearDown() override {
    for (const auto& [id, dir] : made_) {
      rt_.run({"delete", "--force", id});
      EXPECT_FALSE(path_exists(dir)) << "cgroup left behind: " << dir;
      EXPECT_FALSE(path_exists(rt_.root() + "/" + id)) << "state left behind for " << id;
    }
  }

  // A bundle whose container gets the cgroupsPath name (relative); remembered for TearDown.
  std::string prepare(Bundle& bundle, const std::string& id, const boost::json::object& resources) {
    std::string name = unique_id("skiff-v2-cg");
    bundle.linux()["cgroupsPath"] = name;
    auto& linux_resources = bundle.linux()["resources"];
    if (!linux_resources.is_object()) {
      linux_resources = boost::json::object();
    }
    for (const auto& kv : resources) {
      linux_resources.as_object()[kv.key()] = kv.value();
    }
    bundle.save();
    std::string dir = relative_base_dir() + "/" + name;
    made_.emplace_back(id, dir);
    return dir;
  }

  // run --detach of args with resources; returns the container's cgroup directory (checked
  // against the init's /proc/<pid>/cgroup and the saved state), or "" after a failed assertion.
  std::string run_detached(Bundle& bundle, const std::string& id, const std::vector<std::string>& args,
                           const boost::json::object& resources) {
    bundle.set_args(args);
    std::string dir = prepare(bundle, id, resources);
    Result r = rt_.run({"run", "--detach", "--bundle", bundle.path(), id});
    EXPECT_EQ(r.code, 0) << r.err;
    if (r.code != 0) {
      return "";
    }
    int64_t pid = state_of(rt_, id).at("pid").as_int64();
    EXPECT_EQ(cgroup_dir_of(pid), dir);
    EXPECT_EQ(saved_cgroup_dir(rt_, id), dir);
    return cgroup_dir_of(pid) == dir ? dir : "";
  }

  Runtime rt_;
  std::vector<std::pair<std::string, std::string>> made_;
};

class CgroupV2 : public CgroupV2Base {
 protected:
  void SetUp() override {
    CgroupV2Base::SetUp();
    if (::geteuid() != 0) {
      GTEST_SKIP() << "runs as root (RootlessCgroupV2 is the unprivileged suite)";
    }
  }
};

TEST_F(CgroupV2, MemoryLimits) {
  Bundle bundle;
  std::string id = unique_id("v2-mem");
  auto resources = json::parse(R"({
    "memory": {"limit": 67108864, "swap": 100663296, "reservation": 33554432},
    "unified": {"memory.high": "50331648"}
  })",
                               "resources")
                       .as_object();
  std::string dir = run_detached(bundle, id, {"sleep", "1000"}, resources);
  ASSERT_FALSE(dir.empty());
  EXPECT_EQ(value(dir, "memory.max"), "67108864");
  EXPECT_EQ(value(dir, "memory.high"), "50331648");
  EXPECT_EQ(value(dir, "memory.low"), "33554432");
  // The spec's swap counts memory plus swap; memory.swap.max only the swap.
  EXPECT_EQ(value(dir, "memory.swap.max"), "33554432");
}

TEST_F(CgroupV2, CpuLimits) {
  Bundle bundle;
  std::string id = unique_id("v2-cpu");
  std::string parent = relative_base_dir();
  // Pin to the last CPU the parent offers (the guest has two), and to memory node 0.
  auto cpus = split(value(parent, "cpuset.cpus.effective"), ',');
  std::string last = cpus.empty() ? "0" : cpus.back().substr(cpus.back().find('-') + 1);
  boost::json::object resources{
      {"cpu", {{"shares", 512}, {"quota", 50000}, {"period", 100000}, {"cpus", last}, {"mems", "0"}}}};
  std::string dir = run_detached(bundle, id, {"sleep", "1000"}, resources);
  ASSERT_FALSE(dir.empty());
  EXPECT_EQ(value(dir, "cpu.max"), "50000 100000");
  // shares 512 -> weight 1 + (512 - 2) * 9999 / 262142, as runc converts.
  EXPECT_EQ(value(dir, "cpu.weight"), "20");
  EXPECT_EQ(value(dir, "cpuset.cpus"), last);
  EXPECT_EQ(value(dir, "cpuset.mems"), "0");
  EXPECT_EQ(value(dir, "cpuset.cpus.effective"), last);
  // The container's processes may run on that CPU only.
  Result r = exec_in(rt_, id, "nproc; cat /sys/fs/cgroup/cpuset.cpus.effective");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "1\n" + last + "\n");
}

TEST_F(CgroupV2, PidsLimitHoldsAForkBomb) {
  Bundle bundle;
  std::string id = unique_id("v2-pids");
  std::string dir = run_detached(bundle, id, {"sleep", "1000"}, {{"pids", {{"limit", 32}}}});
  ASSERT_FALSE(dir.empty());
  EXPECT_EQ(value(dir, "pids.max"), "32");
  Result bomb = rt_.run({"exec", "--detach", id, "sh", "-c", "f() { f | f & }; f"});
  ASSERT_EQ(bomb.code, 0) << bomb.err;
  // The kernel refuses forks past the limit: pids.events counts them, pids.current never passes 32.
  uint64_t refused = 0;
  for (int i = 0; i < 600 && refused == 0; ++i) {
    usleep(50000);
    refused = keyed(dir, "pids.events", "max");
    EXPECT_LE(std::stoull(value(dir, "pids.current")), 32U);
  }
  EXPECT_GE(refused, 1U) << "pids.events: " << value(dir, "pids.events");
  for (int i = 0; i < 20; ++i) {
    EXPECT_LE(std::stoull(value(dir, "pids.current")), 32U);
    usleep(10000);
  }
  // delete --force ends the bomb through cgroup.kill, forks in flight included.
  Result del = rt_.run({"delete", "--force", id});
  EXPECT_EQ(del.code, 0) << del.err;
  EXPECT_FALSE(path_exists(dir)) << dir;
}

// The guest's virtio disk: its major:minor from sysfs.
std::string vda_device() {
  std::string dev = path_exists("/sys/block/vda/dev") ? trimmed(read_file("/sys/block/vda/dev")) : "";
  return dev;
}

boost::json::object throttle(const std::string& device, uint64_t rate) {
  auto colon = device.find(':');
  return {
      {"major", std::stoll(device.substr(0, colon))}, {"minor", std::stoll(device.substr(colon + 1))}, {"rate", rate}};
}

TEST_F(CgroupV2, IoMaxOnTheVirtioDisk) {
  std::string dev = vda_device();
  ASSERT_FALSE(dev.empty()) << "no /sys/block/vda/dev: the guest is booted from a virtio disk";
  Bundle bundle;
  std::string id = unique_id("v2-iomax");
  boost::json::object block_io{
      {"throttleReadBpsDevice", boost::json::array{throttle(dev, 1048576)}},
      {"throttleWriteIOPSDevice", boost::json::array{throttle(dev, 100)}},
  };
  std::string dir = run_detached(bundle, id, {"sleep", "1000"}, {{"blockIO", block_io}});
  ASSERT_FALSE(dir.empty());
  EXPECT_EQ(value(dir, "io.max"), dev + " rbps=1048576 wbps=max riops=max wiops=100");
}

TEST_F(CgroupV2, IoWeight) {
  std::string parent = relative_base_dir();
  if (!path_exists(parent + "/io.weight")) {
    GTEST_SKIP() << "SKIPPED LOUDLY: this guest kernel has no io.weight (no blk-iocost) in " << parent
                 << " (controllers: " << value(parent, "cgroup.controllers") << "); blockIO.weight is untested";
  }
  Bundle bundle;
  std::string id = unique_id("v2-ioweight");
  std::string dir = run_detached(bundle, id, {"sleep", "1000"}, {{"blockIO", {{"weight", 500}}}});
  ASSERT_FALSE(dir.empty());
  // blkio weight 500 -> io.weight 1 + (500 - 10) * 9999 / 990, as runc converts.
  EXPECT_EQ(value(dir, "io.weight"), "default 4950");
}

TEST_F(CgroupV2, HugetlbLimit) {
  ASSERT_TRUE(path_exists("/sys/kernel/mm/hugepages/hugepages-2048kB"))
      << "the guest kernel has no 2 MB huge pages (run.sh boots it with hugepages=16)";
  Bundle bundle;
  std::string id = unique_id("v2-hugetlb");
  boost::json::object resources{
      {"hugepageLimits", boost::json::array{boost::json::object{{"pageSize", "2MB"}, {"limit", 4194304}}}}};
  std::string dir = run_detached(bundle, id, {"sleep", "1000"}, resources);
  ASSERT_FALSE(dir.empty());
  EXPECT_EQ(value(dir, "hugetlb.2MB.max"), "4194304");
  // events --stats reports the page size.
  Result stats = rt_.run({"events", "--stats", id});
  ASSERT_EQ(stats.code, 0) << stats.err;
  EXPECT_NE(stats.out.find("\"2MB\":{\"usage\":0,"), std::string::npos) << stats.out;
}

TEST_F(CgroupV2, UnifiedMapIsWrittenVerbatim) {
  Bundle bundle;
  std::string id = unique_id("v2-unified");
  // The unified values win over the ones converted from the v1-style fields.
  auto resources = json::parse(R"({
    "pids": {"limit": 10},
    "unified": {"pids.max": "42", "memory.high": "100663296", "cpu.weight": "77", "memory.oom.group": "1"}
  })",
                               "resources")
                       .as_object();
  std::string dir = run_detached(bundle, id, {"sleep", "1000"}, resources);
  ASSERT_FALSE(dir.empty());
  EXPECT_EQ(value(dir, "pids.max"), "42");
  EXPECT_EQ(value(dir, "memory.high"), "100663296");
  EXPECT_EQ(value(dir, "cpu.weight"), "77");
  EXPECT_EQ(value(dir, "memory.oom.group"), "1");
}

TEST_F(CgroupV2, UnifiedMapWithABadKeyFailsNamingIt) {
  Bundle bundle;
  std::string id = unique_id("v2-badkey");
  bundle.set_args({"sleep", "1000"});
  std::string dir = prepare(bundle, id, {{"unified", {{"memory.nonsense", "1"}}}});
  Result r = rt_.run({"run", "--detach", "--bundle", bundle.path(), id});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("memory.nonsense"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("ENOENT"), std::string::npos) << r.err;
  // Nothing of the failed create stays.
  EXPECT_FALSE(path_exists(dir)) << dir;
  EXPECT_FALSE(path_exists(rt_.root() + "/" + id));

  // A key that is not a file name in the cgroup directory is refused before anything is made.
  Bundle escape;
  std::string escape_id = unique_id("v2-escape");
  escape.set_args({"sleep", "1000"});
  std::string escape_dir = prepare(escape, escape_id, {{"unified", {{"../pids.max", "1"}}}});
  Result e = rt_.run({"run", "--detach", "--bundle", escape.path(), escape_id});
  EXPECT_NE(e.code, 0);
  EXPECT_NE(e.err.find("linux.resources.unified"), std::string::npos) << e.err;
  EXPECT_NE(e.err.find("../pids.max"), std::string::npos) << e.err;
  EXPECT_FALSE(path_exists(escape_dir)) << escape_dir;
  EXPECT_NE(value(relative_base_dir(), "pids.max"), "1");
}

// No BPF device program for a node outside the allowlist: opening it fails, an allowed one works.
// (/dev/zero, 1:5, is one of the defaults every container is allowed, as in runc and crun, so
// the denied node is 10:200, /dev/net/tun's numbers.)
TEST_F(CgroupV2, DeviceAllowlistIsEnforced) {
  Bundle bundle;
  std::string id = unique_id("v2-devices");
  // Nodes made on the host: the device filter, not a missing CAP_MKNOD, is what refuses them.
  ASSERT_EQ(::mknod((bundle.rootfs() + "/tmp/zero").c_str(), S_IFCHR | 0666, makedev(1, 5)), 0) << errno_name(errno);
  ASSERT_EQ(::mknod((bundle.rootfs() + "/tmp/tun").c_str(), S_IFCHR | 0666, makedev(10, 200)), 0) << errno_name(errno);
  auto caps = strings({"CAP_MKNOD", "CAP_KILL"});
  bundle.process()["capabilities"] = boost::json::object{{"bounding", caps}, {"permitted", caps}, {"effective", caps}};
  std::string dir = run_detached(bundle, id, {"sleep", "1000"}, {});
  ASSERT_FALSE(dir.empty());
  Result r = exec_in(rt_, id,
                     "head -c 4 /tmp/zero | wc -c; "
                     "cat /tmp/tun 2>&1 | grep -q 'Operation not permitted' && echo tun-denied; "
                     "mknod /tmp/tun2 c 10 200 2>&1 | grep -q 'Operation not permitted' && echo mknod-denied; "
                     "mknod /tmp/null2 c 1 3 && echo x > /tmp/null2 && echo null-allowed");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "4\ntun-denied\nmknod-denied\nnull-allowed\n") << r.err;

  // With a rule for 10:200 the same node opens (or fails for want of the tun driver, not EPERM).
  Bundle allowed;
  std::string allowed_id = unique_id("v2-devallow");
  ASSERT_EQ(::mknod((allowed.rootfs() + "/tmp/tun").c_str(), S_IFCHR | 0666, makedev(10, 200)), 0) << errno_name(errno);
  allowed.linux()["resources"].as_object()["devices"].as_array().push_back(
      boost::json::object{{"allow", true}, {"type", "c"}, {"major", 10}, {"minor", 200}, {"access", "rwm"}});
  std::string allowed_dir = run_detached(allowed, allowed_id, {"sleep", "1000"}, {});
  ASSERT_FALSE(allowed_dir.empty());
  Result a = exec_in(rt_, allowed_id, "exec 3< /tmp/tun; echo opened");
  EXPECT_EQ(a.err.find("Operation not permitted"), std::string::npos) << a.err;
}

TEST_F(CgroupV2, PauseAndResumeThroughCgroupFreeze) {
  Bundle bundle;
  std::string id = unique_id("v2-freeze");
  std::string dir = run_detached(bundle, id, {"sleep", "1000"}, {});
  ASSERT_FALSE(dir.empty());
  EXPECT_EQ(keyed(dir, "cgroup.events", "frozen"), 0U);
  Result p = rt_.run({"pause", id});
  ASSERT_EQ(p.code, 0) << p.err;
  EXPECT_EQ(value(dir, "cgroup.freeze"), "1");
  EXPECT_EQ(keyed(dir, "cgroup.events", "frozen"), 1U);
  EXPECT_EQ(status_of(rt_, id), "paused");
  Result res = rt_.run({"resume", id});
  ASSERT_EQ(res.code, 0) << res.err;
  EXPECT_EQ(value(dir, "cgroup.freeze"), "0");
  EXPECT_EQ(keyed(dir, "cgroup.events", "frozen"), 0U);
  EXPECT_EQ(status_of(rt_, id), "running");
  Result alive = rt_.run({"exec", id, "echo", "alive"});
  EXPECT_EQ(alive.out, "alive\n") << alive.err;
}

// Without a pid namespace of its own the container's other processes outlive its init: delete
// --force has to end them all, through cgroup.kill.
TEST_F(CgroupV2, DeleteForceKillsEveryProcessThroughCgroupKill) {
  ASSERT_TRUE(path_exists(relative_base_dir() + "/cgroup.kill")) << "the guest kernel predates cgroup.kill (5.14)";
  Bundle bundle;
  remove_namespace(bundle, "pid");
  std::string id = unique_id("v2-kill");
  std::string dir =
      run_detached(bundle, id, {"sh", "-c", "sleep 1000 & sleep 1000 & sleep 1000 & exec sleep 1000"}, {});
  ASSERT_FALSE(dir.empty());
  std::vector<std::string> pids;
  for (int i = 0; i < 400 && pids.size() < 4; ++i) {
    pids = lines(value(dir, "cgroup.procs"));
    usleep(50000);
  }
  ASSERT_EQ(pids.size(), 4U) << value(dir, "cgroup.procs");
  Result del = rt_.run({"delete", "--force", id});
  ASSERT_EQ(del.code, 0) << del.err;
  EXPECT_FALSE(path_exists(dir)) << dir;
  for (const auto& pid : pids) {
    EXPECT_TRUE(process_gone(std::stoll(pid), "sleep")) << "pid " << pid << " survived delete --force";
  }
}

// clone3 with CLONE_INTO_CGROUP: the container's process is in its cgroup from its first
// instruction, and no runtime process ever joined it.
TEST_F(CgroupV2, InitIsBornInTheContainersCgroup) {
  Bundle bundle;
  std::string id = unique_id("v2-birth");
  bundle.set_args({"sleep", "1000"});
  std::string dir = prepare(bundle, id, {{"pids", {{"limit", 20}}}});
  Result r = rt_.run({"create", "--bundle", bundle.path(), id});
  ASSERT_EQ(r.code, 0) << r.err;
  int64_t pid = state_of(rt_, id).at("pid").as_int64();
  EXPECT_EQ(status_of(rt_, id), "created");
  EXPECT_EQ(trimmed(read_file("/proc/" + std::to_string(pid) + "/cgroup")),
            "0::" + dir.substr(std::string("/sys/fs/cgroup").size()));
  EXPECT_EQ(value(dir, "cgroup.procs"), std::to_string(pid));
  EXPECT_EQ(value(dir, "pids.current"), "1");
  Result start = rt_.run({"start", id});
  ASSERT_EQ(start.code, 0) << start.err;
  EXPECT_EQ(value(dir, "cgroup.procs"), std::to_string(pid));
}

TEST_F(CgroupV2, CgroupNamespaceShowsTheContainersCgroupAsRoot) {
  Bundle bundle;
  set_namespace(bundle, "cgroup");
  std::string id = unique_id("v2-cgns");
  std::string dir = run_detached(bundle, id, {"sleep", "1000"}, {{"memory", {{"limit", 67108864}}}});
  ASSERT_FALSE(dir.empty());
  Result r = exec_in(rt_, id, "cat /proc/self/cgroup /sys/fs/cgroup/memory.max");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "0::/\n67108864\n");
}

// A process of the container meets the OOM killer: memory.events counts it, and both forms of
// `events` report it while the container goes on.
TEST_F(CgroupV2, OomKillIsReported) {
  Bundle bundle;
  std::string id = unique_id("v2-oom");
  std::string dir =
      run_detached(bundle, id, {"sleep", "1000"}, {{"memory", {{"limit", 16 * kMiB}, {"swap", 16 * kMiB}}}});
  ASSERT_FALSE(dir.empty());
  EXPECT_EQ(value(dir, "memory.swap.max"), "0");
  EventsStream stream(rt_, {"--interval", "200ms", id});
  // The first stats event shows the stream is watching: kills from here on are reported.
  ASSERT_NE(stream.wait_for("\"type\":\"stats\"").find("\"type\":\"stats\""), std::string::npos) << stream.output();
  Result hog = exec_in(rt_, id, "x=$(yes)");
  EXPECT_EQ(hog.code, 128 + SIGKILL) << hog.err;
  uint64_t kills = keyed(dir, "memory.events", "oom_kill");
  EXPECT_GE(kills, 1U) << value(dir, "memory.events");
  std::string out = stream.wait_for("\"type\":\"oom\"");
  EXPECT_NE(out.find("{\"type\":\"oom\",\"id\":\"" + id + "\"}\n"), std::string::npos) << out;
  Result stats = rt_.run({"events", "--stats", id});
  ASSERT_EQ(stats.code, 0) << stats.err;
  EXPECT_NE(stats.out.find("\"oom_kill\":" + std::to_string(kills)), std::string::npos) << stats.out;
  EXPECT_EQ(status_of(rt_, id), "running");
  ASSERT_EQ(rt_.run({"kill", id, "KILL"}).code, 0);
  EXPECT_EQ(stream.wait(), 0) << stream.output();
}

TEST_F(CgroupV2, UpdateChangesLimitsLive) {
  Bundle bundle;
  std::string id = unique_id("v2-update");
  std::string dir =
      run_detached(bundle, id, {"sleep", "1000"}, {{"memory", {{"limit", 64 * kMiB}}}, {"pids", {{"limit", 50}}}});
  ASSERT_FALSE(dir.empty());
  Result r = rt_.run({"update", "--memory", "128M", "--pids-limit", "77", id});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(value(dir, "memory.max"), "134217728");
  EXPECT_EQ(value(dir, "pids.max"), "77");
  Result json_update = rt_.run({"update", "--resources", "-", id},
                               R"({"memory": {"limit": 100663296}, "unified": {"memory.high": "83886080"}})");
  ASSERT_EQ(json_update.code, 0) << json_update.err;
  EXPECT_EQ(value(dir, "memory.max"), "100663296");
  EXPECT_EQ(value(dir, "memory.high"), "83886080");
  EXPECT_EQ(value(dir, "pids.max"), "77");
  // The container saw no interruption, and reads its new limit through its cgroup namespace.
  Result inside = exec_in(rt_, id, "cat /sys/fs/cgroup/pids.max");
  EXPECT_EQ(inside.out, "77\n") << inside.err;
  EXPECT_EQ(status_of(rt_, id), "running");
}

// An unprivileged user in its systemd user session with a delegated cgroup (the one in
// /proc/self/cgroup): the cgroupfs driver puts memory and pids limits in force rootless.
class RootlessCgroupV2 : public CgroupV2Base {
 protected:
  // A cgroup2 directory holds processes or hands controllers down, not both: this process
  // moves into a leaf of its delegated cgroup, so that the containers' cgroups go beside it,
  // still below the delegated one.
  static void SetUpTestSuite() {
    if (!cgroup_v2_host() || ::geteuid() == 0) {
      return;
    }
    delegated_ = "/sys/fs/cgroup" + own_cgroup("");
    std::string leaf = delegated_ + "/skiff-tests";
    try {
      if (::mkdir(leaf.c_str(), 0755) < 0 && errno != EEXIST) {
        throw_errno("mkdir " + leaf);
      }
      write_existing_file(leaf + "/cgroup.procs", std::to_string(::getpid()));
      leaf_ = leaf;
    } catch (const std::exception& e) {
      setup_error_ = std::string(e.what()) + " (is " + delegated_ + " delegated to this user?)";
    }
  }

  // Back to the delegated cgroup, so that its leaf can go.
  static void TearDownTestSuite() {
    if (leaf_.empty()) {
      return;
    }
    try {
      for (const auto& controller : words(value(delegated_, "cgroup.subtree_control"))) {
        write_existing_file(delegated_ + "/cgroup.subtree_control", "-" + controller);
      }
      write_existing_file(delegated_ + "/cgroup.procs", std::to_string(::getpid()));
      ::rmdir(leaf_.c_str());
    } catch (const std::exception& e) {
      std::cerr << "RootlessCgroupV2: could not leave " << leaf_ << ": " << e.what() << "\n";
    }
  }

  void SetUp() override {
    CgroupV2Base::SetUp();
    if (IsSkipped()) {
      return;
    }
    if (::geteuid() == 0) {
      GTEST_SKIP() << "runs as an unprivileged user (tests/vm/run.sh --suite rootless)";
    }
    ASSERT_TRUE(setup_error_.empty()) << setup_error_;
  }

  static std::string delegated_;
  static std::string leaf_;
  static std::string setup_error_;
};

std::string RootlessCgroupV2::delegated_;
std::string RootlessCgroupV2::leaf_;
std::string RootlessCgroupV2::setup_error_;

TEST_F(RootlessCgroupV2, MemoryAndPidsLimitsWithTheCgroupfsDriver) {
  Bundle bundle({"--rootless"});
  std::string id = unique_id("v2-rootless");
  std::string dir =
      run_detached(bundle, id, {"sleep", "1000"}, {{"memory", {{"limit", 64 * kMiB}}}, {"pids", {{"limit", 20}}}});
  ASSERT_FALSE(dir.empty());
  EXPECT_TRUE(dir.starts_with(delegated_ + "/")) << dir << " is not below " << delegated_;
  EXPECT_EQ(value(dir, "memory.max"), "67108864");
  EXPECT_EQ(value(dir, "pids.max"), "20");
  // Forks past the limit fail inside; the count never passes it.
  Result r = exec_in(rt_, id, "for i in $(seq 40); do sleep 100 & done; echo forked");
  EXPECT_NE(r.err.find("can't fork"), std::string::npos) << r.err;
  EXPECT_LE(std::stoull(value(dir, "pids.current")), 20U);
  EXPECT_GE(keyed(dir, "pids.events", "max"), 1U);
  // events --stats reads the same cgroup.
  Result stats = rt_.run({"events", "--stats", id});
  ASSERT_EQ(stats.code, 0) << stats.err;
  EXPECT_NE(stats.out.find("\"limit\":67108864"), std::string::npos) << stats.out;
  EXPECT_NE(stats.out.find("\"pids\":{\"current\":"), std::string::npos) << stats.out;

  Result del = rt_.run({"delete", "--force", id});
  EXPECT_EQ(del.code, 0) << del.err;
  EXPECT_FALSE(path_exists(dir)) << dir;
}

TEST_F(RootlessCgroupV2, MemoryLimitIsEnforced) {
  Bundle bundle({"--rootless"});
  std::string id = unique_id("v2-rootless-oom");
  std::string dir =
      run_detached(bundle, id, {"sleep", "1000"}, {{"memory", {{"limit", 16 * kMiB}, {"swap", 16 * kMiB}}}});
  ASSERT_FALSE(dir.empty());
  Result hog = exec_in(rt_, id, "x=$(yes)");
  EXPECT_EQ(hog.code, 128 + SIGKILL) << hog.err;
  EXPECT_GE(keyed(dir, "memory.events", "oom_kill"), 1U) << value(dir, "memory.events");
}

}  // namespace
}  // namespace skiff::testing

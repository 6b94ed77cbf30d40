// exec: a new process in a running container, with its own user, env, cwd and capabilities.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "integration_util.h"

namespace skiff::testing {
namespace {

class Exec : public ::testing::Test {
 protected:
  void SetUp() override {
    id_ = unique_id("exec");
    bundle_.set_args({"sleep", "1000"});
    bundle_.process()["env"] = strings({"PATH=/bin", "FROM_CONFIG=yes"});
    bundle_.save();
    Result r = rt_.run({"run", "--detach", "--bundle", bundle_.path(), id_});
    ASSERT_EQ(r.code, 0) << r.err;
  }

  Runtime rt_;
  Bundle bundle_;
  std::string id_;
};

TEST_F(Exec, SeesTheContainersNamespaces) {
  std::string pid = std::to_string(state_of(rt_, id_).at("pid").as_int64());
  Result r = rt_.run(
      {"exec", id_, "sh", "-c", "stat -L -c %i /proc/self/ns/pid /proc/self/ns/mnt /proc/self/ns/net; hostname"});
  ASSERT_EQ(r.code, 0) << r.err;
  std::string want;
  for (const char* n : {"pid", "mnt", "net"}) {
    want += std::to_string(ns_inode("/proc/" + pid + "/ns/" + n)) + "\n";
  }
  want += "skiff\n";
  EXPECT_EQ(r.out, want);
}

TEST_F(Exec, ExitCodeIsPassedOn) {
  Result r = rt_.run({"exec", id_, "sh", "-c", "echo out; echo err >&2; exit 42"});
  EXPECT_EQ(r.code, 42);
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
  Result killed = rt_.run({"exec", id_, "sh", "-c", "kill -9 $$"});
  EXPECT_EQ(killed.code, 137);
}

TEST_F(Exec, UserAndAdditionalGids) {
  Result r = rt_.run({"exec", "--user", "1000:1001", "--additional-gids", "20", "--additional-gids", "30", id_, "id"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "uid=1000 gid=1001 groups=20,30\n");
  Result uid_only = rt_.run({"exec", "-u", "65534", id_, "sh", "-c", "id -u; id -g"});
  ASSERT_EQ(uid_only.code, 0) << uid_only.err;
  EXPECT_EQ(uid_only.out, "65534\n0\n");
}

TEST_F(Exec, BadUserIsRejected) {
  for (const char* user : {"1000:", "abc", "1000:1000:1", "-1"}) {
    Result r = rt_.run({"exec", "--user", user, id_, "true"});
    EXPECT_NE(r.code, 0) << user;
    EXPECT_NE(r.err.find(user), std::string::npos) << r.err;
  }
}

TEST_F(Exec, EnvAndCwd) {
  Result r = rt_.run({"exec", "--env", "EXTRA=added", "-e", "FROM_CONFIG=overridden", "--cwd", "/tmp", id_, "sh", "-c",
                      "pwd; echo $EXTRA; echo $FROM_CONFIG"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "/tmp\nadded\noverridden\n");
  Result defaults = rt_.run({"exec", id_, "sh", "-c", "pwd; echo $FROM_CONFIG"});
  EXPECT_EQ(defaults.out, "/\nyes\n");
}

TEST_F(Exec, CapAddsToTheEffectiveSet) {
  Result before = rt_.run({"exec", id_, "cat", "/proc/self/status"});
  ASSERT_EQ(before.code, 0) << before.err;
  EXPECT_EQ(status_field(before.out, "CapEff"), "0000000020000420");
  Result r = rt_.run({"exec", "--cap", "CAP_SYS_ADMIN", "--cap", "CAP_NET_ADMIN", id_, "cat", "/proc/self/status"});
  ASSERT_EQ(r.code, 0) << r.err;
  // CAP_NET_ADMIN is 12, CAP_SYS_ADMIN 21.
  EXPECT_EQ(status_field(r.out, "CapEff"), "0000000020201420") << r.out;
  EXPECT_EQ(status_field(r.out, "CapBnd"), "0000000020201420") << r.out;
  Result bad = rt_.run({"exec", "--cap", "CAP_NOT_A_CAP", id_, "true"});
  EXPECT_NE(bad.code, 0);
  EXPECT_NE(bad.err.find("CAP_NOT_A_CAP"), std::string::npos) << bad.err;
}

TEST_F(Exec, ProcessJson) {
  TempDir dir;
  boost::json::object process{
      {"terminal", false},
      {"user", boost::json::object{{"uid", 1000}, {"gid", 1000}, {"additionalGids", boost::json::array{5}}}},
      {"args", strings({"sh", "-c", "id; pwd; echo $FROM_JSON; exit 3"})},
      {"env", strings({"PATH=/bin", "FROM_JSON=json"})},
      {"cwd", "/tmp"},
  };
  write_file(dir.path() + "/process.json", boost::json::serialize(process));
  Result r = rt_.run({"exec", "-p", dir.path() + "/process.json", id_});
  EXPECT_EQ(r.code, 3) << r.err;
  EXPECT_EQ(r.out, "uid=1000 gid=1000 groups=5\n/tmp\njson\n");
}

TEST_F(Exec, BadProcessJsonNamesTheField) {
  TempDir dir;
  write_file(dir.path() + "/process.json", R"({"args": ["true"], "cwd": "relative", "user": {"uid": 0, "gid": 0}})");
  Result r = rt_.run({"exec", "--process", dir.path() + "/process.json", id_});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("cwd"), std::string::npos) << r.err;
}

TEST_F(Exec, DetachWithPidFile) {
  TempDir dir;
  std::string pid_file = dir.path() + "/exec.pid";
  Result r = rt_.run({"exec", "--detach", "--pid-file", pid_file, id_, "sleep", "500"});
  ASSERT_EQ(r.code, 0) << r.err;
  std::string pid = trimmed(read_file(pid_file));
  ASSERT_FALSE(pid.empty());
  // The pid is a host pid of a process in the container's cgroup running sleep (polled, bounded:
  // as with runc, the detached process may not have exec'd yet when exec returns).
  std::string wanted(
      "sleep\0"
      "500\0",
      10);
  std::string cmdline;
  for (int i = 0; i < 250 && cmdline != wanted; ++i) {
    if (i > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    cmdline = read_file("/proc/" + pid + "/cmdline");
  }
  EXPECT_EQ(cmdline, wanted);
  EXPECT_NE(read_file(host_cgroup_dir("pids", id_) + "/cgroup.procs").find(pid + "\n"), std::string::npos);
  Result ps = rt_.run({"ps", "--format", "json", id_});
  ASSERT_EQ(ps.code, 0) << ps.err;
  auto pids = json::parse(ps.out, "ps").as_array();
  bool found = false;
  for (const auto& p : pids) {
    found = found || std::to_string(p.as_int64()) == pid;
  }
  EXPECT_TRUE(found) << ps.out;
  EXPECT_EQ(pids.size(), 2u) << ps.out;
}

TEST_F(Exec, InAStoppedContainerFails) {
  ASSERT_EQ(rt_.run({"kill", id_, "KILL"}).code, 0);
  ASSERT_EQ(wait_for_status(rt_, id_, "stopped"), "stopped");
  Result r = rt_.run({"exec", id_, "true"});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("stopped"), std::string::npos) << r.err;
}

TEST_F(Exec, MissingCommandFails) {
  Result r = rt_.run({"exec", id_, "no-such-command"});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("no-such-command"), std::string::npos) << r.err;
  Result none = rt_.run({"exec", id_});
  EXPECT_NE(none.code, 0);
  EXPECT_NE(none.err.find("command"), std::string::npos) << none.err;
}

TEST_F(Exec, OnlyStdioIsInherited) {
  Result r = rt_.run({"exec", id_, "ls", "/proc/self/fd"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "0\n1\n2\n3\n");
}

}  // namespace
}  // namespace skiff::testing

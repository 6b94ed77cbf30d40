// Real cgroups, created only below this process's own cgroup in each hierarchy and removed in
// TearDown whatever happens. The tests that write cgroups need root and skip otherwise.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <functional>

#include "cgroup_fs.h"
#include "managers.h"
#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/json.h"
#include "skiff/cgroups/own_cgroup.h"

namespace skiff::cgroups {
namespace {

std::string unique_name(const std::string& what) {
  static int counter = 0;
  return "skiff-test-" + what + "-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
}

Resources parse(std::string_view text) {
  return parse_resources(json::parse(text, "test"), "linux.resources");
}

std::string read_value(const std::string& dir, const std::string& file) {
  std::string text = read_file(dir + "/" + file);
  while (!text.empty() && text.back() == '\n') {
    text.pop_back();
  }
  return text;
}

class ManagerTest : public testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) {
      GTEST_SKIP() << "creating cgroups needs root";
    }
    mode_ = detect_mode();
  }

  // Thaw first: a frozen v1 task does not die of SIGKILL, and waitpid would hang.
  void TearDown() override {
    if (manager_) {
      try {
        manager_->thaw();
      } catch (const Error&) {  // not created, or already gone
      }
    }
    for (pid_t pid : children_) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
    if (manager_) {
      try {
        manager_->destroy();
      } catch (const Error& e) {
        ADD_FAILURE() << "cleanup: " << e.what();
      }
    }
    for (const std::string& dir : extra_dirs_) {
      try {
        cgfs::remove(dir);
      } catch (const Error& e) {
        ADD_FAILURE() << "cleanup: " << e.what();
      }
    }
  }

  // A child that sleeps until a signal ends it.
  pid_t spawn() {
    pid_t pid = ::fork();
    if (pid == 0) {
      for (;;) {
        ::pause();
      }
    }
    EXPECT_GT(pid, 0);
    children_.push_back(pid);
    return pid;
  }

  // Reaps a child and returns the signal that ended it (0 for a normal exit).
  int reap(pid_t pid) {
    int status = 0;
    EXPECT_EQ(::waitpid(pid, &status, 0), pid);
    std::erase(children_, pid);
    return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  }

  Mode mode_ = Mode::v1;
  std::unique_ptr<Manager> manager_;
  std::vector<pid_t> children_;
  std::vector<std::string> extra_dirs_;
};

// What every driver must do with one sleeping child: list it, freeze and thaw, deliver signals
// (held back while frozen), kill with SIGKILL and wait for the cgroup to empty.
void exercise_processes(Manager& m, const std::function<pid_t()>& spawn, const std::function<int(pid_t)>& reap) {
  pid_t pid = spawn();
  m.add_process(pid);
  EXPECT_EQ(m.pids(), std::vector<pid_t>{pid});

  m.freeze();
  EXPECT_TRUE(m.frozen());
  // A paused container stays paused when signalled; the signal lands on thaw. The v2 freezer
  // lets a fatal signal kill a frozen task at once, which leaves the cgroup "not frozen" until it
  // settles: there, what must hold is that kill_all did not lift the freeze request.
  m.kill_all(SIGTERM);
  std::string unified = m.directory("unified");
  if (m.directory("freezer").empty() && !unified.empty()) {
    EXPECT_EQ(read_value(unified, "cgroup.freeze"), "1");
  } else {
    EXPECT_TRUE(m.frozen());
  }
  m.thaw();
  EXPECT_FALSE(m.frozen());
  EXPECT_EQ(reap(pid), SIGTERM);
  EXPECT_TRUE(m.pids().empty());

  pid = spawn();
  m.add_process(pid);
  m.kill_all(SIGKILL);
  EXPECT_TRUE(m.pids().empty());
  EXPECT_EQ(reap(pid), SIGKILL);
}

TEST_F(ManagerTest, V1HierarchiesEndToEnd) {
  if (mode_ == Mode::v2) {
    GTEST_SKIP() << "cgroup v1 host test";
  }
  manager_ = make_manager({.cgroups_path = "", .container_id = unique_name("v1"), .rootless = false});
  manager_->create();
  ASSERT_TRUE(manager_->enabled());
  const std::string memory = manager_->directory("memory");
  const std::string pids_dir = manager_->directory("pids");
  ASSERT_FALSE(memory.empty());
  ASSERT_FALSE(pids_dir.empty());
  EXPECT_TRUE(path_exists(memory));
  EXPECT_EQ(path_exists(manager_->directory("unified")), mode_ == Mode::hybrid);
  EXPECT_TRUE(manager_->directory("no-such-controller").empty());
  // The new cgroup sits right below this process's own memory cgroup.
  EXPECT_EQ(memory.substr(0, memory.rfind('/')), own_dir(cgroup_mounts().at("memory"), own_cgroups().at("memory")));
  if (!manager_->directory("cpuset").empty()) {
    EXPECT_FALSE(read_value(manager_->directory("cpuset"), "cpuset.cpus").empty()) << "copied from the parent";
  }

  pid_t pid = spawn();
  manager_->add_process(pid);
  EXPECT_EQ(manager_->pids(), std::vector<pid_t>{pid});
  if (mode_ == Mode::hybrid) {
    EXPECT_EQ(read_value(manager_->directory("unified"), "cgroup.procs"), std::to_string(pid));
  }

  bool memsw = path_exists(memory + "/memory.memsw.limit_in_bytes");
  manager_->apply(parse(R"({
    "devices": [{"allow": false}, {"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwm"}],
    "memory": {"limit": 67108864, "swap": 134217728},
    "cpu": {"shares": 512, "period": 100000, "quota": 20000},
    "pids": {"limit": 10}
  })"));
  EXPECT_EQ(read_value(memory, "memory.limit_in_bytes"), "67108864");
  if (memsw) {
    EXPECT_EQ(read_value(memory, "memory.memsw.limit_in_bytes"), "134217728");
  }
  EXPECT_EQ(read_value(pids_dir, "pids.max"), "10");
  EXPECT_EQ(read_value(manager_->directory("cpu"), "cpu.shares"), "512");
  EXPECT_EQ(read_value(manager_->directory("cpu"), "cpu.cfs_quota_us"), "20000");
  EXPECT_EQ(read_value(manager_->directory("devices"), "devices.list"), "c 1:3 rwm");

  // blkio.weight, or BFQ's file on kernels without CFQ ("default 500" there).
  const std::string blkio = manager_->directory("blkio");
  for (const char* file : {"blkio.weight", "blkio.bfq.weight"}) {
    if (!blkio.empty() && path_exists(blkio + "/" + file)) {
      manager_->apply(parse(R"({"blockIO": {"weight": 500}})"));
      EXPECT_NE(read_value(blkio, file).find("500"), std::string::npos) << file;
      break;
    }
  }

  if (memsw) {
    // Raising both past the current memsw limit needs memsw first: apply retries in that order.
    manager_->apply(parse(R"({"memory": {"limit": 268435456, "swap": 536870912}})"));
    EXPECT_EQ(read_value(memory, "memory.limit_in_bytes"), "268435456");
    EXPECT_EQ(read_value(memory, "memory.memsw.limit_in_bytes"), "536870912");
    manager_->apply(parse(R"({"memory": {"limit": 33554432, "swap": 67108864}})"));
    EXPECT_EQ(read_value(memory, "memory.memsw.limit_in_bytes"), "67108864");
  } else {
    manager_->apply(parse(R"({"memory": {"limit": 33554432}})"));
  }
  EXPECT_EQ(read_value(memory, "memory.limit_in_bytes"), "33554432");
  manager_->apply(parse(R"({"memory": {"kernel": 1048576}})"));  // at most a warning

  Stats stats = manager_->stats();
  EXPECT_EQ(stats.memory_limit, 33554432U);
  EXPECT_EQ(stats.pids_current, 1U);

  // Another process (another own cgroup) finds the same cgroup from the saved state.
  auto loaded = load_manager(json::parse(boost::json::serialize(manager_->save()), "state"));
  EXPECT_EQ(loaded->directory("memory"), memory);
  EXPECT_EQ(loaded->directory("unified"), manager_->directory("unified"));
  EXPECT_EQ(loaded->pids(), std::vector<pid_t>{pid});

  try {
    manager_->apply(parse(R"({"unified": {"no.such.file": "1"}})"));
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("set no.such.file to 1"), std::string::npos) << e.what();
  }

  ::kill(pid, SIGKILL);
  EXPECT_EQ(reap(pid), SIGKILL);
  exercise_processes(
      *manager_, [this] { return spawn(); }, [this](pid_t p) { return reap(p); });

  std::vector<std::string> dirs;
  for (const char* h :
       {"cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids", "name=systemd", "unified"}) {
    if (!manager_->directory(h).empty()) {
      dirs.push_back(manager_->directory(h));
    }
  }
  manager_->destroy();
  for (const std::string& dir : dirs) {
    EXPECT_FALSE(path_exists(dir)) << dir;
  }
  manager_->destroy();  // twice is fine
}

TEST_F(ManagerTest, V2DriverOnTheUnifiedHierarchy) {
  auto mounts = cgroup_mounts();
  auto own = own_cgroups();
  if (mode_ == Mode::v1 || !mounts.contains("unified") || !own.contains("unified")) {
    GTEST_SKIP() << "no cgroup2 hierarchy";
  }
  std::string dir;
  if (mode_ == Mode::v2) {
    manager_ = make_manager({.cgroups_path = unique_name("v2"), .container_id = "unused", .rootless = false});
  } else {
    // On a hybrid host, drive the v2 driver below a parent of the test's own, so that no
    // controller is enabled in this process's own cgroup.
    std::string parent = own_dir(mounts.at("unified"), own.at("unified")) + "/" + unique_name("v2-parent");
    ASSERT_EQ(::mkdir(parent.c_str(), 0755), 0) << errno_name(errno);
    extra_dirs_.push_back(parent);
    manager_ = std::make_unique<V2Manager>(parent + "/c/d", parent, false, true);
  }
  manager_->create();
  ASSERT_TRUE(manager_->enabled());
  dir = manager_->directory("unified");
  EXPECT_TRUE(path_exists(dir + "/cgroup.procs"));
  EXPECT_TRUE(manager_->directory("memory").empty());

  exercise_processes(
      *manager_, [this] { return spawn(); }, [this](pid_t p) { return reap(p); });
  EXPECT_GE(manager_->stats().cpu_usage_nanos, 0U);

  if (!path_exists(dir + "/pids.max")) {
    try {
      manager_->apply(parse(R"({"pids": {"limit": 10}})"));
      ADD_FAILURE() << "no error";
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()), "set pids.max to 10 in " + dir + ": ENOENT (No such file or directory)");
    }
  } else {
    manager_->apply(parse(R"({"pids": {"limit": 10}})"));
    EXPECT_EQ(read_value(dir, "pids.max"), "10");
  }

  auto loaded = load_manager(manager_->save());
  EXPECT_EQ(loaded->directory("unified"), dir);
  manager_->destroy();
  EXPECT_FALSE(path_exists(dir));
}

// No root needed: /sys refuses new directories to everyone.
TEST(RootlessManager, WithoutDelegationEverythingIsANoOp) {
  V2Manager v2("/sys/skiff-test-no-delegation/c", "/sys", true, true);
  v2.create();
  EXPECT_FALSE(v2.enabled());
  v2.add_process(::getpid());
  v2.apply(parse(R"({"pids": {"limit": 1}})"));
  v2.freeze();
  EXPECT_FALSE(v2.frozen());
  EXPECT_TRUE(v2.pids().empty());
  v2.kill_all(SIGKILL);
  v2.destroy();
  EXPECT_FALSE(load_manager(v2.save())->enabled());

  V1Manager v1(Mode::v1, {{"memory", "/sys/skiff-test-no-delegation/c"}}, "", true, true);
  v1.create();
  EXPECT_FALSE(v1.enabled());
  EXPECT_EQ(v1.stats().memory_usage, 0U);
}

TEST(RootfulManager, MissingDelegationIsAnError) {
  V2Manager v2("/sys/skiff-test-no-delegation/c", "/sys", false, true);
  EXPECT_THROW(v2.create(), Error);
  EXPECT_TRUE(v2.enabled());
}

TEST(LoadManager, RejectsBadState) {
  EXPECT_THROW(load_manager(boost::json::value(1)), Error);
  try {
    load_manager(json::parse(R"({"mode": "v3", "dirs": {}, "rootless": false, "enabled": true})", "state"));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), R"(cgroups.mode: must be v1, hybrid or v2 (got "v3"))");
  }
  EXPECT_THROW(load_manager(json::parse(R"({"mode": "v2", "dirs": {}, "rootless": false, "enabled": true})", "s")),
               Error);
}

}  // namespace
}  // namespace skiff::cgroups

// hooks: every kind runs at its point of the lifecycle, in order, with the state on stdin, its
// args and env; failures and timeouts.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <sstream>

#include "integration_util.h"

namespace skiff::testing {
namespace {

// A hook script that appends "<kind> env=<HOOK_VAR> args=<argc> <state JSON>" to a log.
std::string hook_script(const std::string& log) {
  return "#!/bin/sh\nstate=$(cat)\necho \"$1 env=$HOOK_VAR args=$# $state\" >> " + log + "\n";
}

boost::json::object hook(const std::string& path, const std::string& kind, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args{"hook", kind};
  args.insert(args.end(), extra.begin(), extra.end());
  return boost::json::object{{"path", path}, {"args", strings(args)}, {"env", strings({"HOOK_VAR=" + kind + "-env"})}};
}

struct HookLine {
  std::string kind;
  std::string env;
  std::string args;
  boost::json::object state;
};

std::vector<HookLine> parse_log(const std::string& text) {
  std::vector<HookLine> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    HookLine h;
    std::istringstream words(line);
    words >> h.kind >> h.env >> h.args;
    std::string rest;
    std::getline(words, rest);
    try {
      h.state = json::parse(rest, "hook state").as_object();
    } catch (const std::exception&) {
    }
    out.push_back(std::move(h));
  }
  return out;
}

class Hooks : public ::testing::Test {
 protected:
  void SetUp() override {
    log_ = dir_.path() + "/log";
    script_ = dir_.path() + "/hook.sh";
    write_file(script_, hook_script(log_), 0755);
    // startContainer runs inside the container after pivot_root: its script and the log live
    // in the container's view (the log through a bind mount of the same host directory).
    write_file(bundle_.rootfs() + "/bin/hook-in-container", hook_script("/hooklog/log"), 0755);
    add_mount(bundle_, "/hooklog", "bind", dir_.path(), {"bind"});
  }

  TempDir dir_{"skiff-hooks-"};
  std::string log_;
  std::string script_;
  Runtime rt_;
  Bundle bundle_;
};

TEST_F(Hooks, EveryKindRunsInOrderWithTheState) {
  std::string id = unique_id("hooks");
  bundle_.config()["annotations"] = boost::json::object{{"org.skiff.test", "hooks"}};
  bundle_.config()["hooks"] = boost::json::object{
      {"prestart", boost::json::array{hook(script_, "prestart")}},
      {"createRuntime", boost::json::array{hook(script_, "createRuntime")}},
      {"createContainer", boost::json::array{hook(script_, "createContainer")}},
      {"startContainer", boost::json::array{hook("/bin/hook-in-container", "startContainer")}},
      {"poststart", boost::json::array{hook(script_, "poststart", {"extra1", "extra2"})}},
      {"poststop", boost::json::array{hook(script_, "poststop")}},
  };
  bundle_.set_args({"sleep", "1000"});
  bundle_.save();

  Result created = rt_.run({"create", "--bundle", bundle_.path(), id});
  ASSERT_EQ(created.code, 0) << created.err;
  auto lines = parse_log(read_file(log_));
  ASSERT_EQ(lines.size(), 3u) << read_file(log_);
  EXPECT_EQ(lines[0].kind, "prestart");
  EXPECT_EQ(lines[1].kind, "createRuntime");
  EXPECT_EQ(lines[2].kind, "createContainer");

  Result started = rt_.run({"start", id});
  ASSERT_EQ(started.code, 0) << started.err;
  // poststart has run when start returns.
  lines = parse_log(read_file(log_));
  ASSERT_EQ(lines.size(), 5u) << read_file(log_);
  EXPECT_EQ(lines[3].kind, "startContainer");
  EXPECT_EQ(lines[4].kind, "poststart");

  ASSERT_EQ(rt_.run({"kill", id, "KILL"}).code, 0);
  EXPECT_EQ(wait_for_status(rt_, id, "stopped"), "stopped");
  Result deleted = rt_.run({"delete", id});
  ASSERT_EQ(deleted.code, 0) << deleted.err;
  lines = parse_log(read_file(log_));
  ASSERT_EQ(lines.size(), 6u) << read_file(log_);
  EXPECT_EQ(lines[5].kind, "poststop");

  int64_t pid = 0;
  for (const auto& h : lines) {
    SCOPED_TRACE(h.kind);
    EXPECT_EQ(h.env, "env=" + h.kind + "-env");
    EXPECT_EQ(h.args, h.kind == "poststart" ? "args=3" : "args=1");
    ASSERT_FALSE(h.state.empty());
    EXPECT_EQ(h.state.at("id").as_string(), id);
    EXPECT_EQ(h.state.at("ociVersion").as_string(), "1.2.0");
    EXPECT_EQ(h.state.at("bundle").as_string(), bundle_.path());
    EXPECT_EQ(h.state.at("annotations").as_object().at("org.skiff.test").as_string(), "hooks");
    if (h.kind != "poststop") {
      if (pid == 0) {
        pid = h.state.at("pid").as_int64();
      }
      EXPECT_EQ(h.state.at("pid").as_int64(), pid);
    }
  }
  EXPECT_GT(pid, 0);
  EXPECT_EQ(lines[4].state.at("status").as_string(), "running");
  EXPECT_EQ(lines[5].state.at("status").as_string(), "stopped");
}

// startContainer runs before the user's program is executed, poststart after it: a slow
// startContainer hook still comes first, and poststart sees the user's program as the process.
TEST_F(Hooks, PoststartRunsAfterTheUserProgramStarted) {
  std::string id = unique_id("hooks-poststart-order");
  write_file(bundle_.rootfs() + "/bin/slow-hook", "#!/bin/sh\nsleep 1\necho startContainer >> /hooklog/log\n", 0755);
  std::string poststart = dir_.path() + "/poststart.sh";
  write_file(poststart,
             "#!/bin/sh\npid=$(sed -n 's/.*\"pid\":\\([0-9]*\\).*/\\1/p')\n"
             "echo \"poststart $(readlink /proc/$pid/exe)\" >> " +
                 log_ + "\n",
             0755);
  bundle_.config()["hooks"] = boost::json::object{
      {"startContainer", boost::json::array{boost::json::object{{"path", "/bin/slow-hook"}}}},
      {"poststart", boost::json::array{boost::json::object{{"path", poststart}}}},
  };
  bundle_.set_args({"sleep", "1000"});
  bundle_.save();
  ASSERT_EQ(rt_.run({"create", "--bundle", bundle_.path(), id}).code, 0);
  Result started = rt_.run({"start", id});
  ASSERT_EQ(started.code, 0) << started.err;
  std::string log = read_file(log_);
  EXPECT_EQ(log.substr(0, log.find('\n') + 1), "startContainer\n") << log;
  // The exe as the host sees it, seen through the container's own root mount: ".../bin/busybox".
  std::string last = log.substr(log.find('\n') + 1);
  EXPECT_EQ(last.substr(0, 10), "poststart ") << log;
  EXPECT_TRUE(last.ends_with("/bin/busybox\n")) << log;
}

TEST_F(Hooks, CreateContainerRunsInTheContainersMountNamespace) {
  std::string id = unique_id("hooks-mntns");
  std::string script = dir_.path() + "/mntns.sh";
  write_file(script, "#!/bin/sh\nstat -L -c %i /proc/self/ns/mnt > " + dir_.path() + "/$1\n", 0755);
  bundle_.config()["hooks"] = boost::json::object{
      {"createRuntime", boost::json::array{hook(script, "createRuntime")}},
      {"createContainer", boost::json::array{hook(script, "createContainer")}},
  };
  bundle_.set_args({"sleep", "1000"});
  bundle_.save();
  Result created = rt_.run({"create", "--bundle", bundle_.path(), id});
  ASSERT_EQ(created.code, 0) << created.err;
  std::string pid = std::to_string(state_of(rt_, id).at("pid").as_int64());
  ino_t container_mnt = ns_inode("/proc/" + pid + "/ns/mnt");
  EXPECT_EQ(std::to_string(ns_inode("/proc/self/ns/mnt")) + "\n", read_file(dir_.path() + "/createRuntime"));
  EXPECT_EQ(std::to_string(container_mnt) + "\n", read_file(dir_.path() + "/createContainer"));
}

TEST_F(Hooks, RunRunsThemAllToo) {
  bundle_.config()["hooks"] = boost::json::object{
      {"prestart", boost::json::array{hook(script_, "prestart")}},
      {"poststart", boost::json::array{hook(script_, "poststart")}},
      {"poststop", boost::json::array{hook(script_, "poststop")}},
  };
  Result r = run_in_container(rt_, bundle_, unique_id("hooks-run"), "echo ran");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "ran\n");
  auto lines = parse_log(read_file(log_));
  ASSERT_EQ(lines.size(), 3u) << read_file(log_);
  EXPECT_EQ(lines[0].kind, "prestart");
  EXPECT_EQ(lines[1].kind, "poststart");
  EXPECT_EQ(lines[2].kind, "poststop");
}

TEST_F(Hooks, FailingPrestartFailsCreateAndLeavesNothing) {
  std::string id = unique_id("hooks-fail");
  std::string failing = dir_.path() + "/fail.sh";
  write_file(failing, "#!/bin/sh\necho 'hook says no' >&2\nexit 3\n", 0755);
  bundle_.config()["hooks"] = boost::json::object{
      {"prestart", boost::json::array{boost::json::object{{"path", failing}}}},
      {"poststop", boost::json::array{hook(script_, "poststop")}},
  };
  bundle_.set_args({"sleep", "1000"});
  bundle_.save();
  Result created = rt_.run({"create", "--bundle", bundle_.path(), id});
  EXPECT_NE(created.code, 0);
  EXPECT_NE(created.err.find("prestart"), std::string::npos) << created.err;
  EXPECT_NE(created.err.find(failing), std::string::npos) << created.err;
  EXPECT_NE(created.err.find("exit status 3"), std::string::npos) << created.err;
  EXPECT_NE(created.err.find("hook says no"), std::string::npos) << created.err;
  EXPECT_EQ(joined(leftovers(rt_, id, bundle_.path())), "");
  Result list = rt_.run({"list", "-q"});
  EXPECT_EQ(list.out, "");
}

TEST_F(Hooks, MissingHookBinaryFailsCreate) {
  std::string id = unique_id("hooks-missing");
  bundle_.config()["hooks"] =
      boost::json::object{{"createRuntime", boost::json::array{boost::json::object{{"path", "/no/such/hook"}}}}};
  bundle_.save();
  Result created = rt_.run({"create", "--bundle", bundle_.path(), id});
  EXPECT_NE(created.code, 0);
  EXPECT_NE(created.err.find("/no/such/hook"), std::string::npos) << created.err;
  EXPECT_EQ(joined(leftovers(rt_, id, bundle_.path())), "");
}

TEST_F(Hooks, HookTimeout) {
  std::string id = unique_id("hooks-timeout");
  std::string slow = dir_.path() + "/slow.sh";
  write_file(slow, "#!/bin/sh\nexec sleep 600\n", 0755);
  bundle_.config()["hooks"] =
      boost::json::object{{"createRuntime", boost::json::array{boost::json::object{{"path", slow}, {"timeout", 1}}}}};
  bundle_.save();
  Result created = rt_.run({"create", "--bundle", bundle_.path(), id});
  EXPECT_NE(created.code, 0);
  EXPECT_NE(created.err.find("createRuntime"), std::string::npos) << created.err;
  EXPECT_NE(created.err.find("timed out"), std::string::npos) << created.err;
  EXPECT_EQ(joined(leftovers(rt_, id, bundle_.path())), "");
}

TEST_F(Hooks, FailingPoststartOnlyWarns) {
  std::string id = unique_id("hooks-poststart");
  std::string failing = dir_.path() + "/fail.sh";
  write_file(failing, "#!/bin/sh\nexit 1\n", 0755);
  bundle_.config()["hooks"] =
      boost::json::object{{"poststart", boost::json::array{boost::json::object{{"path", failing}}}}};
  Result r = run_in_container(rt_, bundle_, id, "echo still-ran");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "still-ran\n");
  EXPECT_NE(r.err.find("poststart"), std::string::npos) << r.err;
}

TEST_F(Hooks, FailingStartContainerHookFailsStart) {
  std::string id = unique_id("hooks-startc");
  write_file(bundle_.rootfs() + "/bin/fail-hook", "#!/bin/sh\nexit 4\n", 0755);
  bundle_.config()["hooks"] =
      boost::json::object{{"startContainer", boost::json::array{boost::json::object{{"path", "/bin/fail-hook"}}}},
                          {"poststart", boost::json::array{hook(script_, "poststart")}}};
  bundle_.set_args({"sleep", "1000"});
  bundle_.save();
  ASSERT_EQ(rt_.run({"create", "--bundle", bundle_.path(), id}).code, 0);
  Result started = rt_.run({"start", id});
  EXPECT_NE(started.code, 0);
  EXPECT_EQ(wait_for_status(rt_, id, "stopped"), "stopped");
  EXPECT_FALSE(path_exists(log_)) << read_file(log_);  // poststart did not run
}

}  // namespace
}  // namespace skiff::testing

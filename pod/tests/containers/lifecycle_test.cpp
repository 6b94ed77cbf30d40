// Standalone containers' lifecycle through ContainerManager: logs in the CRI format read by
// another manager after the creating process exited, exit codes, restart policies, stop, kill,
// rm, names, inspect, wait, logs options.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>

#include "container_test_util.h"
#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/strings.h"

namespace skiff::pod::testing {
namespace {

using std::chrono::milliseconds;

TEST_F(ContainerTest, OutputIsLoggedInCriFormatAndOutlivesTheCreatingProcess) {
  // The creating process starts the container and exits at once: the monitor carries on.
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    try {
      ContainerManager mgr(options_);
      auto id = mgr.create(script("printer", "sleep 0.5; echo hello; echo oops >&2; printf unfinished"));
      mgr.start(id);
      ::_exit(0);
    } catch (const std::exception& e) {
      ::_exit(1);
    }
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);

  ContainerManager reader(options_);
  EXPECT_EQ(reader.wait("printer"), 0);
  auto info = reader.info("printer");
  std::string raw = read_file(info.log_path);
  std::regex entry(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z (stdout|stderr) (P|F) (.*)$)");
  auto lines = split(raw, '\n');
  ASSERT_EQ(lines.size(), 4U) << raw;  // three entries and the final newline
  std::smatch m;
  ASSERT_TRUE(std::regex_match(lines[0], m, entry)) << lines[0];
  EXPECT_EQ(m[1], "stdout");
  EXPECT_EQ(m[2], "F");
  EXPECT_EQ(m[3], "hello");
  ASSERT_TRUE(std::regex_match(lines[1], m, entry)) << lines[1];
  EXPECT_EQ(m[1], "stderr");
  EXPECT_EQ(m[3], "oops");
  ASSERT_TRUE(std::regex_match(lines[2], m, entry)) << lines[2];
  EXPECT_EQ(m[2], "P") << "output that ended without a newline";
  EXPECT_EQ(m[3], "unfinished");
  EXPECT_EQ(output("printer"), "hello\noops\nunfinished");
}

TEST_F(ContainerTest, ExitCodeAndTimesAreRecorded) {
  auto id = manager().create(script("exit3", "exit 3"));
  EXPECT_EQ(manager().info(id).status, ContainerStatusKind::created);
  manager().start(id);
  EXPECT_EQ(manager().wait(id), 3);
  auto info = manager().info("exit3");
  EXPECT_EQ(info.status, ContainerStatusKind::exited);
  EXPECT_EQ(info.exit_code, 3);
  EXPECT_FALSE(info.started_at.empty());
  EXPECT_FALSE(info.finished_at.empty());
  EXPECT_GE(info.finished_at, info.started_at);
  EXPECT_EQ(info.restart_count, 0);
  // A stopped container starts again.
  manager().start(id);
  EXPECT_EQ(manager().wait(id), 3);
}

TEST_F(ContainerTest, OnFailureWithMaximumRestartsThatOften) {
  auto spec = script("flaky", "echo run; exit 1");
  spec.restart = parse_restart_policy("on-failure:2");
  manager().start(manager().create(spec));
  EXPECT_EQ(manager().wait("flaky"), 1);
  auto info = manager().info("flaky");
  EXPECT_EQ(info.restart_count, 2);
  EXPECT_EQ(info.status, ContainerStatusKind::exited);
  EXPECT_EQ(output("flaky"), "run\nrun\nrun");
}

TEST_F(ContainerTest, OnFailureDoesNotRestartASuccess) {
  auto spec = script("fine", "echo run");
  spec.restart = parse_restart_policy("on-failure");
  manager().start(manager().create(spec));
  EXPECT_EQ(manager().wait("fine"), 0);
  EXPECT_EQ(manager().info("fine").restart_count, 0);
}

TEST_F(ContainerTest, NoPolicyNeverRestarts) {
  manager().start(manager().create(script("once", "echo run; exit 1")));
  EXPECT_EQ(manager().wait("once"), 1);
  EXPECT_EQ(manager().info("once").restart_count, 0);
  EXPECT_EQ(output("once"), "run");
}

TEST_F(ContainerTest, AlwaysRestartsUntilTheUserStopsIt) {
  auto spec = script("forever", "echo run; sleep 0.2");
  spec.restart = parse_restart_policy("always");
  manager().start(manager().create(spec));
  auto info = wait_for("forever", [](const ContainerInfo& i) { return i.restart_count >= 2; });
  ASSERT_GE(info.restart_count, 2);
  manager().stop("forever", milliseconds(5000));
  info = manager().info("forever");
  EXPECT_EQ(info.status, ContainerStatusKind::exited);
  int count = info.restart_count;
  // Stopped for good: wait returns, and no restart follows.
  manager().wait("forever");
  EXPECT_EQ(manager().info("forever").restart_count, count);
  EXPECT_FALSE(manager().info("forever").running());
}

TEST_F(ContainerTest, StopSendsTheStopSignalThenKills) {
  // PID 1 ignores SIGTERM: after the timeout, SIGKILL.
  manager().start(manager().create(script("stubborn", "trap '' TERM; echo ready; while :; do sleep 0.1; done")));
  ASSERT_TRUE(wait_for_output("stubborn", "ready"));
  manager().stop("stubborn", milliseconds(300));
  auto info = manager().info("stubborn");
  EXPECT_EQ(info.status, ContainerStatusKind::exited);
  EXPECT_EQ(info.exit_code, 128 + SIGKILL);

  // One that handles SIGTERM ends on it.
  manager().start(manager().create(script("polite", "trap 'exit 0' TERM; echo ready; while :; do sleep 0.1; done")));
  ASSERT_TRUE(wait_for_output("polite", "ready"));
  manager().stop("polite", milliseconds(30000));
  EXPECT_EQ(manager().info("polite").exit_code, 0);
  // Stopping a stopped container is fine.
  manager().stop("polite", milliseconds(0));
}

TEST_F(ContainerTest, KillSendsTheSignal) {
  manager().start(
      manager().create(script("target", "trap 'echo got; exit 5' USR1; echo ready; while :; do sleep 0.1; done")));
  ASSERT_TRUE(wait_for_output("target", "ready"));
  manager().kill("target", SIGUSR1);
  EXPECT_EQ(manager().wait("target"), 5);
  EXPECT_EQ(output("target"), "ready\ngot");
  try {
    manager().kill("target", SIGKILL);
    ADD_FAILURE() << "kill of a stopped container succeeded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not running"), std::string::npos) << e.what();
  }
}

TEST_F(ContainerTest, RemovingARunningContainerNeedsForce) {
  manager().start(manager().create(script("busy", "echo ready; while :; do sleep 0.1; done")));
  ASSERT_TRUE(wait_for_output("busy", "ready"));
  try {
    manager().remove("busy", false);
    ADD_FAILURE() << "rm of a running container succeeded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), EBUSY);
    EXPECT_NE(std::string(e.what()).find("is running"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(manager().info("busy").running());
  manager().remove("busy", true);
  EXPECT_THROW(manager().info("busy"), Error);
  EXPECT_TRUE(manager().list(true).empty());
}

// The super options of the mount at path in /proc/self/mountinfo ("" when nothing is mounted there).
std::string super_options_at(const std::string& path) {
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  std::string found;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::vector<std::string> f{std::istream_iterator<std::string>(fields), std::istream_iterator<std::string>()};
    auto dash = std::find(f.begin(), f.end(), "-");
    if (f.size() > 4 && f[4] == path && dash != f.end() && dash + 3 < f.end()) {
      found = *(dash + 3);  // the last mount there wins
    }
  }
  return found;
}

TEST_F(ContainerTest, OnlyATransientContainersRootfsIsVolatile) {
  auto kept = script("kept", "true");
  auto attached = script("attached", "true");  // run --rm: removed by its caller
  attached.rm = true;
  auto detached = script("detached", "true");  // run -d --rm: removed by its monitor
  detached.rm = true;
  detached.auto_remove = true;
  std::string kept_opts = super_options_at(store().root() + "/containers/" + manager().create(kept) + "/merged");
  ASSERT_NE(kept_opts, "");
  EXPECT_EQ(kept_opts.find("volatile"), std::string::npos) << kept_opts;
  for (const auto& spec : {attached, detached}) {
    std::string opts = super_options_at(store().root() + "/containers/" + manager().create(spec) + "/merged");
    ASSERT_NE(opts, "");
    EXPECT_NE(opts.find("volatile"), std::string::npos) << spec.name << ": " << opts;
    manager().remove(spec.name, true);
  }
  manager().remove("kept", true);
}

TEST_F(ContainerTest, InitRunsAsPidOneForwardsSignalsAndExitsAsTheCommand) {
  auto exiting = script("inited", "tr '\\0' ' ' < /proc/1/cmdline; echo; exit 5");
  exiting.init = true;
  manager().start(manager().create(exiting));
  EXPECT_EQ(manager().wait("inited"), 5);
  EXPECT_NE(output("inited").find("/run/skiff-init -- /bin/sh -c"), std::string::npos) << output("inited");
  EXPECT_EQ(manager().inspect("inited").at("HostConfig").as_object().at("Init"), true);

  // stop's SIGTERM reaches the command through the init, whose trap then decides the exit code.
  auto trapping = script("trapping", "trap 'exit 7' TERM; echo ready; while :; do sleep 0.05; done");
  trapping.init = true;
  manager().start(manager().create(trapping));
  ASSERT_TRUE(wait_for_output("trapping", "ready"));
  manager().stop("trapping", std::chrono::seconds(30));
  EXPECT_EQ(manager().info("trapping").exit_code, 7);
  manager().remove("inited", false);
  manager().remove("trapping", false);
}

TEST_F(ContainerTest, NamesAreUniqueAndGeneratedWhenMissing) {
  manager().create(script("dup", "true"));
  try {
    manager().create(script("dup", "true"));
    ADD_FAILURE() << "a second container named dup was made";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), EEXIST);
    EXPECT_NE(std::string(e.what()).find("already in use"), std::string::npos) << e.what();
  }
  auto a = manager().info(manager().create(script("", "true")));
  auto b = manager().info(manager().create(script("", "true")));
  EXPECT_NE(a.name.find('_'), std::string::npos) << a.name;
  EXPECT_NE(a.name, b.name);
  EXPECT_EQ(manager().list(true).size(), 3U);
  EXPECT_TRUE(manager().list(false).empty());
  EXPECT_THROW(manager().create(script("bad name!", "true")), Error);
  auto unknown = script("", "true");
  unknown.image = "no-such-image";
  EXPECT_THROW(manager().create(unknown), Error);
  EXPECT_EQ(manager().list(true).size(), 3U) << "a failed create left a container";
}

TEST_F(ContainerTest, InspectShowsStateConfigAndHostConfig) {
  auto spec = script("inspected", "echo ready; while :; do sleep 0.1; done");
  spec.env = {"FOO=bar"};
  spec.labels = {{"tier", "test"}};
  spec.restart = parse_restart_policy("on-failure:4");
  spec.memory = 64 << 20;
  manager().start(manager().create(spec));
  ASSERT_TRUE(wait_for_output("inspected", "ready"));
  auto doc = manager().inspect("inspected");
  EXPECT_EQ(doc.at("Name").as_string(), "inspected");
  EXPECT_EQ(doc.at("Id").as_string().size(), 64U);
  const auto& state = doc.at("State").as_object();
  EXPECT_EQ(state.at("Status").as_string(), "running");
  EXPECT_TRUE(state.at("Running").as_bool());
  EXPECT_GT(state.at("Pid").as_int64(), 0);
  EXPECT_FALSE(state.at("StartedAt").as_string().empty());
  EXPECT_TRUE(doc.at("Image").as_string().starts_with("sha256:"));
  const auto& config = doc.at("Config").as_object();
  EXPECT_EQ(config.at("Labels").at("tier").as_string(), "test");
  EXPECT_EQ(config.at("Cmd").as_array().back().as_string(), "echo ready; while :; do sleep 0.1; done");
  const auto& host = doc.at("HostConfig").as_object();
  EXPECT_EQ(host.at("RestartPolicy").at("Name").as_string(), "on-failure:4");
  EXPECT_EQ(host.at("Memory").as_int64(), 64 << 20);
  EXPECT_EQ(host.at("NetworkMode").as_string(), "none");
  EXPECT_TRUE(path_exists(std::string(doc.at("LogPath").as_string())));
  manager().stop("inspected", milliseconds(0));
  auto stopped = manager().inspect("inspected");
  const auto& end = stopped.at("State").as_object();
  EXPECT_EQ(end.at("Status").as_string(), "exited");
  EXPECT_EQ(end.at("ExitCode").as_int64(), 137);
  EXPECT_FALSE(end.at("FinishedAt").as_string().empty());
}

TEST_F(ContainerTest, LogsTailSinceAndTimestamps) {
  manager().start(manager().create(script("counter", "echo 1; echo 2; sleep 0.2; echo 3")));
  ASSERT_EQ(manager().wait("counter"), 0);
  std::vector<LogLine> all;
  manager().logs("counter", {}, [&](const LogLine& l) { all.push_back(l); });
  ASSERT_EQ(all.size(), 3U);
  std::vector<std::string> tail;
  manager().logs("counter", {.tail = 2}, [&](const LogLine& l) { tail.push_back(l.content); });
  EXPECT_EQ(tail, (std::vector<std::string>{"2", "3"}));
  std::vector<std::string> since;
  manager().logs("counter", {.since_ns = all[2].time_ns}, [&](const LogLine& l) { since.push_back(l.content); });
  EXPECT_EQ(since, (std::vector<std::string>{"3"}));
  // Every line carries the time it was written, in order.
  EXPECT_LE(all[0].time_ns, all[1].time_ns);
  EXPECT_LT(all[1].time_ns, all[2].time_ns);
  EXPECT_EQ(parse_rfc3339_ns(all[2].timestamp, "t"), all[2].time_ns);
}

TEST_F(ContainerTest, FollowedLogsEndWhenTheContainerDoes) {
  manager().start(manager().create(script("follower", "for i in 1 2 3; do echo $i; sleep 0.1; done")));
  std::vector<std::string> lines;
  manager().logs("follower", {.follow = true}, [&](const LogLine& l) { lines.push_back(l.content); });
  EXPECT_EQ(lines, (std::vector<std::string>{"1", "2", "3"}));
}

}  // namespace
}  // namespace skiff::pod::testing

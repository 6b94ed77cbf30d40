// Init containers, stop with a grace period, exit codes, OOM kills, and state seen by another
// PodManager.

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "pod_test_util.h"
#include "skiff/base/file.h"

namespace skiff::pod::testing {
namespace {

TEST_F(PodTest, InitContainersRunInOrderBeforeContainers) {
  PodSpec spec;
  spec.id = ::skiff::testing::unique_id("init");
  spec.init_containers.push_back(container("first", "echo first >> /shared/order"));
  spec.init_containers.push_back(container("second", "echo second >> /shared/order"));
  spec.containers.push_back(container("app", "cat /shared/order > /shared/seen; echo app >> /shared/order"));
  auto created = manager().create_pod(spec);
  ASSERT_EQ(created.containers.size(), 3U);
  EXPECT_TRUE(created.containers[0].init);
  EXPECT_EQ(created.containers[0].state, ContainerState::exited);
  EXPECT_EQ(created.containers[0].exit_code, 0);
  EXPECT_EQ(created.containers[1].state, ContainerState::exited);
  auto app = wait_exited(spec.id, "app");
  EXPECT_EQ(app.exit_code, 0) << read_file(app.log_path);
  EXPECT_EQ(read_shared("seen"), "first\nsecond\n");
  EXPECT_EQ(read_shared("order"), "first\nsecond\napp\n");
  manager().remove_pod(spec.id, true);
  expect_nothing_left(spec.id);
}

TEST_F(PodTest, FailingInitContainerFailsThePodWithItsCode) {
  PodSpec spec;
  spec.id = ::skiff::testing::unique_id("initfail");
  spec.init_containers.push_back(container("ok", "echo ok >> /shared/order"));
  spec.init_containers.push_back(container("broken", "echo 'no database' >&2; exit 3"));
  spec.init_containers.push_back(container("never", "echo never >> /shared/order"));
  spec.containers.push_back(container("app", "echo app >> /shared/order"));
  try {
    manager().create_pod(spec);
    FAIL() << "create_pod succeeded";
  } catch (const ContainerFailed& e) {
    EXPECT_EQ(e.exit_code(), 3);
    EXPECT_NE(std::string(e.what()).find("broken"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("no database"), std::string::npos) << e.what();
  }
  EXPECT_EQ(read_shared("order"), "ok\n");
  EXPECT_TRUE(manager().list_pods().empty());
  expect_nothing_left(spec.id);
}

TEST_F(PodTest, StopSendsTheStopSignalThenKillsAfterGrace) {
  PodSpec spec;
  spec.id = ::skiff::testing::unique_id("stop");
  spec.containers.push_back(
      container("polite",
                "trap 'echo term > /shared/polite.term; exit 7' TERM; touch /shared/polite.ready; "
                "while true; do sleep 0.05; done"));
  spec.containers.push_back(
      container("stubborn", "trap '' TERM; touch /shared/stubborn.ready; while true; do sleep 0.05; done"));
  auto hup = container("hup", "trap 'exit 9' HUP; touch /shared/hup.ready; while true; do sleep 0.05; done");
  hup.stop_signal = SIGHUP;
  spec.containers.push_back(hup);
  manager().create_pod(spec);
  ASSERT_TRUE(wait_shared_file("polite.ready"));
  ASSERT_TRUE(wait_shared_file("stubborn.ready"));
  ASSERT_TRUE(wait_shared_file("hup.ready"));
  auto running = manager().pod_status(spec.id);
  EXPECT_EQ(running.state, "running");
  EXPECT_EQ(find_container(running, "stubborn").state, ContainerState::running);
  EXPECT_THROW(manager().remove_pod(spec.id, false), Error);

  manager().stop_pod(spec.id, std::chrono::milliseconds(500));
  // Another process's view: a new manager reads the same state.
  PodManager other(options());
  auto stopped = other.pod_status(spec.id);
  EXPECT_EQ(stopped.state, "stopped");
  auto polite = find_container(stopped, "polite");
  EXPECT_EQ(polite.state, ContainerState::exited);
  EXPECT_EQ(polite.exit_code, 7);
  EXPECT_EQ(read_shared("polite.term"), "term\n");
  EXPECT_EQ(find_container(stopped, "hup").exit_code, 9);
  auto stubborn = find_container(stopped, "stubborn");
  EXPECT_EQ(stubborn.exit_code, 128 + SIGKILL);
  EXPECT_FALSE(stubborn.oom_killed);
  EXPECT_FALSE(stubborn.started_at.empty());
  EXPECT_FALSE(stubborn.finished_at.empty());
  EXPECT_EQ(stubborn.restart_count, 0);
  auto listed = other.list_pods();
  ASSERT_EQ(listed.size(), 1U);
  EXPECT_EQ(listed[0].id, spec.id);
  other.remove_pod(spec.id, false);
  expect_nothing_left(spec.id);
}

TEST_F(PodTest, StartAfterStopRunsTheInitContainersAndContainersAgain) {
  PodSpec spec;
  spec.id = ::skiff::testing::unique_id("restart");
  spec.network = bridge_networking_available() ? NetworkMode::bridge : NetworkMode::none;
  spec.init_containers.push_back(container("setup", "echo setup >> /shared/runs"));
  // host is written before runs: once runs shows a start, that start's host file is whole.
  spec.containers.push_back(container("app", "hostname > /shared/host; echo app >> /shared/runs; sleep 1000"));
  // Polled (bounded) until the containers have written what each start writes.
  auto wait_runs = [&](const std::string& want) {
    for (int i = 0; i < 200 && read_shared("runs") != want; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return read_shared("runs");
  };
  PodStatus first = manager().create_pod(spec);
  ASSERT_EQ(wait_runs("setup\napp\n"), "setup\napp\n");
  manager().stop_pod(spec.id, std::chrono::milliseconds(0));
  EXPECT_EQ(manager().pod_status(spec.id).state, "stopped");
  // Starting a running pod changes nothing.
  PodStatus started = manager().start_pod(spec.id);
  EXPECT_EQ(manager().start_pod(spec.id).infra_pid, started.infra_pid);
  EXPECT_EQ(started.state, "running");
  EXPECT_NE(started.infra_pid, first.infra_pid);
  EXPECT_EQ(find_container(started, "app").state, ContainerState::running);
  EXPECT_EQ(find_container(started, "setup").exit_code, 0);
  EXPECT_EQ(started.network.has_value(), first.network.has_value());
  EXPECT_EQ(wait_runs("setup\napp\nsetup\napp\n"), "setup\napp\nsetup\napp\n");
  EXPECT_EQ(read_shared("host"), spec.id + "\n");
  manager().remove_pod(spec.id, true);
  expect_nothing_left(spec.id);
}

TEST_F(PodTest, ExitCodeAndOomKillAreRecorded) {
  PodSpec spec;
  spec.id = ::skiff::testing::unique_id("oom");
  spec.containers.push_back(container("exits", "exit 42"));
  auto hog = container("hog", "a=xxxxxxxxxxxxxxxx; while true; do a=$a$a; done");
  hog.resources = boost::json::object{{"memory", {{"limit", 8 << 20}, {"swap", 8 << 20}}}};
  spec.containers.push_back(hog);
  manager().create_pod(spec);
  auto exits = wait_exited(spec.id, "exits");
  EXPECT_EQ(exits.exit_code, 42);
  EXPECT_FALSE(exits.oom_killed);
  auto killed = wait_exited(spec.id, "hog");
  EXPECT_EQ(killed.state, ContainerState::exited);
  EXPECT_TRUE(killed.oom_killed);
  EXPECT_EQ(killed.exit_code, 128 + SIGKILL);
  manager().remove_pod(spec.id, true);
  expect_nothing_left(spec.id);
}

TEST_F(PodTest, CreationErrorsReachTheCallerVerbatim) {
  PodSpec spec;
  spec.id = ::skiff::testing::unique_id("badcmd");
  spec.containers.push_back(container("app", "true"));
  spec.containers[0].args = {"/no/such/program"};
  try {
    manager().create_pod(spec);
    FAIL() << "create_pod succeeded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/no/such/program"), std::string::npos) << e.what();
  }
  expect_nothing_left(spec.id);
}

}  // namespace
}  // namespace skiff::pod::testing

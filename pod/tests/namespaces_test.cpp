// Two containers of one pod share UTS, IPC and network namespaces, and PID only when asked.

#include <gtest/gtest.h>
#include <unistd.h>

#include "pod_test_util.h"
#include "skiff/base/file.h"
#include "skiff/base/strings.h"

namespace skiff::pod::testing {
namespace {

// Records the container's hostname and namespaces into /shared/<name>.*
std::string record_namespaces(const std::string& name) {
  return "hostname > /shared/" + name +
         ".host; for ns in ipc uts net pid mnt; do readlink /proc/self/ns/$ns; done > /shared/" + name + ".ns; ";
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  for (auto& line : split(text, '\n')) {
    if (!line.empty()) {
      out.push_back(line);
    }
  }
  return out;
}

TEST_F(PodTest, ContainersShareUtsIpcAndNetworkButNotPid) {
  PodSpec spec;
  spec.id = ::skiff::testing::unique_id("shared");
  spec.hostname = "podhost";
  // The server publishes a message queue (mqueue is per IPC namespace) and then serves once.
  spec.containers.push_back(container(
      "server", record_namespaces("server") + "touch /dev/mqueue/skiffq && nc -l -p 8080 -e echo hi-from-server"));
  spec.containers.push_back(
      container("client", record_namespaces("client") +
                              "until [ -e /dev/mqueue/skiffq ]; do sleep 0.05; done; echo seen > /shared/client.mq; "
                              "until nc 127.0.0.1 8080 > /shared/client.got 2>/dev/null && [ -s /shared/client.got ]; "
                              "do sleep 0.05; done"));
  PodStatus created = manager().create_pod(spec);
  EXPECT_EQ(created.state, "running");
  EXPECT_GT(created.infra_pid, 0);

  auto server = wait_exited(spec.id, "server");
  auto client = wait_exited(spec.id, "client");
  EXPECT_EQ(server.state, ContainerState::exited);
  EXPECT_EQ(server.exit_code, 0) << read_file(server.log_path);
  EXPECT_EQ(client.state, ContainerState::exited);
  EXPECT_EQ(client.exit_code, 0) << read_file(client.log_path);

  EXPECT_EQ(read_shared("server.host"), "podhost\n");
  EXPECT_EQ(read_shared("client.host"), "podhost\n");
  EXPECT_EQ(read_shared("client.mq"), "seen\n");
  EXPECT_EQ(read_shared("client.got"), "hi-from-server\n");
  auto server_ns = lines(read_shared("server.ns"));
  auto client_ns = lines(read_shared("client.ns"));
  ASSERT_EQ(server_ns.size(), 5U);
  ASSERT_EQ(client_ns.size(), 5U);
  EXPECT_EQ(server_ns[0], client_ns[0]) << "ipc";
  EXPECT_EQ(server_ns[1], client_ns[1]) << "uts";
  EXPECT_EQ(server_ns[2], client_ns[2]) << "net";
  EXPECT_NE(server_ns[3], client_ns[3]) << "pid";
  EXPECT_NE(server_ns[4], client_ns[4]) << "mnt";

  manager().stop_pod(spec.id, std::chrono::seconds(5));
  manager().remove_pod(spec.id, false);
  expect_nothing_left(spec.id);
}

TEST_F(PodTest, SharedPidNamespaceHasTheInfraAsPid1) {
  PodSpec spec;
  spec.id = ::skiff::testing::unique_id("sharepid");
  spec.share_pid = true;
  spec.containers.push_back(container("sleeper", "exec sleep 1000"));
  spec.containers.push_back(
      container("observer",
                "until ps -o pid,comm | grep -q 'sleep'; do sleep 0.05; done; ps -o pid,comm > /shared/ps; "
                // An orphan is reparented to the infra process, which must reap it.
                "(exec true &); until ! ps -o comm | grep -qx true; do sleep 0.05; done"));
  manager().create_pod(spec);
  auto observer = wait_exited(spec.id, "observer");
  EXPECT_EQ(observer.exit_code, 0) << read_file(observer.log_path);
  std::string ps = read_shared("ps");
  bool pause_is_1 = false;
  for (const auto& line : lines(ps)) {
    auto fields = split(std::string(trim(line)), ' ');
    if (fields.size() >= 2 && fields.front() == "1" && fields.back() == "skiff-pause") {
      pause_is_1 = true;
    }
  }
  EXPECT_TRUE(pause_is_1) << ps;
  EXPECT_NE(ps.find("sleep"), std::string::npos) << ps;

  manager().stop_pod(spec.id, std::chrono::seconds(5));
  auto status = manager().pod_status(spec.id);
  EXPECT_EQ(status.state, "stopped");
  manager().remove_pod(spec.id, false);
  expect_nothing_left(spec.id);
}

TEST_F(PodTest, HostNetworkModeUsesTheCallersNetworkNamespace) {
  PodSpec spec;
  spec.id = ::skiff::testing::unique_id("hostnet");
  spec.network = NetworkMode::host;
  spec.containers.push_back(container("app", record_namespaces("app")));
  manager().create_pod(spec);
  auto app = wait_exited(spec.id, "app");
  EXPECT_EQ(app.exit_code, 0) << read_file(app.log_path);
  auto ns = lines(read_shared("app.ns"));
  ASSERT_EQ(ns.size(), 5U);
  char own[256] = {};
  ASSERT_GT(::readlink("/proc/self/ns/net", own, sizeof(own) - 1), 0);
  EXPECT_EQ(ns[2], own);
  EXPECT_EQ(read_shared("app.host"), spec.id + "\n");
  manager().remove_pod(spec.id, true);
  expect_nothing_left(spec.id);
}

}  // namespace
}  // namespace skiff::pod::testing

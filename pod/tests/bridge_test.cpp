// Pods on the node's bridge reach each other by address. The test owns its network namespace
// (ctest runs it under unshare --net), so the bridge and veths never touch the host's.

#include <gtest/gtest.h>

#include "pod_test_util.h"
#include "skiff/base/file.h"
#include "skiff/base/strings.h"
#include "skiff/base/subprocess.h"

namespace skiff::pod::testing {
namespace {

std::string links() {
  SubprocessOptions ip;
  ip.args = {"ip", "-o", "link", "show"};
  return run_subprocess(ip).out;
}

TEST_F(PodTest, BridgedPodsReachEachOtherByAddress) {
  if (!bridge_networking_available()) {
    GTEST_SKIP() << "built without the netns module (SKIFF_POD_NETNS=OFF)";
  }
  PodSpec server;
  server.id = ::skiff::testing::unique_id("bridge-a");
  server.network = NetworkMode::bridge;
  server.containers.push_back(container("server", "nc -l -p 8080 -e echo hi-from-a"));
  PodStatus a = manager().create_pod(server);
  ASSERT_TRUE(a.network.has_value());
  std::string address = a.network->address4.substr(0, a.network->address4.find('/'));
  ASSERT_FALSE(address.empty());

  PodSpec client;
  client.id = ::skiff::testing::unique_id("bridge-b");
  client.network = NetworkMode::bridge;
  client.hostname = "clienthost";
  auto c = container("client",
                     "cat /etc/hosts > /shared/b.hosts; "
                     "until nc $TARGET 8080 > /shared/b.got 2>/dev/null && [ -s /shared/b.got ]; "
                     "do sleep 0.05; done");
  c.env = {"TARGET=" + address};
  client.containers.push_back(c);
  PodStatus b = manager().create_pod(client);
  ASSERT_TRUE(b.network.has_value());
  EXPECT_NE(b.network->address4, a.network->address4);

  auto got = wait_exited(client.id, "client");
  EXPECT_EQ(got.exit_code, 0) << read_file(got.log_path);
  EXPECT_EQ(read_shared("b.got"), "hi-from-a\n");
  std::string own = b.network->address4.substr(0, b.network->address4.find('/'));
  bool listed = false;
  for (const auto& line : split(read_shared("b.hosts"), '\n')) {
    listed = listed || (line.rfind(own, 0) == 0 && line.find("clienthost") != std::string::npos);
  }
  EXPECT_TRUE(listed) << read_shared("b.hosts");

  std::string veth_a = a.network->host_veth;
  manager().remove_pod(server.id, true);
  manager().remove_pod(client.id, true);
  expect_nothing_left(server.id);
  expect_nothing_left(client.id);
  EXPECT_EQ(links().find(veth_a), std::string::npos) << links();
}

}  // namespace
}  // namespace skiff::pod::testing

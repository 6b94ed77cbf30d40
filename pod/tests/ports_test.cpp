// Published ports of bridged pods, through PodManager: from the test's namespace (ctest runs it
// under unshare --net) to a server in the pod at 127.0.0.1 and at the host's addresses, TCP and
// UDP; a host port taken by one pod is refused to the next, which leaves nothing behind.

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

#include "pod_test_util.h"
#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/unique_fd.h"
#include "skiff/netns/in_netns.h"
#include "skiff/netns/netlink.h"

namespace skiff::pod::testing {
namespace {

using Clock = std::chrono::steady_clock;

// Bounds a wait for a pod's server to come up: a broken build fails instead of hanging.
constexpr auto kServerWait = std::chrono::seconds(20);

sockaddr_in address_of(const std::string& ip, uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (::inet_pton(AF_INET, ip.c_str(), &addr.sin_addr) != 1) {
    throw Error("not an IPv4 address: " + ip);
  }
  return addr;
}

bool wait_readable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, timeout_ms) == 1;
}

// One TCP exchange: connects, reads to EOF (bounded). Empty when refused or reset, which is what
// a DNAT to a pod whose server is not listening yet looks like.
std::string tcp_read_once(const std::string& ip, uint16_t port) {
  sockaddr_in addr = address_of(ip, port);
  UniqueFd fd(check(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), "socket"));
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) < 0 && errno != EINPROGRESS) {
    return "";
  }
  pollfd p{fd.get(), POLLOUT, 0};
  int err = 0;
  socklen_t len = sizeof(err);
  if (::poll(&p, 1, 3000) != 1 || ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
    return "";
  }
  std::string got;
  char buf[256];
  while (wait_readable(fd.get(), 3000)) {
    ssize_t n = ::read(fd.get(), buf, sizeof(buf));
    if (n <= 0) {
      break;
    }
    got.append(buf, static_cast<size_t>(n));
  }
  return got;
}

// Retries until the pod's server answers (it starts a moment after create_pod returns).
std::string tcp_read(const std::string& ip, uint16_t port) {
  auto deadline = Clock::now() + kServerWait;
  std::string got;
  while ((got = tcp_read_once(ip, port)).empty() && Clock::now() < deadline) {
    ::usleep(50000);
  }
  return got;
}

// A UDP socket bound to port in the pod's network namespace: busybox's nc has no UDP mode, so
// the server side is the test's own socket, made inside the pod by the infra process' netns.
UniqueFd udp_server_in_pod(pid_t infra_pid, uint16_t port) {
  std::string path = "/proc/" + std::to_string(infra_pid) + "/ns/net";
  UniqueFd ns(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!ns) {
    throw_errno("open " + path);
  }
  return netns::in_netns(ns.get(), [&] {
    sockaddr_in any = address_of("0.0.0.0", port);
    UniqueFd fd(check(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), "socket"));
    check(::bind(fd.get(), reinterpret_cast<sockaddr*>(&any), sizeof(any)), "bind udp port in pod");
    return fd;
  });
}

// Sends ping to ip:port; the server echoes it with its peer's address. Returns what came back.
std::string udp_exchange(int server, const std::string& ip, uint16_t port) {
  sockaddr_in to = address_of(ip, port);
  UniqueFd client(check(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), "socket"));
  std::string ping = "ping";
  check(static_cast<int>(
            ::sendto(client.get(), ping.data(), ping.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to))),
        "sendto " + ip);
  if (!wait_readable(server, 5000)) {
    return "<nothing reached the pod>";
  }
  char buf[256];
  sockaddr_in peer{};
  socklen_t peer_len = sizeof(peer);
  ssize_t n = ::recvfrom(server, buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&peer), &peer_len);
  check(static_cast<int>(n), "recvfrom in pod");
  std::string reply = "pong:" + std::string(buf, static_cast<size_t>(n));
  check(static_cast<int>(::sendto(server, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&peer), peer_len)),
        "sendto from pod");
  if (!wait_readable(client.get(), 5000)) {
    return "<no answer>";
  }
  n = ::recv(client.get(), buf, sizeof(buf), 0);
  check(static_cast<int>(n), "recv");
  return std::string(buf, static_cast<size_t>(n));
}

class PortsTest : public PodTest {
 protected:
  void SetUp() override {
    PodTest::SetUp();
    if (!bridge_networking_available()) {
      GTEST_SKIP() << "built without the netns module (SKIFF_POD_NETNS=OFF)";
    }
    // unshare --net leaves lo down, and the published ports must answer at 127.0.0.1.
    netns::Netlink().set_up("lo");
  }

  void TearDown() override {
    PodTest::TearDown();
    try {
      netns::Netlink().delete_link("tports0");  // takes its peer with it
    } catch (const std::exception& e) {
      ADD_FAILURE() << e.what();
    }
  }

  // A pod whose container answers every TCP connection on port 80 with its reply.
  PodSpec web_pod(const std::string& prefix, uint16_t host_port, const std::string& reply) {
    PodSpec spec;
    spec.id = ::skiff::testing::unique_id(prefix);
    spec.network = NetworkMode::bridge;
    spec.ports.push_back({"tcp", "", host_port, 80});
    // -ll with -e: a server that goes on accepting after the first connection.
    spec.containers.push_back(container("web", "exec nc -ll -p 80 -e echo " + reply));
    return spec;
  }

  // An address of the host that is neither loopback nor the bridge's: one end of a veth pair
  // left in the test's namespace (the pod reaches it through its default route).
  std::string extra_host_address() {
    netns::Netlink nl;
    if (!nl.find_link("tports0")) {
      nl.create_veth("tports0", "tports1", 1500);
      nl.add_address("tports0", "192.168.79.1/24");
      nl.set_up("tports1");
      nl.set_up("tports0");
    }
    return "192.168.79.1";
  }
};

TEST_F(PortsTest, PublishedTcpPortReachesThePodAtLoopbackAndHostAddresses) {
  constexpr uint16_t kHostPort = 18080;
  PodSpec spec = web_pod("ports-tcp", kHostPort, "hello-from-pod");
  PodStatus pod = manager().create_pod(spec);
  ASSERT_TRUE(pod.network.has_value());
  ASSERT_EQ(pod.network->ports.size(), 1U);

  for (const std::string& address : {std::string("127.0.0.1"), pod.network->gateway4, extra_host_address()}) {
    SCOPED_TRACE(address);
    EXPECT_EQ(tcp_read(address, kHostPort), "hello-from-pod\n");
  }
  // The container's own port directly at the pod's address, for comparison.
  std::string pod_ip = pod.network->address4.substr(0, pod.network->address4.find('/'));
  EXPECT_EQ(tcp_read(pod_ip, 80), "hello-from-pod\n");

  manager().remove_pod(spec.id, true);
  expect_nothing_left(spec.id);
  EXPECT_EQ(pod_nft_rules(), std::vector<std::string>{});
  EXPECT_EQ(tcp_read_once("127.0.0.1", kHostPort), "") << "the port is still published";
}

TEST_F(PortsTest, PublishedUdpPortReachesThePod) {
  constexpr uint16_t kHostPort = 15353;
  PodSpec spec;
  spec.id = ::skiff::testing::unique_id("ports-udp");
  spec.network = NetworkMode::bridge;
  spec.ports.push_back({"udp", "", kHostPort, 53});
  spec.containers.push_back(container("idle", "exec sleep 600"));
  PodStatus pod = manager().create_pod(spec);
  ASSERT_TRUE(pod.network.has_value());
  UniqueFd server = udp_server_in_pod(pod.infra_pid, 53);

  for (const std::string& address : {std::string("127.0.0.1"), pod.network->gateway4, extra_host_address()}) {
    SCOPED_TRACE(address);
    EXPECT_EQ(udp_exchange(server.get(), address, kHostPort), "pong:ping");
  }

  server.reset();
  manager().remove_pod(spec.id, true);
  expect_nothing_left(spec.id);
  EXPECT_EQ(pod_nft_rules(), std::vector<std::string>{});
}

TEST_F(PortsTest, AHostPortTakenByOnePodIsRefusedToTheNextUntilItIsRemoved) {
  constexpr uint16_t kHostPort = 18081;
  PodSpec first = web_pod("ports-first", kHostPort, "first");
  PodStatus a = manager().create_pod(first);
  ASSERT_TRUE(a.network.has_value());
  ASSERT_EQ(tcp_read("127.0.0.1", kHostPort), "first\n");
  std::vector<std::string> ports_before = bridge_ports(options().bridge.bridge);
  std::vector<std::string> rules_before = pod_nft_rules();

  PodSpec second = web_pod("ports-second", kHostPort, "second");
  try {
    manager().create_pod(second);
    FAIL() << "a second pod got host port " << kHostPort;
  } catch (const std::exception& e) {
    std::string message = e.what();
    EXPECT_NE(message.find(first.id), std::string::npos) << "names the pod holding the port: " << message;
    EXPECT_NE(message.find(second.id), std::string::npos) << message;
    EXPECT_NE(message.find(std::to_string(kHostPort)), std::string::npos) << message;
  }
  // Nothing of the refused pod is left; the first pod is untouched and still serves.
  EXPECT_FALSE(path_exists(root_.path() + "/pods/" + second.id)) << "state dir";
  EXPECT_EQ(bridge_ports(options().bridge.bridge), ports_before) << "a veth of the refused pod";
  EXPECT_EQ(ipam_allocations(options().bridge.state_dir, second.id), std::vector<std::string>{});
  EXPECT_EQ(ipam_allocations(options().bridge.state_dir, first.id).size(), 1U);
  EXPECT_EQ(pod_nft_rules(), rules_before);
  for (const auto& dir : cgroups_below(options().cgroup_parent)) {
    EXPECT_EQ(dir.find(second.id), std::string::npos) << "cgroup left: " << dir;
  }
  EXPECT_EQ(manager().list_pods().size(), 1U);
  EXPECT_EQ(tcp_read("127.0.0.1", kHostPort), "first\n");

  // Removing the first pod frees the port.
  manager().remove_pod(first.id, true);
  PodSpec third = web_pod("ports-third", kHostPort, "third");
  PodStatus c = manager().create_pod(third);
  EXPECT_EQ(tcp_read("127.0.0.1", kHostPort), "third\n");
  EXPECT_EQ(tcp_read(c.network->gateway4, kHostPort), "third\n");
  manager().remove_pod(third.id, true);
  for (const auto& id : {first.id, second.id, third.id}) {
    expect_nothing_left(id);
  }
  EXPECT_EQ(bridge_ports(options().bridge.bridge), std::vector<std::string>{});
  EXPECT_EQ(ipam_allocations(options().bridge.state_dir), std::vector<std::string>{});
  EXPECT_EQ(pod_nft_rules(), std::vector<std::string>{});
}

}  // namespace
}  // namespace skiff::pod::testing

// attach_pod and detach_pod end to end: a bridge in a private network namespace per test,
// scratch namespaces as pods, real TCP between them. Needs root.
#include "skiff/netns/pod_network.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <optional>

#include "netns_test_support.h"
#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/strings.h"
#include "skiff/netns/in_netns.h"
#include "skiff/netns/netlink.h"

namespace skiff::netns {
namespace {

using testing::ScratchNetns;
using testing::TempDir;

std::string without_prefix(const std::string& cidr) {
  return cidr.substr(0, cidr.find('/'));
}

sockaddr_storage socket_address(const std::string& ip, uint16_t port, socklen_t& len) {
  sockaddr_storage storage{};
  if (ip.find(':') == std::string::npos) {
    auto* in = reinterpret_cast<sockaddr_in*>(&storage);
    in->sin_family = AF_INET;
    in->sin_port = htons(port);
    EXPECT_EQ(::inet_pton(AF_INET, ip.c_str(), &in->sin_addr), 1) << ip;
    len = sizeof(sockaddr_in);
  } else {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(port);
    EXPECT_EQ(::inet_pton(AF_INET6, ip.c_str(), &in6->sin6_addr), 1) << ip;
    len = sizeof(sockaddr_in6);
  }
  return storage;
}

// A TCP listener on ip:port in the namespace of the calling thread.
UniqueFd listen_on(const std::string& ip, uint16_t port) {
  socklen_t len = 0;
  sockaddr_storage addr = socket_address(ip, port, len);
  UniqueFd fd(check(::socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0), "socket"));
  check(::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), len), "bind " + ip);
  check(::listen(fd.get(), 4), "listen");
  return fd;
}

// Whether a TCP connection from the calling thread's namespace to ip:port is accepted by
// listener within a few seconds (a lost SYN would otherwise block for minutes).
bool connects(const std::string& ip, uint16_t port, int listener) {
  socklen_t len = 0;
  sockaddr_storage addr = socket_address(ip, port, len);
  UniqueFd fd(check(::socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), "socket"));
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), len) < 0 && errno != EINPROGRESS) {
    return false;
  }
  pollfd wait[] = {{fd.get(), POLLOUT, 0}, {listener, POLLIN, 0}};
  if (::poll(&wait[0], 1, 5000) != 1 || ::poll(&wait[1], 1, 5000) != 1) {
    return false;
  }
  int err = 0;
  socklen_t err_len = sizeof(err);
  ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &err_len);
  UniqueFd accepted(::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
  return err == 0 && accepted.valid();
}

// The host ends of pod veths in the test's namespace.
std::vector<std::string> host_veths() {
  std::vector<std::string> names;
  for (const LinkInfo& link : Netlink().links()) {
    if (link.kind == "veth" && link.name.starts_with("veth")) {
      names.push_back(link.name);
    }
  }
  return names;
}

// The files under the IPAM state dir that name owner: what detach_pod must leave none of.
int allocations_of(const std::string& state_dir, const std::string& owner) {
  int count = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(state_dir)) {
    if (entry.is_regular_file() && trim(read_file(entry.path())) == owner) {
      ++count;
    }
  }
  return count;
}

// Each test in a network namespace of its own: the bridge, the veths and skiff's nftables table
// go with it, and the scratch namespaces with the fixture's members, whatever the test did.
class PodNetworkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!private_netns_.entered()) {
      GTEST_SKIP() << "making network namespaces and links needs root";
    }
    config_.bridge = "tskiff0";
    config_.subnet4 = "10.66.0.0/24";
    config_.subnet6 = "fd66:5c1f::/64";
    config_.mtu = 1400;
    config_.state_dir = state_.path() + "/network";
  }

  PodNetworkStatus attach(const std::string& id, const ScratchNetns& ns, const std::vector<PortMapping>& ports = {}) {
    return attach_pod(config_, id, ns.path(), ports);
  }

  testing::PrivateNetns private_netns_;
  TempDir state_;
  BridgeNetworkConfig config_;
};

TEST_F(PodNetworkTest, TwoPodsOnTheBridgeReachEachOther) {
  ScratchNetns ns_a;
  ScratchNetns ns_b;
  PodNetworkStatus a = attach("pod-a", ns_a);
  Netlink host;
  int bridge_index = host.link(config_.bridge).index;
  PodNetworkStatus b = attach("pod-b", ns_b);
  EXPECT_EQ(host.link(config_.bridge).index, bridge_index) << "the bridge is made once and reused";

  EXPECT_EQ(a.interface, "eth0");
  EXPECT_EQ(a.gateway4, "10.66.0.1");
  EXPECT_EQ(a.gateway6, "fd66:5c1f::1");
  EXPECT_NE(a.address4, b.address4);
  EXPECT_NE(a.address6, b.address6);
  EXPECT_TRUE(a.address4.ends_with("/24")) << a.address4;
  EXPECT_TRUE(a.address6.ends_with("/64")) << a.address6;
  EXPECT_TRUE(a.host_veth.starts_with("veth") && a.host_veth.size() == 12) << a.host_veth;
  EXPECT_NE(a.host_veth, b.host_veth);

  LinkInfo veth = host.link(a.host_veth);
  EXPECT_EQ(veth.master, bridge_index);
  EXPECT_EQ(veth.mtu, 1400U);
  EXPECT_TRUE(veth.up);
  std::vector<std::string> bridge_addresses = host.addresses(config_.bridge);
  EXPECT_NE(std::find(bridge_addresses.begin(), bridge_addresses.end(), "10.66.0.1/24"), bridge_addresses.end());
  EXPECT_EQ(trim(read_file("/proc/sys/net/ipv4/ip_forward")), "1");
  EXPECT_EQ(trim(read_file("/proc/sys/net/ipv6/conf/all/forwarding")), "1");

  Netlink in_a = in_netns(ns_a.fd(), [] { return Netlink(); });
  LinkInfo eth0 = in_a.link("eth0");
  EXPECT_EQ(eth0.mtu, 1400U);
  EXPECT_TRUE(eth0.up);
  EXPECT_TRUE(in_a.link("lo").up);
  std::vector<std::string> addresses = in_a.addresses("eth0");
  EXPECT_NE(std::find(addresses.begin(), addresses.end(), a.address4), addresses.end());
  EXPECT_NE(std::find(addresses.begin(), addresses.end(), a.address6), addresses.end());
  std::vector<std::string> gateways;
  for (const RouteInfo& route : in_a.routes()) {
    if (route.destination == "default") {
      gateways.push_back(route.gateway);
    }
  }
  std::sort(gateways.begin(), gateways.end());
  EXPECT_EQ(gateways, (std::vector<std::string>{"10.66.0.1", "fd66:5c1f::1"}));

  // Pod to pod over IPv4 and IPv6, and pod to the host's end of the bridge.
  UniqueFd listen4 = in_netns(ns_b.fd(), [&] { return listen_on(without_prefix(b.address4), 7001); });
  UniqueFd listen6 = in_netns(ns_b.fd(), [&] { return listen_on(without_prefix(b.address6), 7002); });
  UniqueFd listen_host = listen_on("10.66.0.1", 7003);
  EXPECT_TRUE(in_netns(ns_a.fd(), [&] { return connects(without_prefix(b.address4), 7001, listen4.get()); }));
  EXPECT_TRUE(in_netns(ns_a.fd(), [&] { return connects(without_prefix(b.address6), 7002, listen6.get()); }));
  EXPECT_TRUE(in_netns(ns_a.fd(), [&] { return connects("10.66.0.1", 7003, listen_host.get()); }));

  detach_pod(config_, "pod-a");
  EXPECT_FALSE(host.find_link(a.host_veth).has_value());
  EXPECT_FALSE(in_a.find_link("eth0").has_value());
  EXPECT_EQ(allocations_of(config_.state_dir, "pod-a"), 0);
  EXPECT_EQ(allocations_of(config_.state_dir, "pod-b"), 2);
  EXPECT_NO_THROW(detach_pod(config_, "pod-a"));  // idempotent
  EXPECT_TRUE(host.find_link(b.host_veth).has_value());
}

TEST_F(PodNetworkTest, IPv4Only) {
  config_.subnet6.clear();
  ScratchNetns ns;
  PodNetworkStatus status = attach("pod-v4", ns);
  EXPECT_EQ(status.address4, "10.66.0.2/24");
  EXPECT_TRUE(status.address6.empty());
  EXPECT_TRUE(status.gateway6.empty());
  Netlink in_pod = in_netns(ns.fd(), [] { return Netlink(); });
  for (const std::string& address : in_pod.addresses("eth0")) {
    EXPECT_TRUE(address == status.address4 || address.starts_with("fe80:")) << address;
  }
}

TEST_F(PodNetworkTest, AttachingTwiceIsRefusedAndLeavesThePodAsItWas) {
  ScratchNetns ns;
  PodNetworkStatus status = attach("pod-twice", ns);
  try {
    attach_pod(config_, "pod-twice", ns.path(), {});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("pod-twice"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("exists"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(Netlink().find_link(status.host_veth).has_value());
  EXPECT_EQ(allocations_of(config_.state_dir, "pod-twice"), 2);
}

// A step inside the pod fails (it has an eth0 already): everything made before is taken back.
TEST_F(PodNetworkTest, AFailedAttachUndoesItsSteps) {
  ScratchNetns ns;
  in_netns(ns.fd(), [] { Netlink().create_veth("eth0", "blocker", 1500); });
  try {
    attach("pod-undo", ns);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("attach pod pod-undo"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("eth0"), std::string::npos) << e.what();
  }
  EXPECT_EQ(host_veths(), std::vector<std::string>{});
  EXPECT_EQ(allocations_of(config_.state_dir, "pod-undo"), 0);

  // Nothing is left in the way of a second try.
  in_netns(ns.fd(), [] { Netlink().delete_link("eth0"); });
  EXPECT_NO_THROW(attach("pod-undo", ns));
}

// What a crash half way through attach_pod may leave, each cleared by a blind detach_pod.
TEST_F(PodNetworkTest, DetachClearsWhatACrashedAttachLeft) {
  ScratchNetns ns;
  PodNetworkStatus status = attach("pod-crash", ns);
  detach_pod(config_, "pod-crash");
  Netlink host;

  // The veth made, no address yet.
  host.create_veth(status.host_veth, "tcrash0", config_.mtu);
  detach_pod(config_, "pod-crash");
  EXPECT_FALSE(host.find_link(status.host_veth).has_value());
  EXPECT_FALSE(host.find_link("tcrash0").has_value());

  // The peer moved into the pod but not yet renamed.
  host.create_veth(status.host_veth, "tcrash1", config_.mtu);
  host.move_to_netns("tcrash1", ns.fd());
  detach_pod(config_, "pod-crash");
  EXPECT_FALSE(host.find_link(status.host_veth).has_value());
  EXPECT_FALSE(in_netns(ns.fd(), [] { return Netlink().find_link("tcrash1").has_value(); }));

  // Addresses allocated, the veth gone (or never made).
  attach_pod(config_, "pod-crash", ns.path(), {});
  host.delete_link(status.host_veth);
  EXPECT_EQ(allocations_of(config_.state_dir, "pod-crash"), 2);
  detach_pod(config_, "pod-crash");
  EXPECT_EQ(allocations_of(config_.state_dir, "pod-crash"), 0);
}

TEST_F(PodNetworkTest, PublishedPortsReachThePodAndConflictsAreRefused) {
  ScratchNetns ns_a;
  ScratchNetns ns_b;
  PodNetworkStatus a = attach("pod-web", ns_a, {{"tcp", "", 8080, 80}});
  UniqueFd listener = in_netns(ns_a.fd(), [&] { return listen_on(without_prefix(a.address4), 80); });
  // The host's own connection to one of its addresses goes through the output chain's DNAT.
  EXPECT_TRUE(connects("10.66.0.1", 8080, listener.get()));

  try {
    attach("pod-clash", ns_b, {{"tcp", "", 8080, 80}});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("pod-clash"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("pod-web"), std::string::npos) << e.what();
  }
  EXPECT_EQ(host_veths(), std::vector<std::string>{a.host_veth});
  EXPECT_EQ(allocations_of(config_.state_dir, "pod-clash"), 0);
}

// With br_netfilter (bridge-nf-call-iptables=1), a pod's connection to its own published port
// through a host address is DNATed back to it and bridged out of the port it came in on: that
// works only because attach_pod puts the port in hairpin mode.
TEST_F(PodNetworkTest, APodReachesItsOwnPublishedPortThroughTheHost) {
  config_.subnet6.clear();
  ScratchNetns ns;
  PodNetworkStatus pod = attach("pod-hairpin", ns, {{"tcp", "", 8080, 80}});
  Netlink host;
  EXPECT_TRUE(host.hairpin(pod.host_veth));

  // A host address that is not the bridge's: the far end of a veth pair left in this namespace.
  host.create_veth("thost0", "thost1", 1500);
  host.add_address("thost0", "192.168.77.1/24");
  host.set_up("thost1");
  host.set_up("thost0");

  const std::string bridge_nf = "/proc/sys/net/bridge/bridge-nf-call-iptables";
  if (path_exists(bridge_nf)) {
    // Per network namespace; ours is private, so no need to restore it.
    write_existing_file(bridge_nf, "1");
  }
  UniqueFd listener = in_netns(ns.fd(), [&] { return listen_on(without_prefix(pod.address4), 80); });
  for (const char* address : {"192.168.77.1", "10.66.0.1"}) {
    SCOPED_TRACE(address);
    EXPECT_TRUE(in_netns(ns.fd(), [&] { return connects(address, 8080, listener.get()); }));
  }
}

}  // namespace
}  // namespace skiff::netns

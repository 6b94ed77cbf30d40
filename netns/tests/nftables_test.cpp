// skiff's nftables table with real traffic. ctest starts the binary under `unshare --net`: the
// test's namespace plays the host (a bridge, the host ends of veths), scratch namespaces play two
// pods on the bridge and a machine outside. Needs root; refuses to run in the host's namespace.
#include "skiff/netns/nftables.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <atomic>
#include <optional>
#include <thread>

#include "netns_test_support.h"
#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/json.h"
#include "skiff/base/strings.h"
#include "skiff/base/subprocess.h"
#include "skiff/netns/in_netns.h"

namespace skiff::netns {
namespace {

using testing::error_of;
using testing::in_private_netns;
using testing::ScratchNetns;

constexpr const char* kBridge = "sknft0";
constexpr const char* kHostAddress = "198.51.100.1";  // the host's address towards "outside"
constexpr const char* kOutsideAddress = "198.51.100.2";
constexpr const char* kPodA = "10.88.0.5";
constexpr const char* kPodB = "10.88.0.6";
constexpr const char* kPodA6 = "fd88:5c1f::5";
constexpr const char* kGateway = "10.88.0.1";
constexpr const char* kGateway6 = "fd88:5c1f::1";

// Runs a program (in netns when given, through nsenter) and throws with its stderr on failure.
void run(std::vector<std::string> args, const std::string& netns = "") {
  if (!netns.empty()) {
    args.insert(args.begin(), {"nsenter", "--net=" + netns});
  }
  SubprocessOptions options;
  options.args = args;
  options.timeout = std::chrono::seconds(10);
  auto result = run_subprocess(options);
  if (!result.ok()) {
    std::string cmd;
    for (const auto& arg : args) {
      cmd += (cmd.empty() ? "" : " ") + arg;
    }
    throw Error(cmd + ": " + result.describe() + ": " + std::string(trim(result.err)));
  }
}

sockaddr_storage socket_address(const std::string& ip, uint16_t port, socklen_t& len) {
  sockaddr_storage storage{};
  if (ip.find(':') == std::string::npos) {
    auto* in = reinterpret_cast<sockaddr_in*>(&storage);
    in->sin_family = AF_INET;
    in->sin_port = htons(port);
    check(::inet_pton(AF_INET, ip.c_str(), &in->sin_addr) == 1 ? 0 : -1, "address " + ip);
    len = sizeof(sockaddr_in);
  } else {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(port);
    check(::inet_pton(AF_INET6, ip.c_str(), &in6->sin6_addr) == 1 ? 0 : -1, "address " + ip);
    len = sizeof(sockaddr_in6);
  }
  return storage;
}

std::string ip_of(const sockaddr_storage& addr) {
  char text[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) {
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&addr)->sin_addr, text, sizeof text);
  } else {
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_addr, text, sizeof text);
  }
  return text;
}

// A bound (and for TCP listening) socket on the wildcard address of the calling thread's netns.
UniqueFd serve_socket(bool ipv6, uint16_t port, bool udp) {
  socklen_t len = 0;
  sockaddr_storage addr = socket_address(ipv6 ? "::" : "0.0.0.0", port, len);
  UniqueFd fd(check(::socket(addr.ss_family, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0), "socket"));
  int one = 1;
  check(::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one), "SO_REUSEADDR");
  if (ipv6) {
    check(::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one), "IPV6_V6ONLY");
  }
  check(::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), len), "bind port " + std::to_string(port));
  if (!udp) {
    check(::listen(fd.get(), 8), "listen");
  }
  return fd;
}

// Answers every connection or datagram with the address it came from: a client learns that it
// got through, and which source address the server saw (masqueraded or not).
class PeerEcho {
 public:
  PeerEcho(UniqueFd fd, bool udp) : fd_(std::move(fd)), udp_(udp), thread_([this] { serve(); }) {}
  PeerEcho(const PeerEcho&) = delete;
  PeerEcho& operator=(const PeerEcho&) = delete;
  ~PeerEcho() {
    stop_ = true;
    thread_.join();
  }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{fd_.get(), POLLIN, 0};
      if (::poll(&p, 1, 50) != 1) {
        continue;
      }
      sockaddr_storage peer{};
      socklen_t len = sizeof peer;
      if (udp_) {
        char buf[64];
        if (::recvfrom(fd_.get(), buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&peer), &len) >= 0) {
          std::string text = ip_of(peer);
          ::sendto(fd_.get(), text.data(), text.size(), 0, reinterpret_cast<sockaddr*>(&peer), len);
        }
        continue;
      }
      UniqueFd conn(::accept4(fd_.get(), reinterpret_cast<sockaddr*>(&peer), &len, SOCK_CLOEXEC));
      if (conn) {
        std::string text = ip_of(peer);
        ::send(conn.get(), text.data(), text.size(), MSG_NOSIGNAL);
      }
    }
  }

  UniqueFd fd_;
  bool udp_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Asks the PeerEcho behind ip:port, from the calling thread's namespace, which address it saw.
// Throws when there is no answer within a few seconds.
std::string ask(const std::string& ip, uint16_t port, bool udp = false) {
  socklen_t len = 0;
  sockaddr_storage addr = socket_address(ip, port, len);
  UniqueFd fd(check(::socket(addr.ss_family, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0), "socket"));
  timeval timeout{3, 0};
  check(::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout), "SO_RCVTIMEO");
  check(::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout), "SO_SNDTIMEO");
  std::string where = (udp ? "udp " : "tcp ") + ip + " port " + std::to_string(port);
  check(::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), len), "connect to " + where);
  if (udp) {
    check(::send(fd.get(), "?", 1, 0), "send to " + where);
    char buf[64];
    ssize_t n = check(::recv(fd.get(), buf, sizeof buf, 0), "answer from " + where);
    return std::string(buf, static_cast<size_t>(n));
  }
  return read_all(fd.get(), "answer from " + where);
}

// The comments of the rules in one chain of skiff's table, read with the nft command.
std::vector<std::string> rule_comments(const std::string& chain) {
  SubprocessOptions options;
  options.args = {"nft", "-j", "list", "table", "inet", "skiff"};
  auto result = run_subprocess(options);
  if (!result.ok()) {
    throw Error("nft -j list table inet skiff: " + std::string(trim(result.err)));
  }
  std::vector<std::string> comments;
  auto doc = json::parse(result.out, "nft -j list table inet skiff");
  for (const auto& item : doc.at("nftables").as_array()) {
    const auto* rule = item.as_object().if_contains("rule");
    if (rule == nullptr || rule->at("chain").as_string() != chain) {
      continue;
    }
    const auto* comment = rule->as_object().if_contains("comment");
    comments.push_back(comment != nullptr ? std::string(comment->as_string()) : "");
  }
  return comments;
}

bool table_exists() {
  SubprocessOptions options;
  options.args = {"nft", "list", "table", "inet", "skiff"};
  return run_subprocess(options).ok();
}

PortMapping tcp(uint16_t host_port, uint16_t container_port, const std::string& host_ip = "") {
  return PortMapping{"tcp", host_ip, host_port, container_port};
}

PortMapping udp(uint16_t host_port, uint16_t container_port, const std::string& host_ip = "") {
  return PortMapping{"udp", host_ip, host_port, container_port};
}

// Puts a sysctl back as it was, whatever the test did: later tests share the namespace.
class RestoreFile {
 public:
  explicit RestoreFile(std::string path) : path_(std::move(path)), value_(read_file(path_)) {}
  RestoreFile(const RestoreFile&) = delete;
  RestoreFile& operator=(const RestoreFile&) = delete;
  ~RestoreFile() {
    try {
      write_existing_file(path_, value_);
    } catch (const Error& e) {
      ADD_FAILURE() << "restore " << path_ << ": " << e.what();
    }
  }

 private:
  std::string path_;
  std::string value_;
};

class NftTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) {
      GTEST_SKIP() << "nftables and links need root";
    }
    if (!in_private_netns()) {
      GTEST_SKIP() << "run under `unshare --net` (as ctest does): these tests change the firewall";
    }
    config_.bridge = kBridge;
    config_.subnet4 = "10.88.0.0/16";
    config_.subnet6 = "fd88:5c1f::/64";
    pod_a_.emplace();
    pod_b_.emplace();
    outside_.emplace();
    write_existing_file("/proc/sys/net/ipv4/ip_forward", "1");
    write_existing_file("/proc/sys/net/ipv6/conf/all/forwarding", "1");
    run({"ip", "link", "set", "lo", "up"});
    run({"ip", "link", "add", kBridge, "type", "bridge"});
    run({"ip", "addr", "add", std::string(kGateway) + "/16", "dev", kBridge});
    run({"ip", "-6", "addr", "add", std::string(kGateway6) + "/64", "dev", kBridge, "nodad"});
    run({"ip", "link", "set", kBridge, "up"});
    plug(*pod_a_, "sknfta", kPodA, kPodA6);
    plug(*pod_b_, "sknftb", kPodB, "");
    // Outside: a machine on another link of the host, with no route to the pod subnet.
    run({"ip", "link", "add", "sknfto", "type", "veth", "peer", "name", "eth0", "netns", outside_->path()});
    run({"ip", "addr", "add", std::string(kHostAddress) + "/24", "dev", "sknfto"});
    run({"ip", "link", "set", "sknfto", "up"});
    run({"ip", "addr", "add", std::string(kOutsideAddress) + "/24", "dev", "eth0"}, outside_->path());
    run({"ip", "link", "set", "eth0", "up"}, outside_->path());
    run({"ip", "link", "set", "lo", "up"}, outside_->path());
  }

  // Whatever the test did: the table, the bridge and the veths go (deleting one end of a veth
  // deletes both, at once rather than when the scratch namespace dies).
  void TearDown() override {
    if (::testing::Test::IsSkipped()) {
      return;
    }
    try {
      delete_table();
    } catch (const Error& e) {
      ADD_FAILURE() << "cleanup: " << e.what();
    }
    for (const char* link : {"sknfta", "sknftb", "sknfto", kBridge}) {
      try {
        run({"ip", "link", "del", link});
      } catch (const Error& e) {
        ADD_FAILURE() << "cleanup: " << e.what();
      }
    }
  }

  static void plug(const ScratchNetns& pod, const std::string& veth, const std::string& ip4, const std::string& ip6) {
    run({"ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", pod.path()});
    run({"ip", "link", "set", veth, "master", kBridge, "up"});
    // As CNI's hairpinMode: with br_netfilter, a pod's connection DNATed back to itself leaves
    // through the port it came in on, which a bridge allows only in hairpin mode.
    run({"ip", "link", "set", veth, "type", "bridge_slave", "hairpin", "on"});
    run({"ip", "addr", "add", ip4 + "/16", "dev", "eth0"}, pod.path());
    run({"ip", "link", "set", "eth0", "up"}, pod.path());
    run({"ip", "link", "set", "lo", "up"}, pod.path());
    run({"ip", "route", "add", "default", "via", kGateway}, pod.path());
    if (!ip6.empty()) {
      run({"ip", "-6", "addr", "add", ip6 + "/64", "dev", "eth0", "nodad"}, pod.path());
      run({"ip", "-6", "route", "add", "default", "via", kGateway6}, pod.path());
    }
  }

  // A PeerEcho on port inside a namespace.
  static std::unique_ptr<PeerEcho> server_in(const ScratchNetns& ns, uint16_t port, bool udp = false,
                                             bool ipv6 = false) {
    UniqueFd fd = in_netns(ns.fd(), [&] { return serve_socket(ipv6, port, udp); });
    return std::make_unique<PeerEcho>(std::move(fd), udp);
  }

  BridgeNetworkConfig config_;
  // Made in SetUp, once root and a private namespace are sure.
  std::optional<ScratchNetns> pod_a_;
  std::optional<ScratchNetns> pod_b_;
  std::optional<ScratchNetns> outside_;
};

TEST_F(NftTest, TcpReachesThePodFromLoopbackTheHostsAddressesAndOutside) {
  auto server = server_in(*pod_a_, 80);
  ensure_base_rules(config_);
  add_port_mappings(config_, "pod-a", kPodA, "", {tcp(8080, 80)});

  // The host's own connection to 127.0.0.1 reaches the pod masqueraded to the bridge address
  // (a 127.0.0.1 source cannot leave lo), which needs route_localnet on the bridge.
  EXPECT_EQ(ask("127.0.0.1", 8080), kGateway);
  EXPECT_EQ(trim(read_file(std::string("/proc/sys/net/ipv4/conf/") + kBridge + "/route_localnet")), "1");
  EXPECT_EQ(trim(read_file("/proc/sys/net/ipv4/conf/all/route_localnet")), "0");
  EXPECT_EQ(ask(kGateway, 8080), kGateway);
  EXPECT_EQ(ask(kHostAddress, 8080), kHostAddress);
  // From outside, through prerouting: the pod sees the client's own address.
  EXPECT_EQ(in_netns(outside_->fd(), [] { return ask(kHostAddress, 8080); }), kOutsideAddress);
}

TEST_F(NftTest, UdpReachesThePod) {
  auto server = server_in(*pod_a_, 53, true);
  add_port_mappings(config_, "pod-a", kPodA, "", {udp(5353, 53)});
  EXPECT_EQ(ask("127.0.0.1", 5353, true), kGateway);
  EXPECT_EQ(in_netns(outside_->fd(), [] { return ask(kHostAddress, 5353, true); }), kOutsideAddress);
  // A TCP connection to the same port is not forwarded: nothing listens there on the host.
  EXPECT_THROW(ask("127.0.0.1", 5353), Error);
}

TEST_F(NftTest, HostIpLimitsWhereThePortIsPublished) {
  auto server = server_in(*pod_a_, 80);
  add_port_mappings(config_, "pod-a", kPodA, "", {tcp(8080, 80, "127.0.0.1")});
  EXPECT_EQ(ask("127.0.0.1", 8080), kGateway);
  EXPECT_THROW(ask(kHostAddress, 8080), Error);
}

TEST_F(NftTest, Ipv6ReachesThePodOnTheHostsAddressesButNotOnLoopback) {
  auto server = server_in(*pod_a_, 80, false, true);
  add_port_mappings(config_, "pod-a", kPodA, kPodA6, {tcp(8080, 80)});
  EXPECT_EQ(ask(kGateway6, 8080), kGateway6);
  // No route_localnet for IPv6: [::1] is left out, so the client is refused rather than lost.
  EXPECT_THROW(ask("::1", 8080), Error);
  // One rule per address family.
  EXPECT_EQ(rule_comments("hostports"), (std::vector<std::string>{"skiff-pod:pod-a", "skiff-pod:pod-a"}));
}

TEST_F(NftTest, APodReachesItsOwnPublishedPortThroughTheHost) {
  auto server = server_in(*pod_a_, 80);
  add_port_mappings(config_, "pod-a", kPodA, "", {tcp(8080, 80)});
  // With br_netfilter calling the inet hooks for bridged frames, the DNATed packet is bridged
  // back out of the port it came in on (which needs the port's hairpin mode, see plug); without
  // it, the host routes it. Both must work; the setting is per network namespace.
  const std::string bridge_nf = "/proc/sys/net/bridge/bridge-nf-call-iptables";
  std::optional<RestoreFile> restore;
  if (path_exists(bridge_nf)) {
    restore.emplace(bridge_nf);
  }
  for (const char* mode : {"1", "0"}) {
    SCOPED_TRACE(std::string("bridge-nf-call-iptables=") + mode);
    if (path_exists(bridge_nf)) {
      write_existing_file(bridge_nf, mode);
    }
    // Hairpin: DNATed back to itself, the pod must see the bridge as the source, or it would
    // answer itself directly from the wrong address.
    EXPECT_EQ(in_netns(pod_a_->fd(), [] { return ask(kGateway, 8080); }), kGateway);
    EXPECT_EQ(in_netns(pod_a_->fd(), [] { return ask(kHostAddress, 8080); }), kGateway);
    // The same for a neighbour on the bridge.
    EXPECT_EQ(in_netns(pod_b_->fd(), [] { return ask(kHostAddress, 8080); }), kGateway);
  }
}

TEST_F(NftTest, EgressIsMasqueradedPodToPodIsNot) {
  auto outside_server = server_in(*outside_, 7000);
  auto pod_server = server_in(*pod_a_, 80);
  ensure_base_rules(config_);
  // Outside has no route back to the pods: the answer arrives only because of the masquerade.
  EXPECT_EQ(in_netns(pod_a_->fd(), [] { return ask(kOutsideAddress, 7000); }), kHostAddress);
  EXPECT_EQ(in_netns(pod_b_->fd(), [] { return ask(kPodA, 80); }), kPodB);
}

TEST_F(NftTest, ConflictIsRefusedNamingThePodAndAddsNothing) {
  add_port_mappings(config_, "pod-a", kPodA, "", {tcp(8080, 80)});

  std::string error = error_of([&] { add_port_mappings(config_, "pod-b", kPodB, "", {udp(9090, 90), tcp(8080, 80)}); });
  EXPECT_NE(error.find("host port tcp/8080 is already published by pod pod-a"), std::string::npos) << error;
  EXPECT_EQ(rule_comments("hostports"), (std::vector<std::string>{"skiff-pod:pod-a"}));

  // A wildcard and a specific address of the same family overlap.
  error = error_of([&] { add_port_mappings(config_, "pod-b", kPodB, "", {tcp(8080, 80, "127.0.0.1")}); });
  EXPECT_NE(error.find("host port tcp/127.0.0.1:8080 is already published by pod pod-a"), std::string::npos) << error;
  // Within one request too.
  error = error_of([&] { add_port_mappings(config_, "pod-b", kPodB, "", {tcp(9000, 80), tcp(9000, 81)}); });
  EXPECT_NE(error.find("tcp/9000 is given twice"), std::string::npos) << error;
  EXPECT_EQ(rule_comments("hostports"), (std::vector<std::string>{"skiff-pod:pod-a"}));

  // Another protocol or another address is no conflict.
  add_port_mappings(config_, "pod-b", kPodB, "", {udp(8080, 80)});
  add_port_mappings(config_, "pod-c", "10.88.0.7", "", {tcp(8081, 80, "127.0.0.1")});
  add_port_mappings(config_, "pod-d", "10.88.0.8", "", {tcp(8081, 80, kHostAddress)});
  EXPECT_EQ(rule_comments("hostports").size(), 4u);
}

TEST_F(NftTest, AddingAgainReplacesThePodsMappings) {
  auto server = server_in(*pod_a_, 80);
  add_port_mappings(config_, "pod-a", kPodA, "", {tcp(8080, 80)});
  add_port_mappings(config_, "pod-a", kPodA, "", {tcp(8081, 80)});
  EXPECT_EQ(rule_comments("hostports"), (std::vector<std::string>{"skiff-pod:pod-a"}));
  EXPECT_EQ(ask("127.0.0.1", 8081), kGateway);
  EXPECT_THROW(ask("127.0.0.1", 8080), Error);
}

TEST_F(NftTest, RemoveLeavesNoRuleOfThePod) {
  auto server = server_in(*pod_a_, 80);
  add_port_mappings(config_, "pod-a", kPodA, "", {tcp(8080, 80), udp(8080, 80)});
  add_port_mappings(config_, "pod-b", kPodB, "", {tcp(8081, 80)});
  EXPECT_EQ(ask("127.0.0.1", 8080), kGateway);

  remove_port_mappings("pod-a");
  EXPECT_EQ(rule_comments("hostports"), (std::vector<std::string>{"skiff-pod:pod-b"}));
  EXPECT_THROW(ask("127.0.0.1", 8080), Error);
  remove_port_mappings("pod-a");
  // The base rules stay.
  EXPECT_EQ(rule_comments("prerouting").size(), 1u);
  // Its port is free for another pod.
  add_port_mappings(config_, "pod-b2", kPodB, "", {tcp(8080, 80)});
}

TEST_F(NftTest, DeleteTableRemovesEverythingAndIsIdempotent) {
  add_port_mappings(config_, "pod-a", kPodA, "", {tcp(8080, 80)});
  ASSERT_TRUE(table_exists());
  delete_table();
  EXPECT_FALSE(table_exists());
  delete_table();
  remove_port_mappings("pod-a");
  EXPECT_FALSE(table_exists());
}

TEST_F(NftTest, EnsureBaseRulesIsIdempotentAndKeepsPublishedPorts) {
  ensure_base_rules(config_);
  add_port_mappings(config_, "pod-a", kPodA, kPodA6, {tcp(8080, 80)});
  ensure_base_rules(config_);
  ensure_base_rules(config_);
  EXPECT_EQ(rule_comments("postrouting").size(), 4u);
  EXPECT_EQ(rule_comments("prerouting").size(), 1u);
  EXPECT_EQ(rule_comments("output").size(), 1u);
  EXPECT_EQ(rule_comments("input").size(), 1u);
  EXPECT_EQ(rule_comments("hostports").size(), 2u);
  // IPv4 only: no IPv6 masquerade.
  config_.subnet6.clear();
  ensure_base_rules(config_);
  EXPECT_EQ(rule_comments("postrouting").size(), 2u);
}

// The base rules are rewritten only when they differ from the config's: an unchanged table is
// left alone (no commit, the same rule handles), a rule added to or missing from a base chain is
// put right.
TEST_F(NftTest, EnsureBaseRulesChangesNothingWhenCurrentAndRepairsADifferentBase) {
  auto listing = [] {
    SubprocessOptions options;
    options.args = {"nft", "-a", "list", "table", "inet", "skiff"};
    auto result = run_subprocess(options);
    EXPECT_TRUE(result.ok()) << result.err;
    return result.out;
  };
  ensure_base_rules(config_);
  add_port_mappings(config_, "pod-a", kPodA, kPodA6, {tcp(8080, 80)});
  std::string before = listing();
  ensure_base_rules(config_);
  add_port_mappings(config_, "pod-b", kPodB, "", {tcp(8081, 80)});
  remove_port_mappings("pod-b");
  EXPECT_EQ(listing(), before);

  run({"nft", "add", "rule", "inet", "skiff", "postrouting", "counter"});
  EXPECT_EQ(rule_comments("postrouting").size(), 5u);
  ensure_base_rules(config_);
  EXPECT_EQ(rule_comments("postrouting").size(), 4u);
  run({"nft", "flush", "chain", "inet", "skiff", "input"});
  add_port_mappings(config_, "pod-b", kPodB, "", {tcp(8081, 80)});
  EXPECT_EQ(rule_comments("input").size(), 1u);
  EXPECT_EQ(rule_comments("hostports").size(), 3u);
}

TEST_F(NftTest, RefusesBadInputAndChangesNothing) {
  for (const auto& bad : {
           std::function<void()>([&] { add_port_mappings(config_, "pod \"a\"", kPodA, "", {tcp(1, 1)}); }),
           std::function<void()>([&] {
             add_port_mappings(config_, "pod-a", kPodA, "", {{"sctp", "", 1, 1}});
           }),
           std::function<void()>([&] { add_port_mappings(config_, "pod-a", kPodA, "", {tcp(0, 80)}); }),
           std::function<void()>([&] { add_port_mappings(config_, "pod-a", kPodA, "", {tcp(80, 80, "nope")}); }),
           std::function<void()>([&] { add_port_mappings(config_, "pod-a", kPodA, "", {tcp(80, 80, "::1")}); }),
           std::function<void()>([&] { add_port_mappings(config_, "pod-a", "10.88.0", "", {tcp(80, 80)}); }),
           std::function<void()>([&] { add_port_mappings(config_, "pod-a", "", "", {tcp(80, 80)}); }),
       }) {
    EXPECT_THROW(bad(), Error);
  }
  EXPECT_FALSE(table_exists());
  config_.subnet4 = "10.88.0.0/40";
  EXPECT_THROW(ensure_base_rules(config_), Error);
  config_.subnet4 = "10.88.0.0/16";
  config_.bridge = "br\"; flush ruleset";
  EXPECT_THROW(ensure_base_rules(config_), Error);
  EXPECT_FALSE(table_exists());
}

}  // namespace
}  // namespace skiff::netns

// Links over libnl, in a private network namespace per test and in scratch namespaces standing
// in for pods. Needs root.
#include "skiff/netns/netlink.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "netns_test_support.h"
#include "skiff/base/error.h"
#include "skiff/netns/in_netns.h"

namespace skiff::netns {
namespace {

using testing::ScratchNetns;

ino_t netns_inode(const std::string& path) {
  struct stat st {};
  check(::stat(path.c_str(), &st), "stat " + path);
  return st.st_ino;
}

bool contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

// Each test in a network namespace of its own, which takes everything the test made with it.
class NetlinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!private_netns_.entered()) {
      GTEST_SKIP() << "making network namespaces and links needs root";
    }
  }

  testing::PrivateNetns private_netns_;
  Netlink nl_;  // made after the namespace was entered, so it acts there
};

TEST_F(NetlinkTest, BridgeIsMadeOnceAndReused) {
  std::string bridge = "tbr0";
  nl_.ensure_bridge(bridge, 1400);
  LinkInfo first = nl_.link(bridge);
  EXPECT_EQ(first.kind, "bridge");
  EXPECT_EQ(first.mtu, 1400U);
  EXPECT_TRUE(first.up);

  nl_.ensure_bridge(bridge, 1450);
  LinkInfo second = nl_.link(bridge);
  EXPECT_EQ(second.index, first.index);
  EXPECT_EQ(second.mtu, 1450U);
  EXPECT_TRUE(second.up);
}

TEST_F(NetlinkTest, EnsureBridgeRefusesALinkThatIsNoBridge) {
  nl_.create_veth("tva0", "tva1", 1500);
  try {
    nl_.ensure_bridge("tva0", 1500);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not a bridge"), std::string::npos) << e.what();
  }
}

TEST_F(NetlinkTest, ErrorsNameTheOperationAndCarryTheKernelErrno) {
  nl_.create_veth("tvb0", "tvb1", 1500);
  try {
    nl_.create_veth("tvb0", "tvb2", 1500);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), EEXIST);
    EXPECT_NE(std::string(e.what()).find("create veth tvb0 (peer tvb2)"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("File exists"), std::string::npos) << e.what();
  }
  try {
    nl_.set_mtu("tvb0", 10);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), EINVAL) << e.what();
    EXPECT_NE(std::string(e.what()).find("set MTU 10 on tvb0"), std::string::npos) << e.what();
  }
}

TEST_F(NetlinkTest, MissingLinks) {
  EXPECT_FALSE(nl_.find_link("tnone0").has_value());
  EXPECT_FALSE(nl_.delete_link("tnone0"));
  try {
    (void)nl_.link("tnone0");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ENODEV) << e.what();
    EXPECT_NE(std::string(e.what()).find("tnone0"), std::string::npos) << e.what();
  }
  ASSERT_TRUE(nl_.find_link("lo").has_value());
  EXPECT_EQ(nl_.find_link("lo")->kind, "");
  std::vector<LinkInfo> links = nl_.links();
  EXPECT_TRUE(std::any_of(links.begin(), links.end(), [](const LinkInfo& l) { return l.name == "lo"; }));
}

TEST_F(NetlinkTest, NamesAreCheckedBeforeTheKernelSeesThem) {
  EXPECT_THROW(nl_.create_veth("a-name-far-too-long", "tvc1", 1500), Error);
  EXPECT_FALSE(nl_.find_link("tvc1").has_value());
}

TEST_F(NetlinkTest, DeletingOneEndOfAVethDeletesBoth) {
  nl_.create_veth("tvd0", "tvd1", 1500);
  EXPECT_TRUE(nl_.delete_link("tvd0"));
  EXPECT_FALSE(nl_.find_link("tvd1").has_value());
}

// attach_pod's shortcut: the peer is born in the pod's namespace under its final name, even when
// the host has a link of that name already.
TEST_F(NetlinkTest, VethPeerBornInAnotherNamespace) {
  ScratchNetns pod;
  nl_.create_veth("tve2", "tdup", 1400);
  nl_.create_veth("tve3", "tdup", 1300, pod.fd());
  Netlink in_pod = in_netns(pod.fd(), [] { return Netlink(); });
  LinkInfo peer = in_pod.link("tdup");
  EXPECT_EQ(peer.kind, "veth");
  EXPECT_EQ(peer.mtu, 1300U);
  EXPECT_EQ(nl_.link("tdup").mtu, 1400U);
  nl_.delete_link("tve3");
  EXPECT_FALSE(in_pod.find_link("tdup").has_value());
  nl_.delete_link("tve2");
}

// What attach_pod does, step by step: a veth whose one end joins a bridge and whose other end
// becomes eth0 of another namespace, with addresses and default routes there.
TEST_F(NetlinkTest, VethIntoAnotherNamespace) {
  ScratchNetns pod;
  std::string bridge = "tbr1";
  nl_.ensure_bridge(bridge, 1400);
  nl_.add_address(bridge, "10.77.0.1/24");
  nl_.add_address(bridge, "10.77.0.1/24");  // idempotent
  nl_.add_address(bridge, "fd77::1/64");
  EXPECT_TRUE(contains(nl_.addresses(bridge), "10.77.0.1/24"));
  EXPECT_TRUE(contains(nl_.addresses(bridge), "fd77::1/64"));

  nl_.create_veth("tve0", "tve1", 1400);
  nl_.set_master("tve0", bridge);
  nl_.set_up("tve0");
  nl_.move_to_netns("tve1", pod.fd());
  EXPECT_FALSE(nl_.find_link("tve1").has_value());
  LinkInfo host = nl_.link("tve0");
  EXPECT_EQ(host.master, nl_.link(bridge).index);
  EXPECT_TRUE(host.up);

  in_netns(pod.fd(), [] {
    Netlink nl;
    ASSERT_TRUE(nl.find_link("tve1").has_value());
    nl.rename("tve1", "eth0");
    nl.add_address("eth0", "10.77.0.5/24");
    nl.add_address("eth0", "fd77::5/64");
    nl.set_up("lo");
    nl.set_up("eth0");
    nl.add_default_route("10.77.0.1", "eth0");
    nl.add_default_route("fd77::1", "eth0");
  });

  // The checks run on a Netlink made in the pod's namespace but used from this thread.
  Netlink in_pod = in_netns(pod.fd(), [] { return Netlink(); });
  LinkInfo eth0 = in_pod.link("eth0");
  EXPECT_EQ(eth0.kind, "veth");
  EXPECT_EQ(eth0.mtu, 1400U);
  EXPECT_TRUE(eth0.up);
  EXPECT_TRUE(in_pod.link("lo").up);
  std::vector<std::string> addresses = in_pod.addresses("eth0");
  EXPECT_TRUE(contains(addresses, "10.77.0.5/24"));
  EXPECT_TRUE(contains(addresses, "fd77::5/64"));
  int defaults = 0;
  for (const RouteInfo& route : in_pod.routes()) {
    if (route.destination == "default") {
      ++defaults;
      EXPECT_TRUE(route.gateway == "10.77.0.1" || route.gateway == "fd77::1") << route.gateway;
      EXPECT_EQ(route.link, eth0.index);
    }
  }
  EXPECT_EQ(defaults, 2);
}

TEST_F(NetlinkTest, HairpinModeOfABridgePort) {
  nl_.ensure_bridge("tbr0", 1500);
  nl_.create_veth("tport0", "tport1", 1500);
  try {
    nl_.set_hairpin("tport0", true);
    FAIL() << "expected an error for a link that is no bridge port";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("tport0"), std::string::npos) << e.what();
  }
  nl_.set_master("tport0", "tbr0");
  EXPECT_FALSE(nl_.hairpin("tport0"));
  nl_.set_hairpin("tport0", true);
  EXPECT_TRUE(nl_.hairpin("tport0"));
  // The other port flags and the link's state are untouched.
  EXPECT_EQ(nl_.link("tport0").master, nl_.link("tbr0").index);
  nl_.set_hairpin("tport0", false);
  EXPECT_FALSE(nl_.hairpin("tport0"));
  EXPECT_THROW((void)nl_.hairpin("tport1"), Error);
}

TEST_F(NetlinkTest, AddressesNeedAPrefixLength) {
  nl_.create_veth("tvf0", "tvf1", 1500);
  EXPECT_THROW(nl_.add_address("tvf0", "10.78.0.5"), Error);
  EXPECT_THROW(nl_.add_address("tvf0", "not-an-address/24"), Error);
}

TEST_F(NetlinkTest, InNetnsLeavesTheCallersNamespaceAlone) {
  ScratchNetns pod;
  ino_t own = netns_inode("/proc/thread-self/ns/net");
  ino_t inside = in_netns(pod.fd(), [] { return netns_inode("/proc/thread-self/ns/net"); });
  EXPECT_EQ(inside, netns_inode(pod.path()));
  EXPECT_NE(inside, own);
  EXPECT_EQ(netns_inode("/proc/thread-self/ns/net"), own);

  EXPECT_THROW(in_netns(pod.fd(), [] { throw Error("from inside"); }), Error);
  try {
    in_netns(-1, [] {});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), EBADF) << e.what();
  }
}

}  // namespace
}  // namespace skiff::netns

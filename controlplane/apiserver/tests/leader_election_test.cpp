// Leader election over the real registry and a real SQLite store: the compare-and-swap on the
// Lease, expiry as a candidate observes it, release on stop, and the sole server's takeover.
#include "skiff/apiserver/leader_election.h"

#include <gtest/gtest.h>

#include <regex>
#include <thread>

#include "skiff/apiserver/registry.h"
#include "test_support.h"

using namespace skiff::apiserver;

namespace {

class LeaderElectionTest : public ::testing::Test {
 protected:
  void SetUp() override { registry_.ensure_default_namespaces(); }

  LeaderElectionConfig config(const std::string& identity) {
    LeaderElectionConfig config;
    config.identity = identity;
    config.lease_duration = std::chrono::seconds(1);
    config.renew_deadline = std::chrono::seconds(1);
    config.retry_period = std::chrono::seconds(1);
    return config;
  }

  boost::json::object lease_spec() {
    return registry_.get(*find_resource("coordination.k8s.io", "v1", "leases"), "kube-system", "skiff-server")
        .at("spec")
        .as_object();
  }

  skiff::testing::TempDir dir_{"skiff-leader-election-test-"};
  std::unique_ptr<skiff::store::Store> store_ = skiff::store::open_store(dir_.path() + "/db");
  ObjectRegistry registry_{*store_};
};

TEST_F(LeaderElectionTest, OneHolderUntilTheLeaseExpires) {
  LeaderElector a(
      registry_, config("a"), [] {}, [] {});
  LeaderElector b(
      registry_, config("b"), [] {}, [] {});
  EXPECT_TRUE(a.try_acquire_or_renew());
  EXPECT_FALSE(b.try_acquire_or_renew());
  EXPECT_TRUE(a.try_acquire_or_renew());  // a renewal
  boost::json::object spec = lease_spec();
  EXPECT_EQ(spec.at("holderIdentity"), "a");
  EXPECT_EQ(spec.at("leaseDurationSeconds"), 1);
  EXPECT_EQ(spec.at("leaseTransitions"), 0);
  EXPECT_TRUE(std::regex_match(std::string(spec.at("renewTime").as_string()),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)")));
  std::string acquired(spec.at("acquireTime").as_string());

  // b saw the Lease last change now; a does not renew for longer than its duration.
  EXPECT_FALSE(b.try_acquire_or_renew());
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  EXPECT_TRUE(b.try_acquire_or_renew());
  spec = lease_spec();
  EXPECT_EQ(spec.at("holderIdentity"), "b");
  EXPECT_EQ(spec.at("leaseTransitions"), 1);
  EXPECT_NE(std::string(spec.at("acquireTime").as_string()), acquired);
  EXPECT_FALSE(a.try_acquire_or_renew());
}

TEST_F(LeaderElectionTest, StartedElectorLeadsAndReleasesOnStop) {
  std::atomic<int> started{0};
  std::atomic<int> stopped{0};
  LeaderElector a(
      registry_, config("a"), [&] { ++started; }, [&] { ++stopped; });
  a.start();
  for (int attempt = 0; attempt < 200 && !a.is_leader(); ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(a.is_leader());
  EXPECT_EQ(started, 1);
  a.stop();
  EXPECT_FALSE(a.is_leader());
  EXPECT_EQ(stopped, 1);
  EXPECT_EQ(lease_spec().at("holderIdentity"), "");

  // A released Lease is taken at once.
  LeaderElector b(
      registry_, config("b"), [] {}, [] {});
  EXPECT_TRUE(b.try_acquire_or_renew());
  EXPECT_EQ(lease_spec().at("leaseTransitions"), 1);
}

TEST_F(LeaderElectionTest, SoleServerTakesOverAPreviousRunsLease) {
  LeaderElector previous(
      registry_, config("host_100"), [] {}, [] {});
  EXPECT_TRUE(previous.try_acquire_or_renew());
  LeaderElectionConfig sole = config("host_200");
  sole.lease_duration = std::chrono::seconds(3600);
  sole.sole_server = true;
  LeaderElector restarted(
      registry_, sole, [] {}, [] {});
  EXPECT_TRUE(restarted.try_acquire_or_renew());
  EXPECT_EQ(lease_spec().at("holderIdentity"), "host_200");
}

}  // namespace

// Three skiff-servers on one real etcd: all serve the API, one holds the leader Lease, and
// kill -9 of the leader hands the Lease to another within its duration.
#include <gtest/gtest.h>
#include <signal.h>

#include <memory>
#include <thread>

#include "etcd_server.h"
#include "server_process.h"

namespace {

std::string namespace_yaml(const std::string& name) {
  return "apiVersion: v1\nkind: Namespace\nmetadata: {name: " + name + "}\n";
}

using skiff::apiserver::testing::ServerProcess;

constexpr int kServers = 3;
constexpr int kLeaseSeconds = 4;

struct LeaseState {
  std::string holder;
  int64_t transitions = -1;
};

LeaseState lease_through(const ServerProcess& server) {
  auto reply = server.request("GET", "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/skiff-server");
  if (reply.code != 200) {
    return {};
  }
  boost::json::value lease = boost::json::parse(reply.body);
  const auto& spec = lease.at("spec").as_object();
  LeaseState state;
  if (const auto* holder = spec.if_contains("holderIdentity"); holder && holder->is_string()) {
    state.holder = holder->as_string();
  }
  if (const auto* transitions = spec.if_contains("leaseTransitions"); transitions && transitions->is_int64()) {
    state.transitions = transitions->as_int64();
  }
  return state;
}

// Polls until done(lease) or a deadline far beyond the lease's duration and renew period.
LeaseState wait_for_lease(const ServerProcess& server, const std::function<bool(const LeaseState&)>& done) {
  LeaseState state;
  for (int attempt = 0; attempt < 600; ++attempt) {
    state = lease_through(server);
    if (done(state)) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return state;
}

bool reports_leader(const ServerProcess& server, bool leader) {
  std::string expected = leader ? "\nskiff_leader 1\n" : "\nskiff_leader 0\n";
  for (int attempt = 0; attempt < 300; ++attempt) {
    if (server.request("GET", "/metrics").body.find(expected) != std::string::npos) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

TEST(LeaderElectionEtcd, KilledLeaderHandsTheLeaseOn) {
  skiff::store::testing::EtcdServer etcd;
  std::vector<std::unique_ptr<ServerProcess>> servers;
  for (int i = 0; i < kServers; ++i) {
    servers.push_back(std::make_unique<ServerProcess>(std::vector<std::string>{
        "--datastore-endpoint", etcd.endpoint(), "--identity", "server-" + std::to_string(i),
        "--leader-elect-lease-duration", std::to_string(kLeaseSeconds), "--leader-elect-retry-period", "1"}));
    servers.back()->start();
  }
  LeaseState first = wait_for_lease(*servers[0], [](const LeaseState& s) { return !s.holder.empty(); });
  ASSERT_FALSE(first.holder.empty());
  int leader = first.holder.back() - '0';
  ASSERT_GE(leader, 0);
  ASSERT_LT(leader, kServers);
  for (int i = 0; i < kServers; ++i) {
    EXPECT_TRUE(reports_leader(*servers[i], i == leader)) << "server-" << i;
  }
  // Every server serves the API: what one writes, another reads.
  int other = (leader + 1) % kServers;
  ASSERT_EQ(servers[leader]
                ->request("POST", "/api/v1/namespaces/default/configmaps",
                          R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"shared"}})")
                .code,
            201);
  EXPECT_EQ(servers[other]->request("GET", "/api/v1/namespaces/default/configmaps/shared").code, 200);

  servers[leader]->kill9();
  LeaseState next = wait_for_lease(*servers[other], [&](const LeaseState& s) {
    return !s.holder.empty() && s.holder != first.holder && s.transitions > first.transitions;
  });
  ASSERT_NE(next.holder, first.holder);
  ASSERT_FALSE(next.holder.empty());
  EXPECT_EQ(next.transitions, first.transitions + 1);
  int successor = next.holder.back() - '0';
  EXPECT_TRUE(reports_leader(*servers[successor], true));
  // The new leader does the work that runs once: a deleted namespace is emptied and removed.
  servers[other]->kubectl({"apply", "-f", "-"}, namespace_yaml("after-failover"));
  servers[other]->kubectl({"delete", "namespace", "after-failover", "--timeout=60s"});
  EXPECT_EQ(servers[other]->request("GET", "/api/v1/namespaces/after-failover").code, 404);
}

}  // namespace

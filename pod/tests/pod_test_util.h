#pragma once

// Shared pieces of the pod integration tests: a fixture with a state root and cgroup parent of
// its own that removes every pod it made, even when a test fails.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "skiff/pod/pod_manager.h"
#include "test_support.h"

namespace skiff::pod::testing {

class PodTest : public ::testing::Test {
 public:
  [[nodiscard]] PodManagerOptions options() const { return options_; }
  PodManager& manager() { return *manager_; }
  // A fresh busybox rootfs (kept until the test ends).
  std::string rootfs();
  // A container running sh -c script in a fresh rootfs, with the test's shared dir at /shared.
  ContainerSpec container(const std::string& name, const std::string& script);
  // The host dir every container() binds at /shared.
  [[nodiscard]] const std::string& shared() const { return shared_.path(); }
  std::string read_shared(const std::string& file);
  // Polls (bounded) until the container has exited; returns its status.
  ContainerStatus wait_exited(const std::string& pod, const std::string& name);
  // Polls (bounded) until the shared file exists.
  bool wait_shared_file(const std::string& file);
  // Asserts that nothing of the pod is left: state dir, runtime containers, cgroup, processes.
  void expect_nothing_left(const std::string& pod);

 protected:
  void SetUp() override;
  void TearDown() override;

  ::skiff::testing::TempDir root_{"skiff-pod-root-"};
  ::skiff::testing::TempDir shared_{"skiff-pod-shared-"};
  PodManagerOptions options_;
  std::unique_ptr<PodManager> manager_;
  std::vector<std::unique_ptr<::skiff::testing::Bundle>> bundles_;
};

ContainerStatus find_container(const PodStatus& status, const std::string& name);

// What pods leave in the node's network and cgroups, for the tests that check none is left.
// The links attached to bridge as ports (the host ends of pod veths); empty without the bridge.
std::vector<std::string> bridge_ports(const std::string& bridge);
// The IPAM allocation files below state_dir (named by their address), of owner or of anyone.
std::vector<std::string> ipam_allocations(const std::string& state_dir, const std::string& owner = "");
// The comments of the rules in skiff's nftables table that carry a pod id ("skiff-pod:<id>").
std::vector<std::string> pod_nft_rules();
// The directories below the cgroup parent (relative to the test's own cgroup), in any hierarchy.
std::vector<std::string> cgroups_below(const std::string& parent);

}  // namespace skiff::pod::testing

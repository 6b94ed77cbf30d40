#pragma once

// Standalone containers as root: each test gets a state root, an image store holding the busybox
// test image (imported from its OCI layout), a cgroup parent and a bridge of its own, and checks
// at the end that nothing is left: state dirs, names, rootfs mounts, cgroups, veths.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "skiff/image/store.h"
#include "skiff/pod/container_manager.h"
#include "test_support.h"

namespace skiff::pod::testing {

class ContainerTest : public ::testing::Test {
 public:
  ContainerManager& manager() { return *manager_; }
  [[nodiscard]] const std::string& state_root() const { return root_.path(); }
  image::Store& store() { return *store_; }
  // A busybox container running sh -c script (the image's entrypoint), as root.
  static ContainerRunSpec script(const std::string& name, const std::string& script);
  // The container's output so far, as lines' contents joined with "\n".
  std::string output(const std::string& name);
  // Polls (bounded) until pred holds for the container's info; returns the last info.
  ContainerInfo wait_for(const std::string& name, const std::function<bool(const ContainerInfo&)>& pred);
  // Polls (bounded) until the container's output contains text.
  bool wait_for_output(const std::string& name, const std::string& text);

 protected:
  void SetUp() override;
  void TearDown() override;
  ContainerManagerOptions options_;

 private:
  ::skiff::testing::TempDir root_{"skiff-ctr-root-"};
  ::skiff::testing::TempDir store_dir_{"skiff-ctr-store-"};
  std::unique_ptr<image::Store> store_;
  std::unique_ptr<ContainerManager> manager_;
};

}  // namespace skiff::pod::testing

#include "container_test_util.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "skiff/base/file.h"
#include "skiff/cgroups/manager.h"
#include "skiff/image/oci_layout.h"
#include "skiff/netns/netlink.h"
#include "test_images.h"

namespace skiff::pod::testing {

namespace {

// Bounds for polling: a broken build fails instead of hanging.
constexpr int kPollRounds = 600;
constexpr std::chrono::milliseconds kPollInterval{50};

}  // namespace

void ContainerTest::SetUp() {
  store_ = std::make_unique<image::Store>(store_dir_.path(), false);
  image::ImportOptions import;
  import.names = {"busybox:latest"};
  image::import_oci_layout(*store_, ::skiff::testing::test_image_layout("busybox"), import);
  options_.state_root = root_.path();
  options_.store = store_.get();
  options_.cgroup_parent = "skiff-ctr-test-" + std::to_string(::getpid());
  options_.bridge.bridge = "skiffct0";
  options_.bridge.subnet4 = "10.90.0.0/24";
  options_.bridge.subnet6.clear();
  options_.bridge.state_dir = root_.path() + "/network";
  manager_ = std::make_unique<ContainerManager>(options_);
}

void ContainerTest::TearDown() {
  try {
    for (const auto& c : manager_->list(true)) {
      manager_->remove(c.id, true);
    }
    manager_->recover();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "cleanup: " << e.what();
  }
  // Nothing of any container is left.
  auto left = manager_->list(true);
  EXPECT_TRUE(left.empty()) << left.size() << " containers left";
  std::string containers = root_.path() + "/containers";
  if (path_exists(containers)) {
    for (const auto& entry : std::filesystem::directory_iterator(containers)) {
      if (entry.path().filename() == "names") {
        EXPECT_TRUE(std::filesystem::is_empty(entry.path())) << "names left in " << entry.path();
      } else {
        ADD_FAILURE() << "state left: " << entry.path();
      }
    }
  }
  EXPECT_TRUE(::skiff::testing::mounts_below(store_dir_.path()).empty()) << "rootfs mounts left";
  EXPECT_TRUE(::skiff::testing::mounts_below(root_.path()).empty()) << "netns mounts left";
  EXPECT_TRUE(store_->containers().empty()) << "rootfs registrations left";
  for (const auto& link : netns::Netlink().links()) {
    EXPECT_NE(link.kind, "veth") << "veth left: " << link.name;
  }
  try {
    cgroups::make_manager({options_.cgroup_parent, "parent", false, false})->destroy();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "remove cgroup parent (containers' cgroups left?): " << e.what();
  }
}

ContainerRunSpec ContainerTest::script(const std::string& name, const std::string& script) {
  ContainerRunSpec spec;
  spec.name = name;
  spec.image = "busybox";
  spec.user = "root";
  spec.command = std::vector<std::string>{script};
  spec.network.mode = ContainerNetwork::Mode::none;
  return spec;
}

std::string ContainerTest::output(const std::string& name) {
  std::string text;
  manager_->logs(name, {}, [&](const LogLine& line) { text += (text.empty() ? "" : "\n") + line.content; });
  return text;
}

ContainerInfo ContainerTest::wait_for(const std::string& name, const std::function<bool(const ContainerInfo&)>& pred) {
  ContainerInfo info = manager_->info(name);
  for (int i = 0; i < kPollRounds && !pred(info); ++i) {
    std::this_thread::sleep_for(kPollInterval);
    info = manager_->info(name);
  }
  return info;
}

bool ContainerTest::wait_for_output(const std::string& name, const std::string& text) {
  for (int i = 0; i < kPollRounds; ++i) {
    if (output(name).find(text) != std::string::npos) {
      return true;
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  return false;
}

}  // namespace skiff::pod::testing

#include "pod_test_util.h"

#include <dirent.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>

#include "skiff/base/file.h"
#include "skiff/base/strings.h"
#include "skiff/base/subprocess.h"
#include "skiff/cgroups/manager.h"
#include "skiff/netns/netlink.h"

namespace skiff::pod::testing {

namespace {

// Bounds for polling a container to its end: a broken build fails instead of hanging.
constexpr int kPollRounds = 1200;
constexpr useconds_t kPollInterval = 50000;

std::string comm_of(const std::string& pid) {
  std::ifstream in("/proc/" + pid + "/comm");
  std::string comm;
  std::getline(in, comm);
  return comm;
}

}  // namespace

void PodTest::SetUp() {
  options_.state_root = root_.path();
  options_.cgroup_parent = "skiff-pod-test-" + std::to_string(::getpid());
  options_.bridge.bridge = "skiffpt0";
  options_.bridge.subnet4 = "10.89.0.0/24";
  options_.bridge.subnet6.clear();
  options_.bridge.state_dir = root_.path() + "/network";
  manager_ = std::make_unique<PodManager>(options_);
}

void PodTest::TearDown() {
  // Whatever a failed test left: every pod in the state root, forcibly.
  try {
    manager_->recover(true);
    for (const auto& pod : manager_->list_pods()) {
      try {
        manager_->remove_pod(pod.id, true);
      } catch (const std::exception& e) {
        ADD_FAILURE() << "cleanup of pod " << pod.id << ": " << e.what();
      }
    }
  } catch (const std::exception& e) {
    ADD_FAILURE() << "cleanup: " << e.what();
  }
  try {
    cgroups::make_manager({options_.cgroup_parent, "parent", false, false})->destroy();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "remove cgroup parent: " << e.what();
  }
}

std::string PodTest::rootfs() {
  bundles_.push_back(std::make_unique<::skiff::testing::Bundle>());
  return bundles_.back()->rootfs();
}

ContainerSpec PodTest::container(const std::string& name, const std::string& script) {
  ContainerSpec c;
  c.name = name;
  c.rootfs = rootfs();
  c.args = {"sh", "-c", script};
  c.mounts.push_back({shared(), "/shared", false});
  return c;
}

std::string PodTest::read_shared(const std::string& file) {
  std::string path = shared() + "/" + file;
  return path_exists(path) ? read_file(path) : "<missing " + file + ">";
}

ContainerStatus PodTest::wait_exited(const std::string& pod, const std::string& name) {
  ContainerStatus status;
  for (int i = 0; i < kPollRounds; ++i) {
    status = find_container(manager_->pod_status(pod), name);
    if (status.state == ContainerState::exited) {
      break;
    }
    ::usleep(kPollInterval);
  }
  return status;
}

bool PodTest::wait_shared_file(const std::string& file) {
  for (int i = 0; i < kPollRounds; ++i) {
    if (path_exists(shared() + "/" + file)) {
      return true;
    }
    ::usleep(kPollInterval);
  }
  return false;
}

void PodTest::expect_nothing_left(const std::string& pod) {
  EXPECT_FALSE(path_exists(root_.path() + "/pods/" + pod)) << "state dir of " << pod;
  DIR* d = ::opendir(root_.path().c_str());
  ASSERT_NE(d, nullptr);
  while (dirent* ent = ::readdir(d)) {
    std::string name = ent->d_name;
    EXPECT_NE(name.rfind(pod + "_", 0), 0U) << "runtime container left: " << name;
  }
  ::closedir(d);
  for (const char* hierarchy : {"memory", "pids", "cpu"}) {
    std::string own = ::skiff::testing::own_cgroup(hierarchy);
    std::string dir = std::string("/sys/fs/cgroup/") + hierarchy + own + "/" + options_.cgroup_parent + "/" + pod;
    if (path_exists(std::string("/sys/fs/cgroup/") + hierarchy)) {
      EXPECT_FALSE(path_exists(dir)) << "cgroup left: " << dir;
    }
  }
  // No monitor or pause process of ours survives (monitors are forks of this binary).
  char self[4096];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
  ASSERT_GT(n, 0);
  std::string exe(self, static_cast<size_t>(n));
  DIR* proc = ::opendir("/proc");
  ASSERT_NE(proc, nullptr);
  while (dirent* ent = ::readdir(proc)) {
    std::string pid = ent->d_name;
    if (pid.empty() || pid[0] < '0' || pid[0] > '9') {
      continue;
    }
    std::string comm = comm_of(pid);
    if (comm == "skiff-monitor") {
      char buf[4096];
      ssize_t len = ::readlink(("/proc/" + pid + "/exe").c_str(), buf, sizeof(buf) - 1);
      if (len > 0 && std::string(buf, static_cast<size_t>(len)) == exe) {
        ADD_FAILURE() << "monitor process left: " << pid;
      }
    }
  }
  ::closedir(proc);
}

ContainerStatus find_container(const PodStatus& status, const std::string& name) {
  for (const auto& c : status.containers) {
    if (c.name == name) {
      return c;
    }
  }
  ADD_FAILURE() << "no container " << name << " in pod " << status.id;
  return {};
}

std::vector<std::string> bridge_ports(const std::string& bridge) {
  netns::Netlink nl;
  std::optional<netns::LinkInfo> master = nl.find_link(bridge);
  std::vector<std::string> ports;
  if (!master) {
    return ports;
  }
  for (const auto& link : nl.links()) {
    if (link.master == master->index) {
      ports.push_back(link.name);
    }
  }
  return ports;
}

std::vector<std::string> ipam_allocations(const std::string& state_dir, const std::string& owner) {
  std::vector<std::string> found;
  if (!path_exists(state_dir)) {
    return found;
  }
  for (const auto& entry : std::filesystem::recursive_directory_iterator(state_dir)) {
    std::string name = entry.path().filename();
    // Allocations are named by their address; the lock and last_reserved_ip are not.
    bool address = !name.empty() && name.find_first_not_of("0123456789abcdef.:") == std::string::npos;
    if (entry.is_regular_file() && address && (owner.empty() || trim(read_file(entry.path())) == owner)) {
      found.push_back(name);
    }
  }
  return found;
}

std::vector<std::string> pod_nft_rules() {
  SubprocessOptions nft;
  nft.args = {"nft", "-j", "list", "table", "inet", "skiff"};
  auto result = run_subprocess(nft);
  std::vector<std::string> comments;
  if (result.exit_code != 0) {
    // No table: no rules. Any other failure is the test's to see.
    EXPECT_NE(result.err.find("No such file"), std::string::npos) << "nft: " << result.err;
    return comments;
  }
  // Kept in a variable: a range-for over parse(...).at(...) would iterate a destroyed temporary.
  boost::json::value listing = boost::json::parse(result.out);
  for (const auto& item : listing.at("nftables").as_array()) {
    const auto* rule = item.as_object().if_contains("rule");
    if (rule == nullptr) {
      continue;
    }
    const auto* comment = rule->as_object().if_contains("comment");
    if (comment != nullptr && comment->as_string().starts_with("skiff-pod")) {
      comments.emplace_back(comment->as_string());
    }
  }
  return comments;
}

std::vector<std::string> cgroups_below(const std::string& parent) {
  std::vector<std::string> found;
  for (const char* hierarchy :
       {"memory", "pids", "cpu", "cpuacct", "cpuset", "blkio", "freezer", "devices", "unified"}) {
    std::string mount = std::string("/sys/fs/cgroup/") + hierarchy;
    std::string own = ::skiff::testing::own_cgroup(std::string(hierarchy) == "unified" ? "" : hierarchy);
    std::string dir = mount + own + "/" + parent;
    if (!path_exists(dir)) {
      continue;
    }
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      if (entry.is_directory()) {
        found.push_back(entry.path());
      }
    }
  }
  return found;
}

}  // namespace skiff::pod::testing

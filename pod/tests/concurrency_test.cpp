// Many bridged pods made and removed at the same time by separate processes sharing one state
// root, as several skiff commands or a busy skiffd would: each gets an address of its own, and
// once all are removed nothing of them is left anywhere on the node.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>

#include "pod_test_util.h"
#include "skiff/base/file.h"
#include "skiff/base/strings.h"
#include "skiff/netns/netlink.h"

namespace skiff::pod::testing {
namespace {

constexpr int kPods = 50;
// Only a bound against a hang (a deadlock among the creators); not a performance limit.
constexpr auto kDeadline = std::chrono::minutes(5);

// The mount points of the test's mount namespace, with their count: a pod must leave none.
std::multiset<std::string> mount_points() {
  std::multiset<std::string> points;
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> fields = split(line, ' ');
    if (fields.size() > 4) {
      points.insert(fields[4]);
    }
  }
  return points;
}

// Runs job(i) for i in [0, n) each in a forked process at once, and waits for all. Returns, per
// job, "" for success or the error the job wrote to its result file.
std::vector<std::string> run_forked(int n, const std::string& results_dir, const std::function<void(int)>& job) {
  std::vector<pid_t> children;
  for (int i = 0; i < n; ++i) {
    pid_t pid = ::fork();
    if (pid < 0) {
      ADD_FAILURE() << "fork: " << std::strerror(errno);
      break;
    }
    if (pid == 0) {
      // The child never returns into gtest: it reports through its file and _exits.
      std::string result = "ok";
      try {
        job(i);
      } catch (const std::exception& e) {
        result = std::string("error: ") + e.what();
      } catch (...) {
        result = "error: unknown exception";
      }
      std::ofstream(results_dir + "/" + std::to_string(i)) << result;
      ::_exit(result == "ok" ? 0 : 1);
    }
    children.push_back(pid);
  }
  auto deadline = std::chrono::steady_clock::now() + kDeadline;
  size_t left = children.size();
  std::vector<bool> done(children.size(), false);
  while (left > 0) {
    for (size_t i = 0; i < children.size(); ++i) {
      if (!done[i] && ::waitpid(children[i], nullptr, WNOHANG) == children[i]) {
        done[i] = true;
        --left;
      }
    }
    if (left > 0 && std::chrono::steady_clock::now() > deadline) {
      ADD_FAILURE() << left << " of the forked jobs hang; killing them";
      for (size_t i = 0; i < children.size(); ++i) {
        if (!done[i]) {
          ::kill(children[i], SIGKILL);
          ::waitpid(children[i], nullptr, 0);
        }
      }
      break;
    }
    if (left > 0) {
      ::usleep(20000);
    }
  }
  std::vector<std::string> errors;
  for (int i = 0; i < n; ++i) {
    std::string path = results_dir + "/" + std::to_string(i);
    std::string result = path_exists(path) ? read_file(path) : "error: no result (the job died)";
    errors.push_back(result == "ok" ? "" : result);
    if (path_exists(path)) {
      ::unlink(path.c_str());
    }
  }
  return errors;
}

// Every creator also runs recover(false): this is what proved that a pod dir must appear already
// locked (create_pod stages it under a dot name, then renames it into place).
TEST_F(PodTest, FiftyBridgedPodsMadeAndRemovedConcurrentlyLeaveNothing) {
  if (!bridge_networking_available()) {
    GTEST_SKIP() << "built without the netns module (SKIFF_POD_NETNS=OFF)";
  }
  // One read-only rootfs for every container: copying busybox 50 times would be most of the
  // test's time.
  ContainerSpec sleeper;
  sleeper.name = "sleep";
  sleeper.rootfs = rootfs();
  sleeper.readonly_rootfs = true;
  sleeper.args = {"sleep", "600"};
  std::vector<PodSpec> specs;
  for (int i = 0; i < kPods; ++i) {
    PodSpec spec;
    spec.id = ::skiff::testing::unique_id("many");
    spec.network = NetworkMode::bridge;
    spec.containers.push_back(sleeper);
    specs.push_back(std::move(spec));
  }
  std::multiset<std::string> mounts_before = mount_points();

  std::string results = shared() + "/results";
  mkdir_all(results);
  PodManagerOptions opts = options();
  std::vector<std::string> create_errors =
      run_forked(kPods, results, [&](int i) { PodManager(opts).create_pod(specs[static_cast<size_t>(i)]); });
  std::set<std::string> addresses;
  std::set<std::string> veths;
  for (int i = 0; i < kPods; ++i) {
    const PodSpec& spec = specs[static_cast<size_t>(i)];
    EXPECT_EQ(create_errors[static_cast<size_t>(i)], "") << spec.id;
    if (!create_errors[static_cast<size_t>(i)].empty()) {
      continue;
    }
    PodStatus status = manager().pod_status(spec.id);
    EXPECT_EQ(status.state, "running") << spec.id;
    ASSERT_TRUE(status.network.has_value()) << spec.id;
    EXPECT_FALSE(status.network->address4.empty()) << spec.id;
    addresses.insert(status.network->address4);
    veths.insert(status.network->host_veth);
    EXPECT_EQ(find_container(status, "sleep").state, ContainerState::running) << spec.id;
  }
  EXPECT_EQ(addresses.size(), static_cast<size_t>(kPods)) << "addresses must be distinct";
  EXPECT_EQ(veths.size(), static_cast<size_t>(kPods));
  EXPECT_EQ(ipam_allocations(options().bridge.state_dir).size(), static_cast<size_t>(kPods));
  std::vector<std::string> ports = bridge_ports(options().bridge.bridge);
  EXPECT_EQ(std::set<std::string>(ports.begin(), ports.end()), veths);

  std::vector<std::string> remove_errors =
      run_forked(kPods, results, [&](int i) { PodManager(opts).remove_pod(specs[static_cast<size_t>(i)].id, true); });
  for (int i = 0; i < kPods; ++i) {
    EXPECT_EQ(remove_errors[static_cast<size_t>(i)], "") << specs[static_cast<size_t>(i)].id;
  }

  EXPECT_EQ(manager().list_pods().size(), 0U);
  for (const auto& spec : specs) {
    expect_nothing_left(spec.id);
  }
  std::vector<std::string> veths_left;
  for (const auto& link : netns::Netlink().links()) {
    // Both ends of a pod's pair: "veth<hash>" here, "vpod<hash>" until it is moved into the pod.
    if (link.name.starts_with("veth") || link.name.starts_with("vpod")) {
      veths_left.push_back(link.name);
    }
  }
  EXPECT_EQ(veths_left, std::vector<std::string>{});
  EXPECT_EQ(bridge_ports(options().bridge.bridge), std::vector<std::string>{});
  EXPECT_EQ(ipam_allocations(options().bridge.state_dir), std::vector<std::string>{});
  EXPECT_EQ(pod_nft_rules(), std::vector<std::string>{});
  EXPECT_EQ(cgroups_below(options().cgroup_parent), std::vector<std::string>{});
  std::vector<std::string> pod_dirs;
  if (path_exists(root_.path() + "/pods")) {
    for (const auto& entry : std::filesystem::directory_iterator(root_.path() + "/pods")) {
      pod_dirs.push_back(entry.path().filename());
    }
  }
  EXPECT_EQ(pod_dirs, std::vector<std::string>{});
  EXPECT_EQ(mount_points(), mounts_before);
}

}  // namespace
}  // namespace skiff::pod::testing

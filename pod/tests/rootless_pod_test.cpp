// Rootless pods: run by ctest through tests/rootless/run-as-user.sh as the unprivileged user
// skiff-rootless (subuid/subgid ranges, /dev/net/tun 0666, no delegated cgroup), in the host's
// network namespace. The pod gets a user namespace of its own and slirp4netns networking; a
// published port is reached on the host's loopback, and only there.

#include <arpa/inet.h>
#include <dirent.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/strings.h"
#include "skiff/base/unique_fd.h"
#include "skiff/pod/pod_manager.h"
#include "test_support.h"

namespace skiff::pod::testing {
namespace {

// Bounds for polling, so that a broken build fails instead of hanging; not timing expectations.
constexpr int kPollRounds = 1200;
constexpr useconds_t kPollInterval = 50000;

std::string proc_field(const std::string& pid, const std::string& key) {
  std::ifstream in("/proc/" + pid + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + ":", 0) == 0) {
      return std::string(trim(line.substr(key.size() + 1)));
    }
  }
  return {};
}

// Live (not zombie) processes of this user, by pid, with their names; name_filter empty: all.
std::set<std::string> own_processes(const std::string& name_filter = {}) {
  std::set<std::string> out;
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) {
    return out;
  }
  while (dirent* ent = ::readdir(proc)) {
    std::string pid = ent->d_name;
    if (pid.empty() || pid[0] < '0' || pid[0] > '9') {
      continue;
    }
    std::string name = proc_field(pid, "Name");
    if ((!name_filter.empty() && name != name_filter) || name.empty() || proc_field(pid, "State").rfind('Z', 0) == 0) {
      continue;
    }
    auto uids = split(proc_field(pid, "Uid"), '\t');
    if (!uids.empty() && uids[0] == std::to_string(::getuid())) {
      out.insert(pid + " " + name);
    }
  }
  ::closedir(proc);
  return out;
}

std::set<std::string> own_slirp_processes() {
  return own_processes("slirp4netns");
}

// One connection to 127.0.0.1:port; everything the peer sends before closing ("" when the
// connection failed or the peer sent nothing).
std::string fetch(uint16_t port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) {
    throw_errno("socket");
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) < 0) {
    return {};
  }
  timeval timeout{10, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  std::string out;
  char buf[256];
  ssize_t n = 0;
  while ((n = ::read(fd.get(), buf, sizeof buf)) > 0) {
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

class RootlessPod : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() == 0) {
      GTEST_SKIP() << "the rootless pod tests run as an unprivileged user: run them through ctest (run-as-user.sh)";
    }
    manager_ = std::make_unique<PodManager>(manager_options());
  }

  // The same in a forked creator as in the test.
  [[nodiscard]] PodManagerOptions manager_options() const {
    PodManagerOptions options;  // the default state root: $XDG_RUNTIME_DIR/skiff
    options.cgroup_parent = "skiff-rootless-pod-test-" + std::to_string(test_pid_);
    return options;
  }

  void TearDown() override {
    if (!manager_) {
      return;
    }
    try {
      manager_->recover(true);
      for (const auto& pod : manager_->list_pods()) {
        manager_->remove_pod(pod.id, true);
      }
    } catch (const std::exception& e) {
      ADD_FAILURE() << "cleanup: " << e.what();
    }
  }

  ContainerSpec container(const std::string& name, const std::string& script) {
    bundles_.push_back(std::make_unique<::skiff::testing::Bundle>(std::vector<std::string>{"--rootless"}));
    ContainerSpec c;
    c.name = name;
    c.rootfs = bundles_.back()->rootfs();
    c.args = {"sh", "-c", script};
    c.mounts.push_back({shared_.path(), "/shared", false});
    return c;
  }

  std::string read_shared(const std::string& file) {
    std::string path = shared_.path() + "/" + file;
    return path_exists(path) ? read_file(path) : "<missing " + file + ">";
  }

  ContainerStatus status_of(const std::string& pod, const std::string& name) {
    for (const auto& c : manager_->pod_status(pod).containers) {
      if (c.name == name) {
        return c;
      }
    }
    ADD_FAILURE() << "no container " << name << " in pod " << pod;
    return {};
  }

  ContainerStatus wait_exited(const std::string& pod, const std::string& name) {
    ContainerStatus status;
    for (int i = 0; i < kPollRounds; ++i) {
      status = status_of(pod, name);
      if (status.state == ContainerState::exited) {
        break;
      }
      ::usleep(kPollInterval);
    }
    return status;
  }

  pid_t test_pid_ = ::getpid();
  std::unique_ptr<PodManager> manager_;
  ::skiff::testing::TempDir shared_{"skiff-rootless-pod-shared-"};
  std::vector<std::unique_ptr<::skiff::testing::Bundle>> bundles_;
};

TEST_F(RootlessPod, SharesHostnameAndLocalhostAndPublishesAPortOnLoopback) {
  // High and per-process, so that parallel runs and other services rarely collide.
  auto host_port = static_cast<uint16_t>(20000 + ::getpid() % 20000);
  PodSpec spec;
  spec.id = ::skiff::testing::unique_id("rlpod");
  spec.hostname = "rootlesspod";
  // network left at auto: slirp4netns for a rootless caller.
  spec.ports.push_back({"tcp", "127.0.0.1", host_port, 8080});
  spec.containers.push_back(container("server",
                                      "hostname > /shared/server.host; cat /proc/self/uid_map > /shared/server.uidmap; "
                                      "readlink /proc/self/ns/user /proc/self/ns/net > /shared/server.ns; "
                                      "cat /etc/resolv.conf > /shared/resolv.conf; "
                                      "while true; do nc -l -p 8080 -e echo hi-from-pod; done"));
  spec.containers.push_back(
      container("client",
                "hostname > /shared/client.host; readlink /proc/self/ns/user /proc/self/ns/net > /shared/client.ns; "
                "until nc 127.0.0.1 8080 > /shared/client.got 2>/dev/null && [ -s /shared/client.got ]; "
                "do sleep 0.05; done"));

  PodStatus created = manager_->create_pod(spec);
  EXPECT_EQ(created.state, "running");
  ASSERT_TRUE(created.network.has_value());
  EXPECT_EQ(created.network->address4, "10.0.2.100/24");
  std::string pod_dir = manager_->state_root() + "/pods/" + spec.id;
  const char* xdg = std::getenv("XDG_RUNTIME_DIR");
  ASSERT_NE(xdg, nullptr);
  EXPECT_EQ(manager_->state_root(), std::string(xdg) + "/skiff");
  ASSERT_TRUE(path_exists(pod_dir + "/slirp4netns.pid"));
  std::string slirp_pid = split(read_file(pod_dir + "/slirp4netns.pid"), ' ')[0];

  auto client = wait_exited(spec.id, "client");
  EXPECT_EQ(client.exit_code, 0) << read_file(client.log_path);
  EXPECT_EQ(read_shared("client.got"), "hi-from-pod\n");
  EXPECT_EQ(read_shared("server.host"), "rootlesspod\n");
  EXPECT_EQ(read_shared("client.host"), "rootlesspod\n");
  // One user namespace and one network namespace for the whole pod, not the host's.
  EXPECT_EQ(read_shared("server.ns"), read_shared("client.ns"));
  std::string own_ns;
  for (const char* ns : {"user", "net"}) {
    char buf[128];
    ssize_t n = ::readlink((std::string("/proc/self/ns/") + ns).c_str(), buf, sizeof buf);
    ASSERT_GT(n, 0);
    own_ns += std::string(buf, static_cast<size_t>(n)) + "\n";
  }
  EXPECT_NE(read_shared("server.ns"), own_ns);
  // The caller is root in the pod.
  auto uid_map = split(std::string(trim(read_shared("server.uidmap"))), '\n');
  ASSERT_FALSE(uid_map.empty());
  std::vector<std::string> fields;
  for (const auto& f : split(uid_map[0], ' ')) {
    if (!f.empty()) {
      fields.push_back(f);
    }
  }
  EXPECT_EQ(fields, (std::vector<std::string>{"0", std::to_string(::getuid()), "1"}));
  EXPECT_NE(read_shared("resolv.conf").find("nameserver 10.0.2.3"), std::string::npos) << read_shared("resolv.conf");

  // From the host's loopback, through slirp4netns. slirp accepts before the server may be
  // listening again, so an empty answer is retried (bounded).
  std::string got;
  for (int i = 0; i < kPollRounds && got.empty(); ++i) {
    got = fetch(host_port);
    if (got.empty()) {
      ::usleep(kPollInterval);
    }
  }
  EXPECT_EQ(got, "hi-from-pod\n");

  manager_->stop_pod(spec.id, std::chrono::seconds(5));
  manager_->remove_pod(spec.id, false);
  EXPECT_FALSE(path_exists(pod_dir));
  EXPECT_FALSE(path_exists("/proc/" + slirp_pid) && proc_field(slirp_pid, "State").rfind('Z', 0) != 0)
      << "slirp4netns " << slirp_pid << " survived the pod";
  EXPECT_EQ(own_slirp_processes(), std::set<std::string>{});
}

TEST_F(RootlessPod, ForceRemoveOfARunningPodEndsSlirp) {
  PodSpec spec;
  spec.id = ::skiff::testing::unique_id("rlforce");
  spec.network = NetworkMode::slirp4netns;
  spec.containers.push_back(container("sleeper", "exec sleep 1000"));
  manager_->create_pod(spec);
  std::string pod_dir = manager_->state_root() + "/pods/" + spec.id;
  ASSERT_TRUE(path_exists(pod_dir + "/slirp4netns.pid"));
  manager_->remove_pod(spec.id, true);
  EXPECT_FALSE(path_exists(pod_dir));
  EXPECT_EQ(own_slirp_processes(), std::set<std::string>{});
}

TEST_F(RootlessPod, RecoverRemovesPodsWhoseCreatorWasKilled) {
  std::string state_root = manager_->state_root();
  std::set<std::string> before = own_processes();
  // The delays only choose where the creator dies (from before the state dir, through the user
  // namespace, slirp4netns and the containers, to after the pod is complete); nothing is
  // asserted about how long a step takes.
  for (int delay_ms : {0, 3, 6, 10, 15, 20, 30, 45, 60, 80, 120, 200, 400, 1500}) {
    SCOPED_TRACE("killed after " + std::to_string(delay_ms) + " ms");
    PodSpec spec;
    spec.id = ::skiff::testing::unique_id("rlkilled");
    spec.network = NetworkMode::slirp4netns;
    spec.ports.push_back({"tcp", "127.0.0.1", static_cast<uint16_t>(20000 + ::getpid() % 20000), 8080});
    spec.init_containers.push_back(container("init", "true"));
    spec.containers.push_back(container("app", "exec sleep 1000"));
    spec.containers.push_back(container("app2", "exec sleep 1000"));
    ::skiff::testing::run_killed_after([&] { PodManager(manager_options()).create_pod(spec); }, delay_ms);

    auto removed = manager_->recover(true);
    std::string pod_dir = state_root + "/pods/" + spec.id;
    bool complete = path_exists(pod_dir);
    // Which point the kill hit, for whoever reads the test's output.
    std::printf("killed after %d ms: %s\n", delay_ms,
                complete          ? "the pod was complete"
                : removed.empty() ? "nothing was made yet"
                                  : "recovered a half-made pod");
    if (complete) {
      EXPECT_TRUE(removed.empty());
      EXPECT_EQ(manager_->pod_status(spec.id).state, "running");
      manager_->remove_pod(spec.id, true);
    }
    EXPECT_FALSE(path_exists(pod_dir));
    // No runtime container, monitor, pause, slirp4netns or container process of the pod left.
    DIR* d = ::opendir(state_root.c_str());
    ASSERT_NE(d, nullptr);
    while (dirent* ent = ::readdir(d)) {
      EXPECT_NE(std::string(ent->d_name).rfind(spec.id + "_", 0), 0U) << "runtime container left: " << ent->d_name;
    }
    ::closedir(d);
    // A slirp4netns whose holder died before naming it in the pid file ends by itself once it
    // sees its exit fd closed, so what is left is polled for (bounded) rather than read once.
    std::set<std::string> left;
    for (int i = 0; i < kPollRounds; ++i) {
      left.clear();
      for (const auto& process : own_processes()) {
        if (!before.contains(process)) {
          left.insert(process);
        }
      }
      if (left.empty()) {
        break;
      }
      ::usleep(kPollInterval);
    }
    EXPECT_EQ(left, std::set<std::string>{}) << "processes left";
  }
}

TEST_F(RootlessPod, BridgeIsRefusedWithAClearMessage) {
  PodSpec spec;
  spec.id = ::skiff::testing::unique_id("rlbridge");
  spec.network = NetworkMode::bridge;
  spec.containers.push_back(container("c", "true"));
  try {
    manager_->create_pod(spec);
    FAIL() << "a rootless bridge pod was created";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bridge networking needs root"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("slirp4netns"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(path_exists(manager_->state_root() + "/pods/" + spec.id));
}

}  // namespace
}  // namespace skiff::pod::testing

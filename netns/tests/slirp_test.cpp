// slirp4netns attached to a scratch namespace standing in for a rootless pod, with real traffic
// from the test's namespace (ctest runs the binary under `unshare --net`, so the ports slirp4netns
// listens on are the test's own). Needs root for the namespaces; slirp4netns itself does not.
#include "skiff/netns/slirp.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include <chrono>
#include <csignal>
#include <cstring>
#include <future>
#include <optional>
#include <thread>

#include "netns_test_support.h"
#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/strings.h"
#include "skiff/base/subprocess.h"
#include "skiff/netns/in_netns.h"

namespace skiff::netns {
namespace {

using testing::error_of;
using testing::in_private_netns;
using testing::ScratchNetns;
using testing::TempDir;

// Whether pid is gone: reaped, so kill finds no such process.
bool gone(pid_t pid) {
  return ::kill(pid, 0) < 0 && errno == ESRCH;
}

std::string ip_addr_show(const ScratchNetns& pod, const std::string& family) {
  SubprocessOptions options;
  options.args = {"nsenter", "--net=" + pod.path(), "ip", "-o", family, "addr", "show", "dev", "tap0"};
  return run_subprocess(options).out;
}

// A TCP listener on port in the pod's namespace.
UniqueFd listen_in(const ScratchNetns& pod, uint16_t port) {
  return in_netns(pod.fd(), [port] {
    UniqueFd fd(check(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), "socket"));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    check(::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), "bind");
    check(::listen(fd.get(), 4), "listen");
    return fd;
  });
}

// Connects to 127.0.0.1:port here while the pod's listener accepts once and answers with the
// address the connection came from; returns that answer.
std::string round_trip(int listener, uint16_t port) {
  auto served = std::async(std::launch::async, [listener] {
    pollfd p{listener, POLLIN, 0};
    if (::poll(&p, 1, 5000) != 1) {
      return;
    }
    sockaddr_in peer{};
    socklen_t len = sizeof peer;
    UniqueFd conn(::accept4(listener, reinterpret_cast<sockaddr*>(&peer), &len, SOCK_CLOEXEC));
    char text[INET_ADDRSTRLEN] = {};
    ::inet_ntop(AF_INET, &peer.sin_addr, text, sizeof text);
    ::send(conn.get(), text, std::strlen(text), MSG_NOSIGNAL);
  });
  UniqueFd fd(check(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), "socket"));
  timeval timeout{5, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  check(::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), "connect to 127.0.0.1");
  std::string answer = read_all(fd.get(), "answer");
  served.get();
  return answer;
}

class SlirpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) {
      GTEST_SKIP() << "scratch network namespaces need root";
    }
    if (!in_private_netns()) {
      GTEST_SKIP() << "run under `unshare --net` (as ctest does): slirp4netns would listen on the host's ports";
    }
    SubprocessOptions options;
    options.args = {"ip", "link", "set", "lo", "up"};
    ASSERT_TRUE(run_subprocess(options).ok());
    pod_.emplace();
  }

  SlirpOptions options() const { return SlirpOptions{pod_->path(), "", dir_.path()}; }

  std::optional<ScratchNetns> pod_;  // made in SetUp, once root and a private namespace are sure
  TempDir dir_;
};

TEST_F(SlirpTest, PublishesHostPortsIntoThePodAndStopEndsIt) {
  Slirp4netns slirp(options());
  EXPECT_NE(ip_addr_show(*pod_, "-4").find(std::string("inet ") + kSlirpGuestAddress + "/24"), std::string::npos);

  UniqueFd listener = listen_in(*pod_, 80);
  EXPECT_GT(slirp.add_port({"tcp", "127.0.0.1", 8080, 80}), 0);
  // slirp4netns connects to the pod from its gateway address.
  EXPECT_EQ(round_trip(listener.get(), 8080), "10.0.2.2");
  EXPECT_GT(slirp.add_port({"udp", "", 5353, 53}), 0);

  pid_t pid = slirp.pid();
  slirp.stop();
  EXPECT_TRUE(gone(pid));
  EXPECT_FALSE(path_exists(dir_.path() + "/slirp.sock"));
  slirp.stop();
  EXPECT_THROW(slirp.add_port({"tcp", "127.0.0.1", 8081, 80}), Error);
}

TEST_F(SlirpTest, PortsThatCannotBeHadAreNamedWithTheReason) {
  Slirp4netns slirp(options());
  slirp.add_port({"tcp", "127.0.0.1", 8080, 80});
  std::string error = error_of([&] { slirp.add_port({"tcp", "127.0.0.1", 8080, 81}); });
  EXPECT_NE(error.find("host port tcp/127.0.0.1:8080"), std::string::npos) << error;
  EXPECT_NE(error.find("EADDRINUSE"), std::string::npos) << error;

  // A port some other program holds.
  UniqueFd other(check(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), "socket"));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(9090);
  check(::bind(other.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), "bind");
  error = error_of([&] { slirp.add_port({"udp", "", 9090, 90}); });
  EXPECT_NE(error.find("host port udp/0.0.0.0:9090"), std::string::npos) << error;
  EXPECT_NE(error.find("EADDRINUSE"), std::string::npos) << error;

  error = error_of([&] { slirp.add_port({"tcp", "::1", 8082, 80}); });
  EXPECT_NE(error.find("IPv4 host addresses only"), std::string::npos) << error;
  EXPECT_THROW(slirp.add_port({"sctp", "", 8083, 80}), Error);
  // slirp4netns still serves after refusing.
  EXPECT_GT(slirp.add_port({"tcp", "", 8084, 80}), 0);
}

TEST_F(SlirpTest, DestroyingTheHandleEndsIt) {
  pid_t pid = -1;
  {
    Slirp4netns slirp(options());
    pid = slirp.pid();
    Slirp4netns moved(std::move(slirp));
    EXPECT_EQ(moved.pid(), pid);
    EXPECT_EQ(slirp.pid(), -1);  // NOLINT(bugprone-use-after-move): the moved-from state is the point
  }
  EXPECT_TRUE(gone(pid));
}

TEST_F(SlirpTest, ItEndsWhenItsOwnerDiesWithoutCleaningUp) {
  // Orphans come to this process (a subreaper) rather than to init, so the test can reap it.
  struct Subreaper {
    Subreaper() { check(::prctl(PR_SET_CHILD_SUBREAPER, 1), "PR_SET_CHILD_SUBREAPER"); }
    Subreaper(const Subreaper&) = delete;
    Subreaper& operator=(const Subreaper&) = delete;
    ~Subreaper() { ::prctl(PR_SET_CHILD_SUBREAPER, 0); }
  } subreaper;
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  UniqueFd read_end(fds[0]);
  UniqueFd write_end(fds[1]);
  pid_t owner = ::fork();
  ASSERT_GE(owner, 0);
  if (owner == 0) {
    pid_t slirp_pid = -1;
    try {
      // Dies holding a live handle: no destructor runs, only the kernel closes the exit fd.
      auto* leaked = new Slirp4netns(options());  // NOLINT(cppcoreguidelines-owning-memory)
      slirp_pid = leaked->pid();
    } catch (const std::exception&) {
    }
    (void)!::write(write_end.get(), &slirp_pid, sizeof slirp_pid);
    ::_exit(0);
  }
  write_end.reset();
  pid_t slirp_pid = -1;
  ASSERT_EQ(::read(read_end.get(), &slirp_pid, sizeof slirp_pid), static_cast<ssize_t>(sizeof slirp_pid));
  EXPECT_EQ(wait_exit_code(owner), 0);
  ASSERT_GT(slirp_pid, 0);
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, slirp_pid, 0)));
  if (pidfd) {
    pollfd p{pidfd.get(), POLLIN, 0};
    EXPECT_EQ(::poll(&p, 1, 5000), 1) << "slirp4netns outlived its owner";
    if (p.revents == 0) {
      ::kill(slirp_pid, SIGKILL);
    }
  }
  ::waitpid(slirp_pid, nullptr, 0);
}

TEST_F(SlirpTest, Ipv6GivesTheTapAnAddressByRouterAdvertisement) {
  SlirpOptions opts = options();
  opts.enable_ipv6 = true;
  Slirp4netns slirp(opts);
  std::string shown;
  for (int i = 0; i < 50 && shown.find("inet6 fd00::") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    shown = ip_addr_show(*pod_, "-6");
  }
  EXPECT_NE(shown.find("inet6 fd00::"), std::string::npos) << shown;
}

TEST_F(SlirpTest, AMissingProgramIsNamed) {
  SlirpOptions opts = options();
  opts.program = "slirp4netns-not-installed";
  std::string error = error_of([&] { Slirp4netns slirp(opts); });
  EXPECT_NE(error.find("slirp4netns-not-installed: not found in PATH"), std::string::npos) << error;
  EXPECT_NE(error.find("install the slirp4netns package"), std::string::npos) << error;
}

TEST_F(SlirpTest, AFailureToStartComesWithItsLog) {
  SlirpOptions opts = options();
  opts.netns_path = dir_.path() + "/no-such-netns";
  std::string error = error_of([&] { Slirp4netns slirp(opts); });
  EXPECT_NE(error.find("open " + opts.netns_path + ": ENOENT"), std::string::npos) << error;

  // A file that is no network namespace gets as far as slirp4netns's setns.
  opts.netns_path = dir_.path() + "/not-a-netns";
  write_file(opts.netns_path, "");
  error = error_of([&] { Slirp4netns slirp(opts); });
  EXPECT_NE(error.find("exited before tap0 was configured (exit status 1): "), std::string::npos) << error;
  EXPECT_NE(error.find("setns"), std::string::npos) << error;
  EXPECT_EQ(error.find("Usage:"), std::string::npos) << error;
}

// Starts slirp4netns in a child with a private mount namespace in which /dev/net/tun is what
// make_tun leaves there, as user nobody; returns the child's error message.
std::string tun_error(const std::function<void()>& make_tun, const SlirpOptions& options) {
  int fds[2];
  check(::pipe2(fds, O_CLOEXEC), "pipe");
  UniqueFd read_end(fds[0]);
  UniqueFd write_end(fds[1]);
  pid_t child = check(::fork(), "fork");
  if (child == 0) {
    std::string message;
    try {
      check(::unshare(CLONE_NEWNS), "unshare mount namespace");
      check(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr), "make / private");
      check(::mount("tmpfs", "/dev/net", "tmpfs", 0, "mode=0755"), "mount tmpfs on /dev/net");
      make_tun();
      check(::setgroups(0, nullptr), "setgroups");
      check(::setresgid(65534, 65534, 65534), "setresgid");
      check(::setresuid(65534, 65534, 65534), "setresuid");
      Slirp4netns slirp(options);
      message = "(started)";
    } catch (const std::exception& e) {
      message = e.what();
    }
    (void)!::write(write_end.get(), message.data(), message.size());
    ::_exit(0);
  }
  write_end.reset();
  std::string message = read_all(read_end.get(), "child's message");
  wait_exit_code(child);
  return message;
}

TEST_F(SlirpTest, AnUnusableTunDeviceIsExplained) {
  std::string error = tun_error(
      [] {
        check(::mknod("/dev/net/tun", S_IFCHR | 0600, makedev(10, 200)), "mknod /dev/net/tun");
        check(::chmod("/dev/net/tun", 0600), "chmod /dev/net/tun");
      },
      options());
  EXPECT_NE(error.find("slirp4netns: open /dev/net/tun: EACCES"), std::string::npos) << error;
  EXPECT_NE(error.find("make it mode 0666 as udev does"), std::string::npos) << error;

  error = tun_error([] {}, options());
  EXPECT_NE(error.find("slirp4netns: open /dev/net/tun: ENOENT"), std::string::npos) << error;
  EXPECT_NE(error.find("modprobe tun"), std::string::npos) << error;
}

}  // namespace
}  // namespace skiff::netns

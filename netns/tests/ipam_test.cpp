// Host-local IPAM: files in a temporary state dir, several processes at once.
#include "skiff/netns/ipam.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>
#include <vector>

#include "netns_test_support.h"
#include "skiff/base/error.h"
#include "skiff/base/file.h"

namespace skiff::netns {
namespace {

using testing::TempDir;

TEST(IpamTest, HandsOutHostAddressesInOrderSkippingTheGateway) {
  TempDir dir;
  Ipam ipam("10.88.0.0/16", dir.path());
  EXPECT_EQ(ipam.gateway(), "10.88.0.1");
  EXPECT_EQ(ipam.prefix_length(), 16);
  EXPECT_EQ(ipam.allocate("pod-a"), "10.88.0.2");
  EXPECT_EQ(ipam.allocate("pod-b"), "10.88.0.3");
  EXPECT_EQ(read_file(dir.path() + "/10.88.0.3"), "pod-b");
  EXPECT_EQ(read_file(dir.path() + "/last_reserved_ip"), "10.88.0.3");
  std::map<std::string, std::string> expected{{"10.88.0.2", "pod-a"}, {"10.88.0.3", "pod-b"}};
  EXPECT_EQ(ipam.owners(), expected);
}

TEST(IpamTest, SameOwnerGetsTheSameAddress) {
  TempDir dir;
  Ipam ipam("10.88.0.0/24", dir.path());
  std::string first = ipam.allocate("pod-a");
  EXPECT_EQ(ipam.allocate("pod-a"), first);
  EXPECT_EQ(ipam.owners().size(), 1U);
}

TEST(IpamTest, ReleaseFreesAndRoundRobinReusesLater) {
  TempDir dir;
  Ipam ipam("10.88.0.0/29", dir.path());  // .2 to .6
  EXPECT_EQ(ipam.allocate("a"), "10.88.0.2");
  EXPECT_EQ(ipam.allocate("b"), "10.88.0.3");
  ipam.release("a");
  ipam.release("a");  // idempotent
  ipam.release("nobody");
  EXPECT_EQ(ipam.owners().count("10.88.0.2"), 0U);
  // Round-robin goes on after the last address handed out, then wraps to the freed one.
  EXPECT_EQ(ipam.allocate("c"), "10.88.0.4");
  EXPECT_EQ(ipam.allocate("d"), "10.88.0.5");
  EXPECT_EQ(ipam.allocate("e"), "10.88.0.6");
  EXPECT_EQ(ipam.allocate("f"), "10.88.0.2");
  EXPECT_THROW(ipam.allocate("g"), Error);
  ipam.release("d");
  EXPECT_EQ(ipam.allocate("g"), "10.88.0.5");
}

// Allocation files are not fsynced: a power loss may leave one empty. Its pod is gone then, so
// the address counts as free, and is handed out again (round-robin reaching it) rather than leaked.
TEST(IpamTest, AnEmptyAllocationFileIsAFreeAddress) {
  TempDir dir;
  Ipam ipam("10.88.0.0/29", dir.path());  // .2 to .6
  write_file(dir.path() + "/10.88.0.2", "");
  EXPECT_TRUE(ipam.owners().empty());
  EXPECT_EQ(ipam.allocate("a"), "10.88.0.2");
  EXPECT_EQ(read_file(dir.path() + "/10.88.0.2"), "a");
  std::map<std::string, std::string> expected{{"10.88.0.2", "a"}};
  EXPECT_EQ(ipam.owners(), expected);
}

// last_reserved_ip is rewritten in place: a shorter address leaves no tail of the longer one.
TEST(IpamTest, TheRoundRobinHintShrinksAndWraps) {
  TempDir dir;
  Ipam ipam("10.88.0.0/24", dir.path());
  write_file(dir.path() + "/last_reserved_ip", "10.88.0.253");
  EXPECT_EQ(ipam.allocate("a"), "10.88.0.254");
  EXPECT_EQ(read_file(dir.path() + "/last_reserved_ip"), "10.88.0.254");
  EXPECT_EQ(ipam.allocate("b"), "10.88.0.2");
  EXPECT_EQ(read_file(dir.path() + "/last_reserved_ip"), "10.88.0.2");
  write_file(dir.path() + "/last_reserved_ip", "garbage");
  EXPECT_EQ(ipam.allocate("c"), "10.88.0.3");
}

TEST(IpamTest, ExhaustionNamesTheSubnet) {
  TempDir dir;
  Ipam ipam("192.168.7.0/30", dir.path());  // network .0, gateway .1, broadcast .3: only .2
  EXPECT_EQ(ipam.allocate("a"), "192.168.7.2");
  try {
    ipam.allocate("b");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no free address in subnet 192.168.7.0/30"), std::string::npos) << e.what();
  }
  EXPECT_EQ(ipam.allocate("a"), "192.168.7.2");  // an owner that has one still gets it
}

TEST(IpamTest, StateSurvivesANewAllocator) {
  TempDir dir;
  {
    Ipam ipam("10.88.0.0/24", dir.path());
    EXPECT_EQ(ipam.allocate("a"), "10.88.0.2");
    EXPECT_EQ(ipam.allocate("b"), "10.88.0.3");
  }
  Ipam again("10.88.0.0/24", dir.path());
  EXPECT_EQ(again.allocate("a"), "10.88.0.2");
  EXPECT_EQ(again.allocate("c"), "10.88.0.4");
  EXPECT_EQ(again.owners().size(), 3U);
}

TEST(IpamTest, IPv6) {
  TempDir dir;
  Ipam ipam("fd88:5c1f::/64", dir.path());
  EXPECT_EQ(ipam.gateway(), "fd88:5c1f::1");
  EXPECT_EQ(ipam.prefix_length(), 64);
  EXPECT_EQ(ipam.allocate("a"), "fd88:5c1f::2");
  EXPECT_EQ(ipam.allocate("b"), "fd88:5c1f::3");
  ipam.release("a");
  EXPECT_EQ(ipam.allocate("c"), "fd88:5c1f::4");
  EXPECT_EQ(ipam.owners().size(), 2U);

  // The last address of a small range wraps round to the first.
  TempDir small_dir;
  Ipam small("fd00::/126", small_dir.path());  // ::2 only
  EXPECT_EQ(small.allocate("a"), "fd00::2");
  EXPECT_THROW(small.allocate("b"), Error);
}

TEST(IpamTest, BadSubnetsAndOwners) {
  TempDir dir;
  EXPECT_THROW(Ipam("10.88.0.0", dir.path()), Error);
  EXPECT_THROW(Ipam("10.88.0.0/31", dir.path()), Error);
  EXPECT_THROW(Ipam("10.88.0.0/x", dir.path()), Error);
  EXPECT_THROW(Ipam("10.888.0.0/16", dir.path()), Error);
  try {
    Ipam("10.88.0.5/16", dir.path());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("10.88.0.0/16"), std::string::npos) << e.what();
  }
  Ipam ipam("10.88.0.0/16", dir.path());
  EXPECT_THROW(ipam.allocate(""), Error);
  EXPECT_THROW(ipam.allocate("two\nlines"), Error);
}

TEST(IpamTest, StrayFilesInTheStateDirAreIgnored) {
  TempDir dir;
  Ipam ipam("10.88.0.0/24", dir.path());
  write_file(dir.path() + "/10.88.0.2.tmp", "left by a crash");
  write_file(dir.path() + "/10.99.0.2", "another subnet");
  write_file(dir.path() + "/last_reserved_ip", "garbage");
  EXPECT_EQ(ipam.allocate("a"), "10.88.0.2");
  EXPECT_EQ(ipam.owners().size(), 1U);
}

// Each of 50 processes asks at the same time; the flock keeps their answers apart.
TEST(IpamTest, ConcurrentProcessesGetDistinctAddresses) {
  constexpr int kProcesses = 50;
  TempDir dir;
  int pipefd[2];
  ASSERT_EQ(::pipe(pipefd), 0);
  UniqueFd read_end(pipefd[0]);
  UniqueFd write_end(pipefd[1]);
  std::vector<pid_t> children;
  for (int i = 0; i < kProcesses; ++i) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      int code = 0;
      try {
        std::string addr = Ipam("10.88.0.0/16", dir.path()).allocate("pod-" + std::to_string(i));
        std::string line = addr + "\n";  // shorter than PIPE_BUF: one atomic write
        code = ::write(write_end.get(), line.data(), line.size()) == static_cast<ssize_t>(line.size()) ? 0 : 2;
      } catch (...) {
        code = 1;
      }
      ::_exit(code);
    }
    children.push_back(pid);
  }
  write_end.reset();
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  std::string output = read_all(read_end.get(), "children's addresses");
  std::set<std::string> distinct;
  size_t lines = 0;
  for (size_t start = 0, end; (end = output.find('\n', start)) != std::string::npos; start = end + 1) {
    distinct.insert(output.substr(start, end - start));
    ++lines;
  }
  EXPECT_EQ(lines, static_cast<size_t>(kProcesses));
  EXPECT_EQ(distinct.size(), static_cast<size_t>(kProcesses));
  EXPECT_EQ(Ipam("10.88.0.0/16", dir.path()).owners().size(), static_cast<size_t>(kProcesses));
}

}  // namespace
}  // namespace skiff::netns

// The per-pod resolv.conf, hosts and hostname: what is taken from the host, what custom DNS
// overrides, and how the files land on disk. Needs nothing but a temporary directory.
#include "skiff/netns/etc_files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

#include "netns_test_support.h"
#include "skiff/base/error.h"
#include "skiff/base/file.h"

namespace skiff::netns {
namespace {

using testing::TempDir;
using Strings = std::vector<std::string>;

TEST(EtcResolvConf, ParsesNameserversSearchAndOptions) {
  auto conf = parse_resolv_conf(
      "# generated\n"
      "; also a comment\n"
      "nameserver 192.0.2.1\n"
      "search old.example\n"
      "\tnameserver   2001:db8::1  \n"
      "options ndots:2\n"
      "domain corp.example\n"
      "search a.example b.example\n"
      "options edns0 trust-ad\n"
      "sortlist 130.155.160.0/255.255.240.0\n"
      "nameserver\n");
  EXPECT_EQ(conf.nameservers, (Strings{"192.0.2.1", "2001:db8::1"}));
  // The last search or domain line wins, as in glibc.
  EXPECT_EQ(conf.search, (Strings{"a.example", "b.example"}));
  EXPECT_EQ(conf.options, (Strings{"ndots:2", "edns0", "trust-ad"}));
}

TEST(EtcResolvConf, ResolvedStubIsReplacedByItsUpstreamServers) {
  ResolvConf host{{"127.0.0.53"}, {"lan"}, {"edns0", "trust-ad"}};
  ResolvConf upstream{{"192.0.2.53", "2001:db8::53"}, {"ignored"}, {}};
  std::string warning;
  auto pod = pod_resolv_conf(host, upstream, {}, &warning);
  EXPECT_EQ(pod.nameservers, (Strings{"192.0.2.53", "2001:db8::53"}));
  EXPECT_EQ(pod.search, (Strings{"lan"}));
  EXPECT_EQ(pod.options, (Strings{"edns0", "trust-ad"}));
  EXPECT_EQ(warning, "");
}

TEST(EtcResolvConf, LoopbackServersKeepTheirPlaceAmongOthers) {
  ResolvConf host{{"10.0.0.1", "127.0.0.1", "::1", "10.0.0.2"}, {}, {}};
  ResolvConf upstream{{"9.9.9.9", "127.0.0.1", "10.0.0.2"}, {}, {}};
  auto pod = pod_resolv_conf(host, upstream, {});
  EXPECT_EQ(pod.nameservers, (Strings{"10.0.0.1", "9.9.9.9", "10.0.0.2"}));
}

TEST(EtcResolvConf, LoopbackServersWithoutUpstreamAreDroppedWithAWarning) {
  ResolvConf host{{"127.0.0.53", "::1"}, {"lan"}, {}};
  std::string warning;
  auto pod = pod_resolv_conf(host, std::nullopt, {}, &warning);
  EXPECT_TRUE(pod.nameservers.empty());
  EXPECT_EQ(pod.search, (Strings{"lan"}));
  EXPECT_NE(warning.find("127.0.0.53 ::1"), std::string::npos) << warning;
  EXPECT_NE(warning.find("no nameserver"), std::string::npos) << warning;

  // Only loopback upstream servers are no better.
  warning.clear();
  pod = pod_resolv_conf(host, ResolvConf{{"127.0.0.1"}, {}, {}}, {}, &warning);
  EXPECT_TRUE(pod.nameservers.empty());
  EXPECT_FALSE(warning.empty());
}

TEST(EtcResolvConf, CustomFieldsOverrideTheHostsEachOnItsOwn) {
  ResolvConf host{{"192.0.2.1"}, {"lan"}, {"edns0"}};
  auto pod = pod_resolv_conf(host, std::nullopt, ResolvConf{{"10.0.2.3"}, {}, {}});
  EXPECT_EQ(pod.nameservers, (Strings{"10.0.2.3"}));
  EXPECT_EQ(pod.search, (Strings{"lan"}));
  EXPECT_EQ(pod.options, (Strings{"edns0"}));

  pod = pod_resolv_conf(host, std::nullopt, ResolvConf{{}, {"svc.cluster.local"}, {"ndots:5"}});
  EXPECT_EQ(pod.nameservers, (Strings{"192.0.2.1"}));
  EXPECT_EQ(pod.search, (Strings{"svc.cluster.local"}));
  EXPECT_EQ(pod.options, (Strings{"ndots:5"}));

  // "." clears the search list, as podman's --dns-search=. does.
  pod = pod_resolv_conf(host, std::nullopt, ResolvConf{{}, {"."}, {}});
  EXPECT_TRUE(pod.search.empty());

  // Custom servers win even over a loopback-only host, without a warning.
  std::string warning;
  pod = pod_resolv_conf(ResolvConf{{"127.0.0.53"}, {}, {}}, std::nullopt, ResolvConf{{"192.0.2.9"}, {}, {}}, &warning);
  EXPECT_EQ(pod.nameservers, (Strings{"192.0.2.9"}));
  EXPECT_EQ(warning, "");
}

TEST(EtcResolvConf, Formats) {
  EXPECT_EQ(format_resolv_conf(ResolvConf{{"192.0.2.1", "2001:db8::1"}, {"a.example", "b.example"}, {"edns0"}}),
            "nameserver 192.0.2.1\n"
            "nameserver 2001:db8::1\n"
            "search a.example b.example\n"
            "options edns0\n");
  EXPECT_EQ(format_resolv_conf({}), "");
}

TEST(EtcHosts, LocalhostThePodsAddressesAndExtraEntries) {
  PodEtcFiles files;
  files.hostname = "web-1";
  files.addresses = {"10.88.0.5/16", "fd88:5c1f::5"};
  files.extra_hosts = {{"192.0.2.10", {"db", "db.example"}}, {"10.88.0.1", {"host.containers.internal"}}};
  EXPECT_EQ(format_hosts(files),
            "127.0.0.1\tlocalhost\n"
            "::1\tlocalhost ip6-localhost ip6-loopback\n"
            "10.88.0.5\tweb-1\n"
            "fd88:5c1f::5\tweb-1\n"
            "192.0.2.10\tdb db.example\n"
            "10.88.0.1\thost.containers.internal\n");
}

TEST(EtcHosts, RefusesWhatWouldBreakTheFile) {
  PodEtcFiles files;
  files.hostname = "web\n10.0.0.1 evil";
  EXPECT_THROW(format_hosts(files), Error);
  files.hostname = std::string(65, 'a');
  EXPECT_THROW(format_hosts(files), Error);
  files.hostname = "web";
  files.addresses = {"not-an-ip"};
  EXPECT_THROW(format_hosts(files), Error);
  files.addresses = {};
  files.extra_hosts = {{"192.0.2.1", {"two words"}}};
  EXPECT_THROW(format_hosts(files), Error);
  files.extra_hosts = {{"192.0.2.1", {}}};
  EXPECT_THROW(format_hosts(files), Error);
}

mode_t mode_of(const std::string& path) {
  struct stat st {};
  check(::stat(path.c_str(), &st), "stat " + path);
  return st.st_mode & 07777;
}

TEST(EtcFiles, WritesAllThreeFilesAtomicallyWithMode0644) {
  TempDir dir;
  std::string pod_dir = dir.path() + "/pod";
  mkdir_all(pod_dir);
  std::string host_resolv = dir.path() + "/resolv.conf";
  std::string upstream_resolv = dir.path() + "/upstream-resolv.conf";
  write_file(host_resolv, "nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch lan\n");
  write_file(upstream_resolv, "nameserver 192.0.2.53\nsearch lan\n");
  // Stale content is replaced, not appended to.
  write_file(pod_dir + "/hosts", "old\n", 0600);

  PodEtcFiles files;
  files.hostname = "web-1";
  files.addresses = {"10.88.0.5/16"};
  files.host_resolv_conf = host_resolv;
  files.upstream_resolv_conf = upstream_resolv;
  mode_t old_umask = ::umask(077);
  try {
    write_pod_etc_files(pod_dir, files);
  } catch (...) {
    ::umask(old_umask);
    throw;
  }
  ::umask(old_umask);

  EXPECT_EQ(read_file(pod_dir + "/resolv.conf"), "nameserver 192.0.2.53\nsearch lan\noptions edns0 trust-ad\n");
  EXPECT_EQ(read_file(pod_dir + "/hosts"),
            "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n10.88.0.5\tweb-1\n");
  EXPECT_EQ(read_file(pod_dir + "/hostname"), "web-1\n");
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(pod_dir)) {
    EXPECT_EQ(mode_of(entry.path()), 0644u) << entry.path();
    names.push_back(entry.path().filename());
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (Strings{"hostname", "hosts", "resolv.conf"}));
}

TEST(EtcFiles, WithoutAnUpstreamListTheStubIsDroppedAndCustomDnsStillWins) {
  TempDir dir;
  std::string host_resolv = dir.path() + "/resolv.conf";
  write_file(host_resolv, "nameserver 127.0.0.53\nsearch lan\n");
  PodEtcFiles files;
  files.hostname = "web";
  files.host_resolv_conf = host_resolv;
  files.upstream_resolv_conf = dir.path() + "/missing";
  write_pod_etc_files(dir.path(), files);
  EXPECT_EQ(read_file(dir.path() + "/resolv.conf"), "search lan\n");

  files.dns.nameservers = {"10.0.2.3"};
  files.dns.options = {"ndots:1"};
  write_pod_etc_files(dir.path(), files);
  EXPECT_EQ(read_file(dir.path() + "/resolv.conf"), "nameserver 10.0.2.3\nsearch lan\noptions ndots:1\n");
}

TEST(EtcFiles, InvalidCustomDnsWritesNothing) {
  TempDir dir;
  PodEtcFiles files;
  files.hostname = "web";
  files.host_resolv_conf = dir.path() + "/missing";
  files.dns.nameservers = {"dns.example"};
  EXPECT_THROW(write_pod_etc_files(dir.path(), files), Error);
  files.dns.nameservers = {};
  files.dns.search = {"a b"};
  EXPECT_THROW(write_pod_etc_files(dir.path(), files), Error);
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

}  // namespace
}  // namespace skiff::netns

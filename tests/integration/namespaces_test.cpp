// linux.namespaces: new ones differ from the test process's own, joined ones match, and the user,
// time and cgroup namespaces show their configuration from inside.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <map>
#include <sstream>

#include "integration_util.h"

namespace skiff::testing {
namespace {

// "net 4026531840\n..." as printed by the container, parsed.
std::map<std::string, ino_t> parse_inodes(const std::string& text) {
  std::map<std::string, ino_t> out;
  std::istringstream in(text);
  std::string name;
  unsigned long long ino = 0;
  while (in >> name >> ino) {
    out[name] = static_cast<ino_t>(ino);
  }
  return out;
}

const char* kPrintNamespaces =
    "for n in pid net ipc uts mnt cgroup user time; do echo \"$n $(stat -L -c %i /proc/self/ns/$n)\"; done";

TEST(Namespaces, NewNamespacesDifferFromTheCallers) {
  Runtime rt;
  Bundle bundle;
  set_namespace(bundle, "time");
  Result r = run_in_container(rt, bundle, unique_id("ns"), kPrintNamespaces);
  ASSERT_EQ(r.code, 0) << r.err;
  auto inside = parse_inodes(r.out);
  for (const char* n : {"pid", "net", "ipc", "uts", "mnt", "cgroup", "time"}) {
    ASSERT_TRUE(inside.contains(n)) << r.out;
    EXPECT_NE(inside[n], ns_inode(std::string("/proc/self/ns/") + n)) << n;
    EXPECT_NE(inside[n], 0u) << n;
  }
  // No user namespace was asked for: the container shares ours.
  EXPECT_EQ(inside["user"], ns_inode("/proc/self/ns/user"));
}

TEST(Namespaces, LeavingOneOutSharesTheCallers) {
  Runtime rt;
  Bundle bundle;
  remove_namespace(bundle, "network");
  remove_namespace(bundle, "uts");
  bundle.config().erase("hostname");
  Result r = run_in_container(rt, bundle, unique_id("nonet"), kPrintNamespaces);
  ASSERT_EQ(r.code, 0) << r.err;
  auto inside = parse_inodes(r.out);
  EXPECT_EQ(inside["net"], ns_inode("/proc/self/ns/net"));
  EXPECT_EQ(inside["uts"], ns_inode("/proc/self/ns/uts"));
  EXPECT_NE(inside["pid"], ns_inode("/proc/self/ns/pid"));
}

TEST(Namespaces, PidNamespaceMakesTheProcessPid1) {
  Runtime rt;
  Bundle bundle;
  Result r = run_in_container(rt, bundle, unique_id("pid1"), "echo $$; ls /proc | grep -E '^[0-9]+$' | wc -l");
  ASSERT_EQ(r.code, 0) << r.err;
  // sh is pid 1; ls, grep and wc (and nothing of the host) are the only other processes.
  EXPECT_EQ(r.out.substr(0, 2), "1\n") << r.out;
  int count = std::atoi(r.out.substr(2).c_str());
  EXPECT_GE(count, 1);
  EXPECT_LE(count, 4) << r.out;
}

// A network namespace made by the test, persisted by a bind mount, removed at the end.
class NetnsFixture {
 public:
  NetnsFixture() : name_(unique_id("skiff-itest-netns")) {
    Result r = host({"ip", "netns", "add", name_});
    if (r.code != 0) {
      throw Error("ip netns add " + name_ + ": " + r.err);
    }
  }
  ~NetnsFixture() { host({"ip", "netns", "delete", name_}); }
  [[nodiscard]] std::string path() const { return "/run/netns/" + name_; }
  [[nodiscard]] const std::string& name() const { return name_; }

 private:
  std::string name_;
};

TEST(Namespaces, JoinANetworkNamespaceByPath) {
  NetnsFixture netns;
  // Something to recognise it by: its loopback is up (a new one starts down).
  Result link = host({"ip", "-n", netns.name(), "link", "set", "lo", "up"});
  ASSERT_EQ(link.code, 0) << link.err;
  Runtime rt;
  Bundle bundle;
  set_namespace(bundle, "network", netns.path());
  bundle.linux()["sysctl"] = boost::json::object{{"net.ipv4.ip_forward", "1"}};
  Result r = run_in_container(rt, bundle, unique_id("joinnet"),
                              "stat -L -c %i /proc/self/ns/net; cat /sys/class/net/lo/flags; "
                              "cat /proc/sys/net/ipv4/ip_forward");
  ASSERT_EQ(r.code, 0) << r.err;
  std::istringstream in(r.out);
  unsigned long long ino = 0;
  in >> ino;
  EXPECT_EQ(ino, ns_inode(netns.path()));
  std::string flags;
  std::string forward;
  in >> flags >> forward;
  EXPECT_EQ(std::strtoul(flags.c_str(), nullptr, 16) & 1, 1u) << r.out;  // IFF_UP
  EXPECT_EQ(forward, "1") << r.out;
  // The sysctl went to the joined namespace, not the host's.
  Result fwd = host({"ip", "netns", "exec", netns.name(), "cat", "/proc/sys/net/ipv4/ip_forward"});
  EXPECT_EQ(fwd.out, "1\n");
}

TEST(Namespaces, JoiningAMissingNamespacePathFailsNamingIt) {
  Runtime rt;
  Bundle bundle;
  std::string id = unique_id("nonet");
  set_namespace(bundle, "network", "/run/netns/skiff-itest-does-not-exist");
  Result r = run_in_container(rt, bundle, id, "true");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("/run/netns/skiff-itest-does-not-exist"), std::string::npos) << r.err;
  EXPECT_EQ(joined(leftovers(rt, id, bundle.path())), "");
}

TEST(Namespaces, UserNamespaceMapsRootToAHostRange) {
  Runtime rt;
  Bundle bundle;
  // The rootfs belongs to the mapped root, as an image unpacked for this range would.
  Result chown = host({"chown", "-R", "-h", "100000:100000", bundle.rootfs()});
  ASSERT_EQ(chown.code, 0) << chown.err;
  set_namespace(bundle, "user");
  bundle.linux()["uidMappings"] =
      boost::json::array{boost::json::object{{"containerID", 0}, {"hostID", 100000}, {"size", 65536}}};
  bundle.linux()["gidMappings"] =
      boost::json::array{boost::json::object{{"containerID", 0}, {"hostID", 100000}, {"size", 65536}}};
  auto caps = strings({"CAP_CHOWN", "CAP_KILL"});
  bundle.process()["capabilities"] = boost::json::object{{"bounding", caps}, {"permitted", caps}, {"effective", caps}};
  Result r = run_in_container(rt, bundle, unique_id("userns"),
                              "cat /proc/self/uid_map /proc/self/gid_map; id -u; id -g; "
                              "touch /tmp/made-inside && stat -c '%u:%g' /tmp/made-inside; "
                              "mkdir /tmp/dir && chown 1000:1000 /tmp/dir && echo chowned; "
                              "stat -L -c %i /proc/self/ns/user");
  ASSERT_EQ(r.code, 0) << r.err;
  std::istringstream in(r.out);
  std::string line;
  std::vector<std::vector<std::string>> rows;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::vector<std::string> row;
    for (std::string w; words >> w;) {
      row.push_back(w);
    }
    rows.push_back(row);
  }
  ASSERT_GE(rows.size(), 7u) << r.out;
  EXPECT_EQ(rows[0], (std::vector<std::string>{"0", "100000", "65536"})) << r.out;
  EXPECT_EQ(rows[1], (std::vector<std::string>{"0", "100000", "65536"})) << r.out;
  EXPECT_EQ(rows[2], std::vector<std::string>{"0"});
  EXPECT_EQ(rows[3], std::vector<std::string>{"0"});
  EXPECT_EQ(rows[4], std::vector<std::string>{"0:0"});
  EXPECT_EQ(rows[5], std::vector<std::string>{"chowned"});
  EXPECT_NE(rows[6], std::vector<std::string>{std::to_string(ns_inode("/proc/self/ns/user"))});
  // On the host the same files belong to the mapped ids.
  struct stat st {};
  ASSERT_EQ(::stat((bundle.rootfs() + "/tmp/made-inside").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 100000u);
  EXPECT_EQ(st.st_gid, 100000u);
  ASSERT_EQ(::stat((bundle.rootfs() + "/tmp/dir").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 101000u);
  EXPECT_EQ(st.st_gid, 101000u);
}

TEST(Namespaces, UserNamespaceWithoutRootMappedFails) {
  Runtime rt;
  Bundle bundle;
  std::string id = unique_id("usernoroot");
  set_namespace(bundle, "user");
  bundle.linux()["uidMappings"] =
      boost::json::array{boost::json::object{{"containerID", 1000}, {"hostID", 100000}, {"size", 10}}};
  bundle.linux()["gidMappings"] =
      boost::json::array{boost::json::object{{"containerID", 1000}, {"hostID", 100000}, {"size", 10}}};
  Result r = run_in_container(rt, bundle, id, "true");
  EXPECT_NE(r.code, 0);
  EXPECT_FALSE(r.err.empty());
  EXPECT_EQ(joined(leftovers(rt, id, bundle.path())), "");
}

TEST(Namespaces, TimeNamespaceOffsets) {
  Runtime rt;
  Bundle bundle;
  set_namespace(bundle, "time");
  bundle.linux()["timeOffsets"] = boost::json::object{
      {"monotonic", boost::json::object{{"secs", 86400}, {"nanosecs", 0}}},
      {"boottime", boost::json::object{{"secs", 172800}, {"nanosecs", 500}}},
  };
  Result r =
      run_in_container(rt, bundle, unique_id("timens"), "cat /proc/self/timens_offsets; cut -d. -f1 /proc/uptime");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("monotonic       86400         0\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("boottime       172800       500\n"), std::string::npos) << r.out;
  // /proc/uptime counts boottime: at least the offset, and more than the host's.
  long uptime = std::atol(r.out.substr(r.out.rfind('\n', r.out.size() - 2) + 1).c_str());
  long host_uptime = std::atol(read_file("/proc/uptime").c_str());
  EXPECT_GE(uptime, 172800);
  EXPECT_GE(uptime, host_uptime + 172800 - 1);
}

TEST(Namespaces, TimeNamespaceOffsetsInsideAUserNamespace) {
  Runtime rt;
  Bundle bundle;
  set_namespace(bundle, "user");
  set_namespace(bundle, "time");
  bundle.linux()["uidMappings"] =
      boost::json::array{boost::json::object{{"containerID", 0}, {"hostID", 100000}, {"size", 65536}}};
  bundle.linux()["gidMappings"] =
      boost::json::array{boost::json::object{{"containerID", 0}, {"hostID", 100000}, {"size", 65536}}};
  bundle.linux()["timeOffsets"] =
      boost::json::object{{"monotonic", boost::json::object{{"secs", 3600}, {"nanosecs", 0}}}};
  Result r = run_in_container(rt, bundle, unique_id("usertime"), "cat /proc/self/timens_offsets");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("monotonic        3600         0\n"), std::string::npos) << r.out;
}

TEST(Namespaces, CgroupNamespaceShowsRoot) {
  Runtime rt;
  Bundle bundle;
  Result r = run_in_container(rt, bundle, unique_id("cgns"), "cat /proc/self/cgroup");
  ASSERT_EQ(r.code, 0) << r.err;
  std::istringstream in(r.out);
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    ++lines;
    EXPECT_EQ(line.substr(line.rfind(':')), ":/") << line;
  }
  EXPECT_GT(lines, 0);
}

TEST(Namespaces, WithoutCgroupNamespaceTheHostPathShows) {
  SKIFF_SKIP_UNLESS_CGROUP_V1();
  Runtime rt;
  Bundle bundle;
  std::string id = unique_id("nocgns");
  remove_namespace(bundle, "cgroup");
  Result r = run_in_container(rt, bundle, id, "grep ':pids:' /proc/self/cgroup");
  ASSERT_EQ(r.code, 0) << r.err;
  std::string own = own_cgroup("pids");
  std::string want = ":pids:" + own + (own.ends_with("/") ? "" : "/") + id + "\n";
  ASSERT_GE(r.out.size(), want.size()) << r.out;
  EXPECT_EQ(r.out.substr(r.out.size() - want.size()), want) << r.out;
}

TEST(Namespaces, UtsIsIsolated) {
  Runtime rt;
  Bundle bundle;
  bundle.config()["hostname"] = "isolated";
  auto caps = strings({"CAP_SYS_ADMIN"});
  bundle.process()["capabilities"] = boost::json::object{{"bounding", caps}, {"permitted", caps}, {"effective", caps}};
  char host_name[256] = {};
  ::gethostname(host_name, sizeof host_name - 1);
  Result r = run_in_container(rt, bundle, unique_id("uts"), "hostname changed-inside && hostname");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "changed-inside\n");
  char after[256] = {};
  ::gethostname(after, sizeof after - 1);
  EXPECT_STREQ(host_name, after);
}

}  // namespace
}  // namespace skiff::testing

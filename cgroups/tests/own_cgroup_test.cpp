#include "skiff/cgroups/own_cgroup.h"

#include <gtest/gtest.h>

#include "skiff/base/error.h"

namespace skiff::cgroups {
namespace {

constexpr const char* kHybridCgroup =
    "12:name=systemd:/user.slice/session-1.scope\n"
    "11:pids:/user.slice\n"
    "4:memory:/process_api/e1eb\n"
    "2:cpu,cpuacct:/user.slice\n"
    "1:net_cls,net_prio:/\n"
    "0::/user.slice/session-1.scope\n";

constexpr const char* kHybridMountinfo =
    "30 22 0:27 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755\n"
    "31 30 0:28 / /sys/fs/cgroup/unified rw,nosuid shared:10 - cgroup2 cgroup2 rw,nsdelegate\n"
    "32 30 0:29 / /sys/fs/cgroup/systemd rw,nosuid shared:11 - cgroup cgroup rw,xattr,name=systemd\n"
    "33 30 0:30 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:12 - cgroup cgroup rw,cpu,cpuacct\n"
    "34 30 0:31 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
    "35 30 0:32 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids,clone_children\n"
    "36 30 0:33 / /sys/fs/cgroup/net_cls,net_prio rw - cgroup cgroup rw,net_cls,net_prio\n"
    "37 22 0:5 / /proc rw - proc proc rw\n";

TEST(ParseProcCgroup, HybridLines) {
  auto own = parse_proc_cgroup(kHybridCgroup);
  EXPECT_EQ(own.size(), 8U);
  EXPECT_EQ(own.at("name=systemd"), "/user.slice/session-1.scope");
  EXPECT_EQ(own.at("pids"), "/user.slice");
  EXPECT_EQ(own.at("memory"), "/process_api/e1eb");
  EXPECT_EQ(own.at("cpu"), "/user.slice");
  EXPECT_EQ(own.at("cpuacct"), "/user.slice");
  EXPECT_EQ(own.at("net_prio"), "/");
  EXPECT_EQ(own.at("unified"), "/user.slice/session-1.scope");
}

TEST(ParseProcCgroup, V2AndOddPaths) {
  auto own = parse_proc_cgroup("0::/a:b/c\n");
  ASSERT_EQ(own.size(), 1U);
  EXPECT_EQ(own.at("unified"), "/a:b/c") << "colons inside the path are kept";
  EXPECT_THROW(parse_proc_cgroup("garbage\n"), Error);
}

TEST(ParseCgroupMounts, KeysByControllerAndSkipsOptions) {
  auto mounts = parse_cgroup_mounts(kHybridMountinfo);
  EXPECT_EQ(mounts.at("unified").mount_point, "/sys/fs/cgroup/unified");
  EXPECT_EQ(mounts.at("name=systemd").mount_point, "/sys/fs/cgroup/systemd");
  EXPECT_EQ(mounts.at("cpu").mount_point, "/sys/fs/cgroup/cpu,cpuacct");
  EXPECT_EQ(mounts.at("cpuacct").mount_point, "/sys/fs/cgroup/cpu,cpuacct");
  EXPECT_EQ(mounts.at("pids").root, "/");
  EXPECT_EQ(mounts.at("net_prio").mount_point, "/sys/fs/cgroup/net_cls,net_prio");
  for (const char* option : {"rw", "xattr", "clone_children", "nsdelegate", "tmpfs"}) {
    EXPECT_FALSE(mounts.contains(option)) << option;
  }
  EXPECT_EQ(mounts.size(), 8U);
}

TEST(ParseCgroupMounts, PrefersSysFsCgroupAndUnescapes) {
  auto mounts = parse_cgroup_mounts(
      "50 22 0:40 /sub /mnt/my\\040cg rw - cgroup2 cgroup2 rw\n"
      "51 22 0:40 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"
      "52 22 0:41 /x /mnt/mem\\040ory rw - cgroup cgroup rw,memory\n");
  EXPECT_EQ(mounts.at("unified").mount_point, "/sys/fs/cgroup");
  EXPECT_EQ(mounts.at("memory").mount_point, "/mnt/mem ory");
  EXPECT_EQ(mounts.at("memory").root, "/x");
}

TEST(OwnDir, StripsTheMountedSubtree) {
  EXPECT_EQ(own_dir({"/sys/fs/cgroup/memory", "/"}, "/process_api/e1eb"), "/sys/fs/cgroup/memory/process_api/e1eb");
  EXPECT_EQ(own_dir({"/sys/fs/cgroup/memory", "/"}, "/"), "/sys/fs/cgroup/memory");
  EXPECT_EQ(own_dir({"/sys/fs/cgroup/memory", "/docker/abc"}, "/docker/abc/sub"), "/sys/fs/cgroup/memory/sub");
  EXPECT_EQ(own_dir({"/sys/fs/cgroup/memory", "/docker/abc"}, "/docker/abc"), "/sys/fs/cgroup/memory");
  EXPECT_THROW(own_dir({"/sys/fs/cgroup/memory", "/docker/abc"}, "/docker/abcd"), Error);
}

TEST(ResolveDir, RelativeAbsoluteAndEmpty) {
  CgroupMount memory{"/sys/fs/cgroup/memory", "/"};
  const char* own = "/process_api/e1eb";
  EXPECT_EQ(resolve_dir(memory, own, "", "ctr1"), "/sys/fs/cgroup/memory/process_api/e1eb/ctr1");
  EXPECT_EQ(resolve_dir(memory, own, "skiff/ctr1", "ctr1"), "/sys/fs/cgroup/memory/process_api/e1eb/skiff/ctr1");
  EXPECT_EQ(resolve_dir(memory, own, "/skiff/ctr1", "ctr1"), "/sys/fs/cgroup/memory/skiff/ctr1");
  EXPECT_EQ(resolve_dir({"/sys/fs/cgroup", "/"}, "/", "", "c"), "/sys/fs/cgroup/c");
  EXPECT_EQ(resolve_dir({"/sys/fs/cgroup/cpu,cpuacct", "/"}, "/user.slice", "c", ""),
            "/sys/fs/cgroup/cpu,cpuacct/user.slice/c");
}

TEST(ResolveDir, NeverClimbsOut) {
  CgroupMount memory{"/sys/fs/cgroup/memory", "/"};
  EXPECT_EQ(resolve_dir(memory, "/a/b", "../../../etc", ""), "/sys/fs/cgroup/memory/a/b/etc");
  EXPECT_EQ(resolve_dir(memory, "/a/b", "/../../etc", ""), "/sys/fs/cgroup/memory/etc");
}

TEST(ResolveDir, RefusesRootOwnCgroupAndNothing) {
  CgroupMount memory{"/sys/fs/cgroup/memory", "/"};
  try {
    resolve_dir(memory, "/a", ".", "");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "cgroupsPath \".\" names the caller's own cgroup, not a cgroup for the container");
  }
  EXPECT_THROW(resolve_dir(memory, "/a", "/", ""), Error);
  EXPECT_THROW(resolve_dir(memory, "/a", "x/..", ""), Error);
  EXPECT_THROW(resolve_dir(memory, "/a", "", ""), Error);
}

TEST(OwnCgroups, ThisProcessHasSome) {
  auto own = own_cgroups();
  EXPECT_FALSE(own.empty());
  auto mounts = cgroup_mounts();
  bool any = false;
  for (const auto& [key, path] : own) {
    any = any || mounts.contains(key);
  }
  EXPECT_TRUE(any) << "no hierarchy of this process is mounted";
}

TEST(V2RelativeBase, IsTheParentOfTheCallersCgroup) {
  EXPECT_EQ(v2_relative_base("/system.slice/skiff.service/runner"), "/system.slice/skiff.service");
  EXPECT_EQ(v2_relative_base("/user.slice/"), "/");
  EXPECT_EQ(v2_relative_base("/"), "/");
}

}  // namespace
}  // namespace skiff::cgroups

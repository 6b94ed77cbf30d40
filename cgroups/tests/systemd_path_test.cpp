// linux.cgroupsPath under --systemd-cgroup: "slice:prefix:name" as runc reads it, and where
// systemd puts the unit.
#include <gtest/gtest.h>

#include "skiff/base/error.h"
#include "systemd_unit.h"

namespace skiff::cgroups::systemd {
namespace {

std::string error_of(std::string_view path, bool rootless = false) {
  try {
    parse_cgroups_path(path, "abc", rootless);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(SystemdPath, SlicePrefixNameIsAScopeInTheSlice) {
  EXPECT_EQ(parse_cgroups_path("system.slice:skiff:abc", "id", false), (UnitPath{"system.slice", "skiff-abc.scope"}));
  EXPECT_EQ(parse_cgroups_path("machine-test.slice:docker:0123", "id", false),
            (UnitPath{"machine-test.slice", "docker-0123.scope"}));
}

TEST(SystemdPath, EmptyMeansTheDefaultSliceAndSkiffPrefix) {
  EXPECT_EQ(parse_cgroups_path("", "abc", false), (UnitPath{"system.slice", "skiff-abc.scope"}));
  EXPECT_EQ(parse_cgroups_path("", "abc", true), (UnitPath{"user.slice", "skiff-abc.scope"}));
  EXPECT_EQ(parse_cgroups_path(":libpod:abc", "id", false), (UnitPath{"system.slice", "libpod-abc.scope"}));
  EXPECT_EQ(parse_cgroups_path(":libpod:abc", "id", true), (UnitPath{"user.slice", "libpod-abc.scope"}));
}

TEST(SystemdPath, EmptyPrefixAndWholeUnitNames) {
  EXPECT_EQ(parse_cgroups_path("system.slice::abc", "id", false), (UnitPath{"system.slice", "abc.scope"}));
  EXPECT_EQ(parse_cgroups_path("system.slice:skiff:abc.scope", "id", false), (UnitPath{"system.slice", "abc.scope"}));
  // A name ending in .slice makes a slice, and the prefix is not used (runc's rule).
  UnitPath slice = parse_cgroups_path("system.slice:skiff:pod-abc.slice", "id", false);
  EXPECT_EQ(slice, (UnitPath{"system.slice", "pod-abc.slice"}));
  EXPECT_TRUE(slice.is_slice());
  EXPECT_FALSE(parse_cgroups_path("", "abc", false).is_slice());
}

TEST(SystemdPath, TheRootSlice) {
  EXPECT_EQ(parse_cgroups_path("-.slice:skiff:abc", "id", false), (UnitPath{"-.slice", "skiff-abc.scope"}));
}

TEST(SystemdPath, MalformedPathsNameLinuxCgroupsPath) {
  for (std::string_view bad :
       {"/sys/fs/cgroup/abc", "abc", "a:b", "a:b:c:d", "system.slice:skiff:", "system:skiff:abc",
        "system.slice/x.slice:skiff:abc", "a--b.slice:skiff:abc", "-a.slice:skiff:abc", ".slice:skiff:abc",
        "system.slice:sk iff:abc", "system.slice:skiff:a/b", "system.slice:skiff:a--b.slice"}) {
    std::string message = error_of(bad);
    EXPECT_NE(message.find("linux.cgroupsPath \"" + std::string(bad) + "\""), std::string::npos)
        << bad << ": " << message;
    EXPECT_NE(message.find("slice:prefix:name"), std::string::npos) << message;
  }
  EXPECT_NE(error_of("/abc").find("only for the cgroupfs driver"), std::string::npos) << error_of("/abc");
  EXPECT_NE(error_of("a:b").find("it has 2 parts"), std::string::npos) << error_of("a:b");
}

TEST(SystemdPath, UnitNamesAreBounded) {
  EXPECT_EQ(error_of("system.slice:skiff:" + std::string(200, 'a')), "");
  EXPECT_NE(error_of("system.slice:skiff:" + std::string(250, 'a')), "");
}

TEST(SystemdPath, ValidUnitNames) {
  EXPECT_TRUE(valid_unit_name("skiff-abc.scope", ".scope"));
  EXPECT_TRUE(valid_unit_name("a@b.scope", ".scope"));
  EXPECT_TRUE(valid_unit_name("a:b_c\\x2d.scope", ".scope"));
  EXPECT_FALSE(valid_unit_name(".scope", ".scope"));
  EXPECT_FALSE(valid_unit_name("abc.slice", ".scope"));
  EXPECT_FALSE(valid_unit_name("a+b.scope", ".scope"));
  EXPECT_FALSE(valid_unit_name("@b.scope", ".scope"));
  EXPECT_FALSE(valid_unit_name("a@.scope", ".scope"));
  EXPECT_FALSE(valid_unit_name("a@b@c.scope", ".scope"));
}

TEST(SystemdPath, ExpandSliceNestsByDashes) {
  EXPECT_EQ(expand_slice("system.slice"), "/system.slice");
  EXPECT_EQ(expand_slice("a-b-c.slice"), "/a.slice/a-b.slice/a-b-c.slice");
  EXPECT_EQ(expand_slice("user-1000.slice"), "/user.slice/user-1000.slice");
  EXPECT_EQ(expand_slice("-.slice"), "");
  for (std::string_view bad : {"", ".slice", "a", "a.scope", "a--b.slice", "-a.slice", "a-.slice", "a/b.slice"}) {
    EXPECT_THROW(expand_slice(bad), Error) << bad;
  }
}

TEST(SystemdPath, UnitCgroupBelowTheManager) {
  UnitPath scope{"system.slice", "skiff-abc.scope"};
  EXPECT_EQ(unit_cgroup(scope, ""), "/system.slice/skiff-abc.scope");
  EXPECT_EQ(unit_cgroup(scope, "/"), "/system.slice/skiff-abc.scope");
  EXPECT_EQ(unit_cgroup(UnitPath{"machine-x.slice", "skiff-abc.scope"}, ""),
            "/machine.slice/machine-x.slice/skiff-abc.scope");
  EXPECT_EQ(unit_cgroup(UnitPath{"-.slice", "skiff-abc.scope"}, ""), "/skiff-abc.scope");
  // Rootless: below the user's manager.
  EXPECT_EQ(unit_cgroup(UnitPath{"user.slice", "skiff-abc.scope"}, "/user.slice/user-1000.slice/user@1000.service"),
            "/user.slice/user-1000.slice/user@1000.service/user.slice/skiff-abc.scope");
  // A slice of its own sits where its name puts it, whatever slice it was asked into.
  EXPECT_EQ(unit_cgroup(UnitPath{"system.slice", "pod-abc.slice"}, ""), "/pod.slice/pod-abc.slice");
}

}  // namespace
}  // namespace skiff::cgroups::systemd

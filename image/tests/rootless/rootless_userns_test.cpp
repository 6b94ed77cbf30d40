// run_in_user_namespace as the unprivileged user it is for: the ids it maps (through newuidmap
// and newgidmap), the mount namespace it owns, and how failures come back.

#include "skiff/image/rootless_userns.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/nsfs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/unique_fd.h"

namespace skiff::image {
namespace {

// The inode of a namespace file (/proc/self/ns/user): two are one namespace when equal.
ino_t inode_of(int fd) {
  struct stat st {};
  check(::fstat(fd, &st), "fstat namespace");
  return st.st_ino;
}

class UserNamespace : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() == 0) {
      GTEST_SKIP() << "rootless tests run as an unprivileged user with a subuid range (ctest runs them through "
                      "tests/rootless/run-as-user.sh)";
    }
    maps_ = rootless_maps_for_caller();
  }
  UserNamespaceMaps maps_;
};

TEST_F(UserNamespace, TheCallerIsRootAndItsRangeFollows) {
  auto seen = run_in_user_namespace(maps_, [] {
    return std::to_string(::getuid()) + ":" + std::to_string(::getgid()) + "\n" + read_file("/proc/self/uid_map") +
           read_file("/proc/self/gid_map");
  });
  auto line = [](const IdMapping& m) {
    std::string inside = std::to_string(m.inside);
    std::string outside = std::to_string(m.outside);
    std::string size = std::to_string(m.size);
    // The kernel right-aligns each field to ten characters.
    return std::string(10 - inside.size(), ' ') + inside + std::string(11 - outside.size(), ' ') + outside +
           std::string(11 - size.size(), ' ') + size + "\n";
  };
  EXPECT_EQ(seen, "0:0\n" + line(maps_.uids[0]) + line(maps_.uids[1]) + line(maps_.gids[0]) + line(maps_.gids[1]));
  EXPECT_EQ(maps_.uids[0].outside, ::getuid());
}

TEST_F(UserNamespace, ItsMountNamespaceBelongsToIt) {
  auto seen = run_in_user_namespace(maps_, [] {
    UniqueFd mnt(::open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC));
    UniqueFd owner(check(::ioctl(mnt.get(), NS_GET_USERNS), "NS_GET_USERNS"));
    UniqueFd user(::open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC));
    return std::string(inode_of(owner.get()) == inode_of(user.get()) ? "owned" : "not owned");
  });
  EXPECT_EQ(seen, "owned");
}

TEST_F(UserNamespace, WhatTheChildThrewComesBack) {
  try {
    (void)run_in_user_namespace(maps_, []() -> std::string { throw Error("layer sha256:ab: no space left"); });
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "layer sha256:ab: no space left");
  }
}

TEST_F(UserNamespace, AChildThatDiesSilentlyIsAnError) {
  try {
    (void)run_in_user_namespace(maps_, []() -> std::string { ::_exit(3); });
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "user namespace: the child exited with 3 before it reported");
  }
}

TEST_F(UserNamespace, ARangeTheUserDoesNotOwnIsRefusedByNewuidmap) {
  auto maps = maps_;
  maps.uids[1].outside += 1000000;
  try {
    (void)run_in_user_namespace(maps, [] { return std::string("ran"); });
    FAIL() << "no error";
  } catch (const Error& e) {
    std::string message = e.what();
    EXPECT_NE(message.find("user namespace: newuidmap "), std::string::npos) << message;
    EXPECT_NE(message.find("/etc/subuid"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace skiff::image

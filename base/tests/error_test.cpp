#include "skiff/base/error.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace skiff {
namespace {

TEST(Error, MessageWithoutErrnoIsTheContextAlone) {
  Error e("linux.namespaces[2].type: unknown namespace type");
  EXPECT_STREQ(e.what(), "linux.namespaces[2].type: unknown namespace type");
  EXPECT_EQ(e.code(), 0);
}

TEST(Error, MessageNamesTheErrnoAndItsText) {
  Error e("mount /proc at /run/x/rootfs/proc", EPERM);
  EXPECT_EQ(std::string(e.what()),
            "mount /proc at /run/x/rootfs/proc: EPERM (" + std::string(std::strerror(EPERM)) + ")");
  EXPECT_EQ(e.code(), EPERM);
}

TEST(Error, IsARuntimeError) {
  try {
    throw Error("boom", ENOENT);
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("ENOENT"), std::string::npos);
  }
}

TEST(ErrnoName, KnownAndUnknownValues) {
  EXPECT_EQ(errno_name(ENOENT), "ENOENT");
  EXPECT_EQ(errno_name(EACCES), "EACCES");
  EXPECT_EQ(errno_name(ELOOP), "ELOOP");
  EXPECT_EQ(errno_name(9999), "errno 9999");
}

TEST(ThrowErrno, UsesErrno) {
  errno = EEXIST;
  try {
    throw_errno("mkdir /x");
    FAIL() << "throw_errno returned";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), EEXIST);
    EXPECT_EQ(std::string(e.what()).rfind("mkdir /x: EEXIST (", 0), 0u) << e.what();
  }
}

TEST(ThrowErrno, UsesTheGivenErrno) {
  errno = 0;
  try {
    throw_errno(EBUSY, "umount /y");
    FAIL() << "throw_errno returned";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), EBUSY);
    EXPECT_EQ(std::string(e.what()).rfind("umount /y: EBUSY (", 0), 0u) << e.what();
  }
}

TEST(Check, PassesThroughAndThrowsOnNegative) {
  EXPECT_EQ(check(5, "ok"), 5);
  EXPECT_EQ(check(0L, "ok"), 0L);
  errno = EBADF;
  try {
    check(-1, "close 99");
    FAIL() << "check did not throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), EBADF);
    EXPECT_NE(std::string(e.what()).find("close 99: EBADF"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace skiff

#include "skiff/base/passwd.h"

#include <gtest/gtest.h>

namespace skiff {
namespace {

constexpr const char* kPasswd =
    "root:x:0:0:root:/root:/bin/sh\n"
    "# a comment\n"
    "broken:x:7\n"
    "app:x:1000:1001:An App:/home/app:/bin/bash\n";

TEST(Passwd, FindsAnEntryByUid) {
  auto entry = find_passwd_uid(kPasswd, 1000);
  ASSERT_TRUE(entry.has_value());
  EXPECT_EQ(entry->name, "app");
  EXPECT_EQ(entry->gid, 1001U);
  EXPECT_EQ(entry->home, "/home/app");
  EXPECT_EQ(entry->shell, "/bin/bash");
}

TEST(Passwd, SkipsBrokenLinesAndMissesUnknownUids) {
  EXPECT_FALSE(find_passwd_uid(kPasswd, 7).has_value());
  EXPECT_FALSE(find_passwd_uid(kPasswd, 42).has_value());
  EXPECT_FALSE(lookup_passwd_uid("/nonexistent/passwd", 0).has_value());
}

TEST(Passwd, UserNameFallsBackToTheNumber) {
  EXPECT_EQ(user_name(0), "root");
  EXPECT_EQ(user_name(4000123), "4000123");
}

}  // namespace
}  // namespace skiff

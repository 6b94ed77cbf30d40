#include "skiff/runtime/exec_user.h"

#include <gtest/gtest.h>

#include <string>

#include "skiff/base/error.h"

namespace skiff::runtime {
namespace {

TEST(ParseExecUser, UidOnly) {
  User u = parse_exec_user("1000");
  EXPECT_EQ(u.uid, 1000u);
  EXPECT_EQ(u.gid, 0u);
  EXPECT_TRUE(u.additional_gids.empty());
  EXPECT_EQ(parse_exec_user("0").uid, 0u);
}

TEST(ParseExecUser, UidAndGid) {
  User u = parse_exec_user("1000:1001");
  EXPECT_EQ(u.uid, 1000u);
  EXPECT_EQ(u.gid, 1001u);
  User big = parse_exec_user("4294967294:4294967294");
  EXPECT_EQ(big.uid, 4294967294u);
  EXPECT_EQ(big.gid, 4294967294u);
}

TEST(ParseExecUser, RejectsAnythingElse) {
  for (const char* bad : {"", "root", "root:root", "1000:", ":1", ":", "1:2:3", "-1", "1:-1", "4294967295",
                          "1:4294967295", "99999999999999999999", " 1", "1 ", "+1", "0x10", "1.0", "1000:wheel"}) {
    try {
      parse_exec_user(bad);
      ADD_FAILURE() << "accepted \"" << bad << "\"";
    } catch (const Error& e) {
      std::string msg = e.what();
      EXPECT_EQ(msg.rfind("--user: ", 0), 0u) << msg;
      EXPECT_NE(msg.find("\"" + std::string(bad) + "\""), std::string::npos) << msg;
    }
  }
}

}  // namespace
}  // namespace skiff::runtime

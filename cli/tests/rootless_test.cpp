#include "skiff/cli/rootless.h"

#include <gtest/gtest.h>

namespace skiff::cli {
namespace {

TEST(MissingSubidAdvice, NoneWhenBothFilesHaveTheUser) {
  EXPECT_EQ(missing_subid_advice("alice", 1000, "alice:100000:65536\n", "1000:100000:65536\n"), "");
}

TEST(MissingSubidAdvice, NamesTheLineToAddAboveEveryRange) {
  std::string advice =
      missing_subid_advice("alice", 1000, "bob:100000:65536\n", "bob:100000:65536\ncarol:165536:65536\n");
  EXPECT_NE(advice.find("add a line 'alice:231072:65536' to /etc/subuid and /etc/subgid"), std::string::npos) << advice;
  EXPECT_NE(advice.find("usermod --add-subuids 231072-296607 --add-subgids 231072-296607 alice"), std::string::npos)
      << advice;
}

TEST(MissingSubidAdvice, OnlyTheFileThatLacksIt) {
  std::string advice = missing_subid_advice("alice", 1000, "alice:100000:65536\n", "");
  EXPECT_NE(advice.find("add a line 'alice:165536:65536' to /etc/subgid"), std::string::npos) << advice;
  EXPECT_EQ(advice.find("/etc/subuid"), std::string::npos) << advice;
}

TEST(MissingSubidAdvice, EmptyFilesStartAtTheUsualRange) {
  EXPECT_NE(missing_subid_advice("alice", 1000, "", "").find("'alice:100000:65536'"), std::string::npos);
}

}  // namespace
}  // namespace skiff::cli

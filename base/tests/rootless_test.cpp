#include "skiff/base/rootless.h"

#include <gtest/gtest.h>

namespace skiff {
namespace {

TEST(UidMap, TheInitialNamespaceMapsEveryId) {
  EXPECT_FALSE(is_non_initial_uid_map("         0          0 4294967295\n"));
}

TEST(UidMap, ARootlessNamespaceMapsTheUserAndItsRanges) {
  EXPECT_TRUE(is_non_initial_uid_map("         0       1001          1\n         1     100000      65536\n"));
  EXPECT_TRUE(is_non_initial_uid_map("         0          0 4294967294\n"));
  EXPECT_TRUE(is_non_initial_uid_map(""));
}

}  // namespace
}  // namespace skiff

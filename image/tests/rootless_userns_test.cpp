// The pure parts of entering the rootless user's namespace: /etc/subuid lines, the maps and the
// helpers' command lines. run_in_user_namespace itself runs as an unprivileged user in
// image_rootless_tests.

#include "skiff/image/rootless_userns.h"

#include <gtest/gtest.h>

namespace skiff::image {
namespace {

TEST(FindSubidRange, ByNameOrByNumber) {
  std::string text = "other:300000:65536\nalice:100000:65536\n1002:200000:1000\n";
  auto alice = find_subid_range(text, "alice", 1001);
  ASSERT_TRUE(alice);
  EXPECT_EQ(alice->start, 100000U);
  EXPECT_EQ(alice->size, 65536U);
  auto by_number = find_subid_range(text, "bob", 1002);
  ASSERT_TRUE(by_number);
  EXPECT_EQ(by_number->start, 200000U);
  EXPECT_EQ(by_number->size, 1000U);
  EXPECT_FALSE(find_subid_range(text, "carol", 1003));
}

TEST(FindSubidRange, SkipsMalformedLinesAndEmptyRangesAsNewuidmapDoes) {
  std::string text = "alice:x:65536\nalice:100000\nalice:100000:0\n  alice:400000:10  \n";
  auto range = find_subid_range(text, "alice", 1001);
  ASSERT_TRUE(range);
  EXPECT_EQ(range->start, 400000U);
  EXPECT_EQ(range->size, 10U);
  EXPECT_FALSE(find_subid_range("alice:100000:0\n", "alice", 1001));
}

TEST(RootlessMaps, CallerIsRootAndTheRangeFollows) {
  auto maps = rootless_maps(1001, 1002, {100000, 65536}, {200000, 65536});
  ASSERT_EQ(maps.uids.size(), 2U);
  ASSERT_EQ(maps.gids.size(), 2U);
  EXPECT_EQ(outside_id(maps.uids, 0), 1001U);
  EXPECT_EQ(outside_id(maps.uids, 1), 100000U);
  EXPECT_EQ(outside_id(maps.uids, 1234), 101233U);
  EXPECT_EQ(outside_id(maps.uids, 65536), 165535U);
  EXPECT_FALSE(outside_id(maps.uids, 65537));
  EXPECT_EQ(outside_id(maps.gids, 0), 1002U);
  EXPECT_EQ(outside_id(maps.gids, 5678), 205677U);
}

TEST(MapHelperArgs, TriplesAfterThePid) {
  auto maps = rootless_maps(1001, 1001, {100000, 65536}, {100000, 65536});
  EXPECT_EQ(map_helper_args("newuidmap", 42, maps.uids),
            (std::vector<std::string>{"newuidmap", "42", "0", "1001", "1", "1", "100000", "65536"}));
}

}  // namespace
}  // namespace skiff::image

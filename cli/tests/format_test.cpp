#include "skiff/cli/format.h"

#include <gtest/gtest.h>

namespace skiff::cli {
namespace {

TEST(HumanSize, DecimalUnitsWithThreeDigits) {
  EXPECT_EQ(human_size(0), "0 B");
  EXPECT_EQ(human_size(512), "512 B");
  EXPECT_EQ(human_size(4518000), "4.52 MB");
  EXPECT_EQ(human_size(1234567890), "1.23 GB");
  EXPECT_EQ(human_size(999999), "1e+03 kB");
}

TEST(HumanBinarySize, BinaryUnits) {
  EXPECT_EQ(human_binary_size(1536), "1.5 KiB");
  EXPECT_EQ(human_binary_size(uint64_t{3} * 1024 * 1024), "3 MiB");
}

TEST(HumanDuration, GoUnitsSteps) {
  EXPECT_EQ(human_duration(0), "Less than a second");
  EXPECT_EQ(human_duration(1), "1 second");
  EXPECT_EQ(human_duration(59), "59 seconds");
  EXPECT_EQ(human_duration(90), "About a minute");
  EXPECT_EQ(human_duration(int64_t{45} * 60), "45 minutes");
  EXPECT_EQ(human_duration(3600), "About an hour");
  EXPECT_EQ(human_duration(int64_t{5} * 3600), "5 hours");
  EXPECT_EQ(human_duration(int64_t{3} * 86400), "3 days");
  EXPECT_EQ(human_duration(int64_t{21} * 86400), "3 weeks");
  EXPECT_EQ(human_duration(int64_t{90} * 86400), "3 months");
  EXPECT_EQ(human_duration(int64_t{3} * 365 * 86400), "3 years");
}

TEST(ParseRfc3339, UtcOffsetsAndFractions) {
  EXPECT_EQ(parse_rfc3339("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_rfc3339("2024-05-01T12:00:00.123456789Z"), 1714564800);
  EXPECT_EQ(parse_rfc3339("2024-05-01T14:00:00+02:00"), 1714564800);
  EXPECT_EQ(parse_rfc3339("2024-05-01T10:30:00-01:30"), 1714564800);
  EXPECT_FALSE(parse_rfc3339("yesterday"));
  EXPECT_FALSE(parse_rfc3339("2024-05-01T12:00:00"));
}

TEST(FormatTable, PadsColumnsToTheWidestCell) {
  std::string table = format_table({{"REPOSITORY", "TAG", "SIZE"}, {"docker.io/library/busybox", "latest", "4.52 MB"}});
  EXPECT_EQ(table,
            "REPOSITORY                 TAG         SIZE\n"
            "docker.io/library/busybox  latest      4.52 MB\n");
}

}  // namespace
}  // namespace skiff::cli

#include "skiff/base/strings.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "skiff/base/error.h"

namespace skiff {
namespace {

using Strings = std::vector<std::string>;

// The message of the Error that fn throws, or "" when it throws none.
template <typename Fn>
std::string error_of(Fn fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Split, KeepsEmptyFields) {
  EXPECT_EQ(split("a,b,c", ','), (Strings{"a", "b", "c"}));
  EXPECT_EQ(split("a,,b", ','), (Strings{"a", "", "b"}));
  EXPECT_EQ(split(",a,", ','), (Strings{"", "a", ""}));
  EXPECT_EQ(split("", ','), (Strings{""}));
  EXPECT_EQ(split("abc", ','), (Strings{"abc"}));
  EXPECT_EQ(split("1:2:3", ':'), (Strings{"1", "2", "3"}));
}

TEST(Trim, StripsSpacesTabsAndNewlines) {
  EXPECT_EQ(trim("  a b \t\r\n"), "a b");
  EXPECT_EQ(trim("\n\tx"), "x");
  EXPECT_EQ(trim("x"), "x");
  EXPECT_EQ(trim("   "), "");
  EXPECT_EQ(trim(""), "");
}

TEST(ParseInt, WholeNumbers) {
  EXPECT_EQ(parse_int("0", "n"), 0);
  EXPECT_EQ(parse_int("42", "n"), 42);
  EXPECT_EQ(parse_int("-17", "n"), -17);
  EXPECT_EQ(parse_int("9223372036854775807", "n"), INT64_MAX);
  EXPECT_EQ(parse_int("-9223372036854775808", "n"), INT64_MIN);
}

TEST(ParseInt, RejectsEverythingElseNamingTheArgument) {
  for (const char* bad : {"", " 1", "1 ", "1x", "x1", "+1", "1.5", "0x10", "9223372036854775808", "--1"}) {
    std::string msg = error_of([&] { parse_int(bad, "--limit"); });
    EXPECT_NE(msg, "") << bad;
    EXPECT_EQ(msg.rfind("--limit: ", 0), 0u) << msg;
    EXPECT_NE(msg.find("\"" + std::string(bad) + "\""), std::string::npos) << msg;
  }
}

TEST(ParseUint, WholeNonNegativeNumbers) {
  EXPECT_EQ(parse_uint("0", "n"), 0u);
  EXPECT_EQ(parse_uint("4294967296", "n"), 4294967296u);
  EXPECT_EQ(parse_uint("18446744073709551615", "n"), UINT64_MAX);
}

TEST(ParseUint, RejectsNegativeAndJunk) {
  for (const char* bad : {"", "-1", "-0", "1a", " 2", "18446744073709551616", "1e3"}) {
    std::string msg = error_of([&] { parse_uint(bad, "uid"); });
    EXPECT_NE(msg, "") << bad;
    EXPECT_EQ(msg.rfind("uid: ", 0), 0u) << msg;
  }
}

TEST(ParseByteSize, UnitsArePowersOf1024) {
  EXPECT_EQ(parse_byte_size("512", "s"), 512);
  EXPECT_EQ(parse_byte_size("512b", "s"), 512);
  EXPECT_EQ(parse_byte_size("64k", "s"), 64 * 1024);
  EXPECT_EQ(parse_byte_size("64K", "s"), 64 * 1024);
  EXPECT_EQ(parse_byte_size("100M", "s"), 100LL * 1024 * 1024);
  EXPECT_EQ(parse_byte_size("10mb", "s"), 10LL * 1024 * 1024);
  EXPECT_EQ(parse_byte_size("1.5g", "s"), 1536LL * 1024 * 1024);
  EXPECT_EQ(parse_byte_size("2GiB", "s"), 2LL * 1024 * 1024 * 1024);
  EXPECT_EQ(parse_byte_size("1t", "s"), 1024LL * 1024 * 1024 * 1024);
  EXPECT_EQ(parse_byte_size("0", "s"), 0);
}

TEST(ParseByteSize, Unlimited) {
  EXPECT_EQ(parse_byte_size("-1", "--memory", true), -1);
  EXPECT_NE(error_of([] { parse_byte_size("-1", "--memory"); }), "");
}

TEST(ParseByteSize, RejectsBadSizesNamingTheArgument) {
  for (const char* bad : {"", "m", "-5", "12q", "1.2.3k", "10 m", "1kk", "99999999999t"}) {
    std::string msg = error_of([&] { parse_byte_size(bad, "--memory"); });
    EXPECT_NE(msg, "") << bad;
    EXPECT_EQ(msg.rfind("--memory: ", 0), 0u) << msg;
  }
  EXPECT_NE(error_of([] { parse_byte_size("12q", "m"); }).find("unknown size unit"), std::string::npos);
}

TEST(ObjectNameTest, AcceptsWhatPodmanAccepts) {
  EXPECT_TRUE(is_valid_object_name("web"));
  EXPECT_TRUE(is_valid_object_name("a1_b.c-d"));
  EXPECT_TRUE(is_valid_object_name("0abc"));
  EXPECT_FALSE(is_valid_object_name(""));
  EXPECT_FALSE(is_valid_object_name("-lead"));
  EXPECT_FALSE(is_valid_object_name("_lead"));
  EXPECT_FALSE(is_valid_object_name("a/b"));
  EXPECT_FALSE(is_valid_object_name("a b"));
  EXPECT_FALSE(is_valid_object_name(std::string(254, 'a')));
  EXPECT_TRUE(is_valid_object_name(std::string(253, 'a')));
}

}  // namespace
}  // namespace skiff

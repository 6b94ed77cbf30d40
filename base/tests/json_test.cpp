#include "skiff/base/json.h"

#include <gtest/gtest.h>

#include <string>

#include "skiff/base/error.h"

namespace skiff {
namespace {

template <typename Fn>
std::string error_of(Fn fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(JsonParse, Values) {
  auto v = json::parse(R"({"a": [1, -2, 3.5, true, null, "s"], "b": {}})", "doc");
  ASSERT_TRUE(v.is_object());
  const auto& a = v.at("a").as_array();
  ASSERT_EQ(a.size(), 6u);
  EXPECT_EQ(a[0].as_int64(), 1);
  EXPECT_EQ(a[1].as_int64(), -2);
  EXPECT_DOUBLE_EQ(a[2].as_double(), 3.5);
  EXPECT_TRUE(a[3].as_bool());
  EXPECT_TRUE(a[4].is_null());
  EXPECT_EQ(a[5].as_string(), "s");
  EXPECT_TRUE(json::parse("  42  \n", "doc").is_int64());
}

TEST(JsonParse, SyntaxErrorNamesTheDocumentLineAndColumn) {
  std::string msg = error_of([] { json::parse("{\n  \"a\": 1,\n  \"b\" 2\n}", "config.json"); });
  EXPECT_EQ(msg.rfind("config.json: invalid JSON at line 3 column ", 0), 0u) << msg;
  msg = error_of([] { json::parse("[1, 2", "x.json"); });
  EXPECT_EQ(msg.rfind("x.json: invalid JSON at line 1 column ", 0), 0u) << msg;
  msg = error_of([] { json::parse("", "empty.json"); });
  EXPECT_EQ(msg.rfind("empty.json: invalid JSON at line 1 column 1", 0), 0u) << msg;
}

TEST(JsonParse, ColumnPointsAtTheBadCharacter) {
  std::string msg = error_of([] { json::parse("{\"a\": x}", "d"); });
  EXPECT_NE(msg.find("line 1 column 7"), std::string::npos) << msg;
  msg = error_of([] { json::parse("{\n\"a\":\n  @}", "d"); });
  EXPECT_NE(msg.find("line 3 column 3"), std::string::npos) << msg;
}

TEST(JsonParse, TrailingDataIsAnError) {
  std::string msg = error_of([] { json::parse("{} {}", "d"); });
  EXPECT_NE(msg.find("invalid JSON at line 1 column 4"), std::string::npos) << msg;
  EXPECT_NE(error_of([] { json::parse("1 2", "d"); }), "");
}

TEST(JsonParse, ParseFileNamesThePath) {
  std::string msg = error_of([] { json::parse_file("/nonexistent/skiff/config.json"); });
  EXPECT_NE(msg.find("/nonexistent/skiff/config.json"), std::string::npos) << msg;
  EXPECT_NE(msg.find("ENOENT"), std::string::npos) << msg;
}

TEST(JsonPaths, FieldAndElement) {
  EXPECT_EQ(json::field("", "process"), "process");
  EXPECT_EQ(json::field("linux", "seccomp"), "linux.seccomp");
  EXPECT_EQ(json::element("linux.seccomp.syscalls", 3), "linux.seccomp.syscalls[3]");
  EXPECT_EQ(json::field(json::element("mounts", 0), "options"), "mounts[0].options");
}

TEST(JsonAccessors, ReturnTheValue) {
  auto v = json::parse(R"({"o": {}, "a": [], "s": "x", "b": false, "i": -5, "u": 18446744073709551615,
                           "d": 3.0, "n": null, "l": ["p", "q"]})",
                       "d");
  const auto& obj = v.as_object();
  EXPECT_TRUE(json::as_object(obj.at("o"), "o").empty());
  EXPECT_TRUE(json::as_array(obj.at("a"), "a").empty());
  EXPECT_EQ(json::as_string(obj.at("s"), "s"), "x");
  EXPECT_FALSE(json::as_bool(obj.at("b"), "b"));
  EXPECT_EQ(json::as_int64(obj.at("i"), "i"), -5);
  EXPECT_EQ(json::as_uint64(obj.at("u"), "u"), UINT64_MAX);
  EXPECT_EQ(json::as_int64(obj.at("d"), "d"), 3);
  EXPECT_EQ(json::as_uint64(obj.at("d"), "d"), 3u);
  EXPECT_EQ(json::as_int_in(obj.at("i"), "i", -10, 10), -5);
  EXPECT_EQ(json::as_string_array(obj.at("l"), "l"), (std::vector<std::string>{"p", "q"}));
  EXPECT_EQ(json::find(obj, "n"), nullptr);
  EXPECT_EQ(json::find(obj, "absent"), nullptr);
  ASSERT_NE(json::find(obj, "s"), nullptr);
  EXPECT_EQ(json::find(obj, "s")->as_string(), "x");
}

TEST(JsonAccessors, ErrorsNameTheFieldAndShowTheValue) {
  auto v = json::parse(R"({"s": "text", "n": 12, "neg": -1, "f": 1.5, "arr": ["a", 7]})", "d");
  const auto& obj = v.as_object();
  EXPECT_EQ(error_of([&] { json::as_object(obj.at("s"), "process"); }), "process: must be an object (got \"text\")");
  EXPECT_EQ(error_of([&] { json::as_array(obj.at("n"), "mounts"); }), "mounts: must be an array (got 12)");
  EXPECT_EQ(error_of([&] { json::as_string(obj.at("n"), "process.cwd"); }), "process.cwd: must be a string (got 12)");
  EXPECT_EQ(error_of([&] { json::as_bool(obj.at("s"), "process.terminal"); }),
            "process.terminal: must be true or false (got \"text\")");
  EXPECT_EQ(error_of([&] { json::as_int64(obj.at("f"), "process.user.uid"); }),
            "process.user.uid: must be a whole number (got 1.5E0)");
  EXPECT_EQ(error_of([&] { json::as_uint64(obj.at("neg"), "linux.resources.pids.limit"); }),
            "linux.resources.pids.limit: must be a non-negative whole number (got -1)");
  EXPECT_EQ(error_of([&] { json::as_int_in(obj.at("n"), "process.oomScoreAdj", -1, 10); }),
            "process.oomScoreAdj: must be between -1 and 10 (got 12)");
  EXPECT_EQ(error_of([&] { json::as_string_array(obj.at("arr"), "process.args"); }),
            "process.args[1]: must be a string (got 7)");
}

TEST(JsonAccessors, LongValuesAreShortened) {
  std::string long_text(200, 'x');
  std::string msg = error_of([&] { json::as_int64(boost::json::value(long_text), "f"); });
  EXPECT_LT(msg.size(), 120u) << msg;
  EXPECT_NE(msg.find("...)"), std::string::npos) << msg;
}

TEST(JsonInvalid, Messages) {
  EXPECT_EQ(error_of([] { json::invalid("root.path", "is required"); }), "root.path: is required");
  EXPECT_EQ(error_of([] { json::invalid("hostname", "too long", boost::json::value("abc")); }),
            "hostname: too long (got \"abc\")");
}

TEST(JsonPretty, TwoSpaceIndentAndNewline) {
  auto v = json::parse(
      R"({"ociVersion":"1.2.0","process":{"args":["sh","-c"],"terminal":true},"empty":{},"none":[],"n":null})", "d");
  EXPECT_EQ(json::pretty(v),
            "{\n"
            "  \"ociVersion\": \"1.2.0\",\n"
            "  \"process\": {\n"
            "    \"args\": [\n"
            "      \"sh\",\n"
            "      \"-c\"\n"
            "    ],\n"
            "    \"terminal\": true\n"
            "  },\n"
            "  \"empty\": {},\n"
            "  \"none\": [],\n"
            "  \"n\": null\n"
            "}\n");
  EXPECT_EQ(json::pretty(boost::json::value(5)), "5\n");
}

TEST(JsonPretty, EscapesAndRoundTrips) {
  boost::json::object obj{{"quote\"key", "line\nbreak\t\x01"}, {"list", boost::json::array{1, 2.5, false}}};
  std::string text = json::pretty(obj);
  EXPECT_NE(text.find("\"quote\\\"key\""), std::string::npos) << text;
  EXPECT_NE(text.find("\\n"), std::string::npos) << text;
  EXPECT_EQ(json::parse(text, "pretty"), boost::json::value(obj));
}

}  // namespace
}  // namespace skiff

#include "../src/toml_subset.h"

#include <gtest/gtest.h>

#include "skiff/base/error.h"

namespace skiff::image::toml {
namespace {

std::string error_of(std::string_view text) {
  try {
    parse(text, "/etc/containers/registries.conf");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(TomlSubset, TablesKeysAndValues) {
  auto tables = parse(R"(# top comment
unqualified-search-registries = ["docker.io", 'quay.io',]  # trailing comma is fine
short-name-mode="enforcing"
count = -1_000

[[registry]]
prefix = "example.com"
"quoted key" = 'C:\path'
insecure = true
a.b = false

[[ registry.mirror ]]
location = "mirror:5000/cache"
[aliases]
"fedora" = "registry.fedoraproject.org/fedora"
)",
                      "f");
  ASSERT_EQ(tables.size(), 4U);
  EXPECT_EQ(tables[0].name, "");
  ASSERT_EQ(tables[0].entries.size(), 3U);
  const auto& search = tables[0].entries[0];
  EXPECT_EQ(search.key, "unqualified-search-registries");
  EXPECT_EQ(search.value.kind, Value::Kind::kArray);
  ASSERT_EQ(search.value.array.size(), 2U);
  EXPECT_EQ(search.value.array[1].string, "quay.io");
  EXPECT_EQ(search.value.line, 2);
  EXPECT_EQ(tables[0].entries[1].value.string, "enforcing");
  EXPECT_EQ(tables[0].entries[2].value.integer, -1000);

  EXPECT_EQ(tables[1].name, "registry");
  EXPECT_TRUE(tables[1].array_element);
  EXPECT_EQ(tables[1].line, 6);
  ASSERT_EQ(tables[1].entries.size(), 4U);
  EXPECT_EQ(tables[1].entries[1].key, "quoted key");
  EXPECT_EQ(tables[1].entries[1].value.string, "C:\\path");
  EXPECT_TRUE(tables[1].entries[2].value.boolean);
  EXPECT_EQ(tables[1].entries[3].key, "a.b");
  EXPECT_FALSE(tables[1].entries[3].value.boolean);

  EXPECT_EQ(tables[2].name, "registry.mirror");
  EXPECT_TRUE(tables[2].array_element);
  EXPECT_EQ(tables[3].name, "aliases");
  EXPECT_FALSE(tables[3].array_element);
  EXPECT_EQ(tables[3].entries[0].key, "fedora");
}

TEST(TomlSubset, MultiLineArraysWithComments) {
  auto tables = parse("list = [\n  \"a\", # first\n\n  # nothing\n  \"b\"\n]\nnext = 'x'\r\n", "f");
  ASSERT_EQ(tables[0].entries.size(), 2U);
  EXPECT_EQ(tables[0].entries[0].value.array.size(), 2U);
  EXPECT_EQ(tables[0].entries[1].value.string, "x");
  EXPECT_EQ(tables[0].entries[1].value.line, 7);
}

TEST(TomlSubset, BasicStringEscapes) {
  auto tables = parse(R"(s = "a\"b\\c\td\u00e9\U0001F600")", "f");
  EXPECT_EQ(tables[0].entries[0].value.string, "a\"b\\c\td\xC3\xA9\xF0\x9F\x98\x80");
  EXPECT_NE(error_of(R"(s = "\q")").find("escape"), std::string::npos);
  EXPECT_NE(error_of(R"(s = "\uD800")").find("unicode"), std::string::npos);
}

TEST(TomlSubset, ErrorsNamePathAndLine) {
  std::string err = error_of("a = 1\n\nb = \"open\n");
  EXPECT_NE(err.find("/etc/containers/registries.conf:3: "), std::string::npos) << err;
  EXPECT_NE(err.find("not closed"), std::string::npos) << err;
  err = error_of("a = 1\na = 2\n");
  EXPECT_NE(err.find(":2: key \"a\" is defined twice"), std::string::npos) << err;
  EXPECT_NE(error_of("a = \"x\" b = 1").find(":1: unexpected 'b'"), std::string::npos);
  EXPECT_NE(error_of("a =\n").find("missing"), std::string::npos);
  EXPECT_NE(error_of("= 1").find("expected a key"), std::string::npos);
  EXPECT_NE(error_of("a 1").find("expected '='"), std::string::npos);
  EXPECT_NE(error_of("[x\n").find("close the table"), std::string::npos);
  EXPECT_NE(error_of("[[x]\n").find("array of tables"), std::string::npos);
  EXPECT_NE(error_of("a = [1, 2").find("not closed"), std::string::npos);
  EXPECT_NE(error_of("a = [1 2]").find("expected ','"), std::string::npos);
  EXPECT_NE(error_of("a = trueish").find("true or false"), std::string::npos);
  EXPECT_NE(error_of("a = 1.5").find("whole"), std::string::npos);
  EXPECT_NE(error_of("a = 1979-05-27").find("whole"), std::string::npos);
  EXPECT_NE(error_of("a = {x = 1}").find("inline tables"), std::string::npos);
  EXPECT_NE(error_of("a = \"\"\"x\"\"\"").find("multi-line"), std::string::npos);
  EXPECT_NE(error_of("a = 'x").find("not closed"), std::string::npos);
  EXPECT_NE(error_of("a = bare").find("unexpected 'b'"), std::string::npos);
}

}  // namespace
}  // namespace skiff::image::toml

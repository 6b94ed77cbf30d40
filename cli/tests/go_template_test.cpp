#include "skiff/cli/go_template.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "skiff/base/error.h"

namespace skiff::cli {
namespace {

boost::json::value doc() {
  return boost::json::parse(R"({"Names":["web","www"],"State":{"Status":"running","Pid":42,"Running":true},
    "Labels":{"tier":"front","app":"shop"},"Image":"busybox","ID":"abc","CreatedAt":"now","Empty":null})");
}

std::string render(const std::string& format) {
  return GoTemplate(format).render(doc());
}

TEST(GoTemplate, FieldsPathsAndLiteralText) {
  EXPECT_EQ(render("{{.Image}}"), "busybox\n");
  EXPECT_EQ(render("pid={{.State.Pid}} up={{.State.Running}}"), "pid=42 up=true\n");
  EXPECT_EQ(render("{{.Names}}"), "[web www]\n");
  EXPECT_EQ(render("{{.Labels}}"), "map[app:shop tier:front]\n");
  EXPECT_EQ(render("{{.Empty}}"), "<no value>\n");
  EXPECT_EQ(render("{{.Image}}\\t{{.ID}}\\n"), "busybox\tabc\n");
}

TEST(GoTemplate, FunctionsAndPipes) {
  EXPECT_EQ(render("{{json .State}}"), R"({"Status":"running","Pid":42,"Running":true})"
                                       "\n");
  EXPECT_EQ(render("{{.Names | json}}"), "[\"web\",\"www\"]\n");
  EXPECT_EQ(render("{{join .Names \", \"}}"), "web, www\n");
  EXPECT_EQ(render("{{index .Labels \"tier\"}}"), "front\n");
  EXPECT_EQ(render("{{index .Labels `none`}}"), "<no value>\n");
  EXPECT_EQ(render("{{upper .State.Status}} {{.Image | upper | lower}}"), "RUNNING busybox\n");
  EXPECT_EQ(render("{{json .}}").substr(0, 10), R"({"Names":[)");
}

TEST(GoTemplate, TablesHaveAHeaderRowAndColumns) {
  GoTemplate table("table {{.ID}}\\t{{.Image}}\\t{{.CreatedAt}}");
  std::vector<boost::json::value> docs{doc(), doc()};
  EXPECT_EQ(table.render_all(docs, {{"ID", "CONTAINER ID"}}),
            "CONTAINER ID  IMAGE       CREATED AT\n"
            "abc           busybox     now\n"
            "abc           busybox     now\n");
  EXPECT_EQ(GoTemplate("{{.ID}}").render_all(docs), "abc\nabc\n");
}

TEST(GoTemplate, ErrorsNameTheFormatFlagAndTheProblem) {
  auto fails = [](const std::string& format, const std::string& message) {
    try {
      (void)GoTemplate(format).render(doc());
      ADD_FAILURE() << format << " rendered";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("--format"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
    }
  };
  fails("{{.Nope}}", "can't evaluate field Nope");
  fails("{{.State.Nope}}", "<.State.Nope>");
  fails("{{.Image", "unclosed action");
  fails("{{frob .Image}}", "function \"frob\" not defined");
  fails("{{join .Names}}", "join takes 1");
  fails("{{json \"x}}", "unterminated string");
  fails("{{join .Image \",\"}}", "not a list");
  EXPECT_TRUE(GoTemplate::is_template("{{.ID}}"));
  EXPECT_FALSE(GoTemplate::is_template("json"));
}

}  // namespace
}  // namespace skiff::cli

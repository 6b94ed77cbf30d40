#include <gtest/gtest.h>

#include "skiff/apiserver/selectors.h"
#include "skiff/apiserver/status.h"

using skiff::apiserver::ApiError;
using skiff::apiserver::FieldSelector;
using skiff::apiserver::LabelSelector;

namespace {

boost::json::object labels(std::initializer_list<std::pair<const char*, const char*>> pairs) {
  boost::json::object out;
  for (const auto& [k, v] : pairs) {
    out[k] = v;
  }
  return out;
}

}  // namespace

TEST(LabelSelector, EqualityAndSetOperators) {
  auto web = labels({{"app", "web"}, {"tier", "front"}});
  EXPECT_TRUE(LabelSelector::parse("app=web").matches(&web));
  EXPECT_TRUE(LabelSelector::parse("app==web,tier").matches(&web));
  EXPECT_FALSE(LabelSelector::parse("app!=web").matches(&web));
  EXPECT_TRUE(LabelSelector::parse("tier in (back, front)").matches(&web));
  EXPECT_FALSE(LabelSelector::parse("tier notin (back,front)").matches(&web));
  EXPECT_TRUE(LabelSelector::parse("!legacy").matches(&web));
  EXPECT_FALSE(LabelSelector::parse("!app").matches(&web));
  EXPECT_TRUE(LabelSelector::parse("legacy!=yes").matches(&web));
  EXPECT_FALSE(LabelSelector::parse("legacy").matches(nullptr));
  EXPECT_TRUE(LabelSelector::parse("").matches(nullptr));
}

TEST(LabelSelector, MalformedIsBadRequest) {
  try {
    LabelSelector::parse("app in web");
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.http_code(), 400);
  }
}

TEST(LabelSelector, FromObjectAndBack) {
  auto selector = LabelSelector::from_object(
      boost::json::parse(
          R"({"matchLabels":{"app":"web"},"matchExpressions":[{"key":"env","operator":"In","values":["a","b"]}]})")
          .as_object());
  EXPECT_EQ(selector.to_string(), "app=web,env in (a,b)");
  auto ok = labels({{"app", "web"}, {"env", "b"}});
  auto bad = labels({{"app", "web"}, {"env", "c"}});
  EXPECT_TRUE(selector.matches(&ok));
  EXPECT_FALSE(selector.matches(&bad));
}

TEST(FieldSelector, PodAndEventFields) {
  auto pod = boost::json::parse(R"({"metadata":{"name":"p","namespace":"ns"},"spec":{"nodeName":"n1"},
                                    "status":{"phase":"Running"}})")
                 .as_object();
  EXPECT_TRUE(FieldSelector::parse("spec.nodeName=n1,status.phase!=Pending", "pods").matches(pod));
  EXPECT_FALSE(FieldSelector::parse("metadata.namespace==other", "pods").matches(pod));
  EXPECT_EQ(FieldSelector::parse("metadata.name=p", "pods").required_name(), "p");
  auto event = boost::json::parse(R"({"involvedObject":{"kind":"Pod","name":"p"}})").as_object();
  EXPECT_TRUE(FieldSelector::parse("involvedObject.kind=Pod,involvedObject.name=p", "events").matches(event));
  EXPECT_THROW(FieldSelector::parse("spec.nodeName=n1", "configmaps"), ApiError);
}

#include <gtest/gtest.h>

#include "skiff/apiserver/patch.h"
#include "skiff/apiserver/status.h"

using namespace skiff::apiserver;

namespace {
boost::json::value j(const char* text) {
  return boost::json::parse(text);
}
}  // namespace

TEST(MergePatch, NullDeletesAndListsReplace) {
  EXPECT_EQ(merge_patch(j(R"({"a":1,"b":{"c":2,"d":3},"l":[1,2]})"), j(R"({"a":null,"b":{"c":5},"l":[3]})")),
            j(R"({"b":{"c":5,"d":3},"l":[3]})"));
}

TEST(JsonPatch, Operations) {
  auto doc = j(R"({"spec":{"replicas":1,"list":["a","b"]}})");
  auto patched = json_patch(doc, j(R"([{"op":"replace","path":"/spec/replicas","value":3},
                                      {"op":"add","path":"/spec/list/-","value":"c"},
                                      {"op":"remove","path":"/spec/list/0"},
                                      {"op":"copy","from":"/spec/replicas","path":"/spec/copy"},
                                      {"op":"test","path":"/spec/copy","value":3}])"));
  EXPECT_EQ(patched, j(R"({"spec":{"replicas":3,"list":["b","c"],"copy":3}})"));
  EXPECT_THROW(json_patch(doc, j(R"([{"op":"remove","path":"/missing"}])")), ApiError);
  EXPECT_THROW(json_patch(doc, j(R"([{"op":"test","path":"/spec/replicas","value":2}])")), ApiError);
}

TEST(StrategicMergePatch, ContainersMergeByName) {
  auto pod = j(R"({"spec":{"containers":[{"name":"a","image":"x","env":[{"name":"E","value":"1"}],
                   "ports":[{"containerPort":80,"protocol":"TCP"}]}]}})");
  auto patched = strategic_merge_patch(pod, j(R"({"spec":{"containers":[
      {"name":"a","image":"y","env":[{"name":"F","value":"2"}],"ports":[{"containerPort":81}]},
      {"name":"b","image":"z"}]}})"));
  EXPECT_EQ(patched, j(R"({"spec":{"containers":[{"name":"a","image":"y",
      "env":[{"name":"E","value":"1"},{"name":"F","value":"2"}],
      "ports":[{"containerPort":80,"protocol":"TCP"},{"containerPort":81}]},{"name":"b","image":"z"}]}})"));
}

TEST(StrategicMergePatch, ServicePortsByPortAndDirectives) {
  auto svc = j(R"({"spec":{"ports":[{"port":80,"name":"http"},{"port":443,"name":"https"}],"selector":{"a":"b"}}})");
  auto patched =
      strategic_merge_patch(svc, j(R"({"spec":{"ports":[{"port":443,"$patch":"delete"},{"port":80,"targetPort":8080}],
                 "selector":{"$patch":"replace","c":"d"}}})"));
  EXPECT_EQ(patched, j(R"({"spec":{"ports":[{"port":80,"name":"http","targetPort":8080}],"selector":{"c":"d"}}})"));
}

TEST(StrategicMergePatch, ListReplaceOrderAndAtomicLists) {
  auto pod = j(R"({"spec":{"volumes":[{"name":"a"},{"name":"b"}],"containers":[{"name":"c","args":["1","2"]}]}})");
  auto patched = strategic_merge_patch(pod, j(R"({"spec":{"volumes":[{"$patch":"replace"},{"name":"z"}],
                 "$setElementOrder/containers":[{"name":"c"}],"containers":[{"name":"c","args":["3"]}]}})"));
  EXPECT_EQ(patched, j(R"({"spec":{"volumes":[{"name":"z"}],"containers":[{"name":"c","args":["3"]}]}})"));
  auto meta = j(R"({"metadata":{"finalizers":["a"]}})");
  EXPECT_EQ(strategic_merge_patch(meta, j(R"({"metadata":{"finalizers":["b","a"]}})")),
            j(R"({"metadata":{"finalizers":["a","b"]}})"));
}

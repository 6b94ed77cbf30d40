#include <gtest/gtest.h>

#include <ctime>

#include "skiff/apiserver/defaults.h"
#include "skiff/apiserver/resources.h"
#include "skiff/apiserver/table.h"
#include "skiff/apiserver/validation.h"

using namespace skiff::apiserver;

namespace {
boost::json::object obj(const char* text) {
  return boost::json::parse(text).as_object();
}
}  // namespace

TEST(Validation, NamesPerKind) {
  EXPECT_TRUE(dns1123_subdomain_errors("web.example-1").empty());
  EXPECT_FALSE(dns1123_subdomain_errors("Bad_Name").empty());
  EXPECT_FALSE(dns1123_label_errors("a.b").empty());
  EXPECT_FALSE(dns1035_label_errors("1abc").empty());
  EXPECT_FALSE(dns1123_subdomain_errors(std::string(254, 'a')).empty());
  const ResourceType& cm = *find_resource("", "v1", "configmaps");
  auto causes = validate_object(cm, obj(R"({"metadata":{"name":"Bad_Name"}})"));
  ASSERT_EQ(causes.size(), 1U);
  EXPECT_EQ(causes[0].field, "metadata.name");
  EXPECT_EQ(causes[0].reason, "FieldValueInvalid");
  try {
    check_valid(cm, obj(R"({"metadata":{"name":"Bad_Name"}})"));
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.http_code(), 422);
    EXPECT_EQ(e.to_status()["details"].as_object()["causes"].as_array().size(), 1U);
  }
  const ResourceType& svc = *find_resource("", "v1", "services");
  EXPECT_FALSE(validate_object(svc, obj(R"({"metadata":{"name":"9svc"},"spec":{"ports":[{"port":80}]}})")).empty());
}

TEST(Validation, WorkloadSelectorMustMatchTemplate) {
  const ResourceType& deploy = *find_resource("apps", "v1", "deployments");
  auto causes = validate_object(deploy, obj(R"({"metadata":{"name":"d"},"spec":{"selector":{"matchLabels":{"a":"b"}},
      "template":{"metadata":{"labels":{"a":"c"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}})"));
  ASSERT_EQ(causes.size(), 1U);
  EXPECT_EQ(causes[0].field, "spec.template.metadata.labels");
}

TEST(Defaults, PodsDeploymentsSecrets) {
  auto pod = obj(R"({"spec":{"containers":[{"name":"a","image":"nginx"},{"name":"b","image":"nginx:1.25"}]}})");
  apply_defaults(*find_resource("", "v1", "pods"), pod);
  EXPECT_EQ(pod["spec"].at("restartPolicy"), "Always");
  EXPECT_EQ(pod["spec"].at("terminationGracePeriodSeconds"), 30);
  EXPECT_EQ(pod["spec"].at("containers").at(0).at("imagePullPolicy"), "Always");
  EXPECT_EQ(pod["spec"].at("containers").at(1).at("imagePullPolicy"), "IfNotPresent");
  EXPECT_EQ(pod["status"].at("phase"), "Pending");
  auto deploy = obj(R"({"spec":{}})");
  apply_defaults(*find_resource("apps", "v1", "deployments"), deploy);
  EXPECT_EQ(deploy["spec"].at("replicas"), 1);
  EXPECT_EQ(deploy["spec"].at("strategy").at("rollingUpdate").at("maxSurge"), "25%");
  auto secret = obj(R"({"stringData":{"p":"hunter2"}})");
  apply_defaults(*find_resource("", "v1", "secrets"), secret);
  EXPECT_EQ(secret, obj(R"({"type":"Opaque","data":{"p":"aHVudGVyMg=="}})"));
}

TEST(Table, PodColumnsAndAges) {
  EXPECT_EQ(human_duration(45), "45s");
  EXPECT_EQ(human_duration(200), "3m20s");
  EXPECT_EQ(human_duration(5 * 3600), "5h");
  EXPECT_EQ(human_duration(51 * 3600), "2d3h");
  std::time_t created = parse_timestamp("2026-01-01T00:00:00Z");
  auto pod = obj(R"({"metadata":{"name":"p","creationTimestamp":"2026-01-01T00:00:00Z"},
      "spec":{"nodeName":"n1","containers":[{"name":"a"},{"name":"b"}]},
      "status":{"phase":"Running","podIP":"10.0.0.5","containerStatuses":[{"ready":true,"restartCount":2},
      {"ready":false,"restartCount":1,"state":{"waiting":{"reason":"CrashLoopBackOff"}}}]}})");
  auto table = make_table(*find_resource("", "v1", "pods"), {pod}, IncludeObject::metadata, true, created + 90);
  auto& columns = table["columnDefinitions"].as_array();
  EXPECT_EQ(columns[0].at("name"), "Name");
  EXPECT_EQ(columns[5].at("priority"), 1);
  auto& cells = table["rows"].at(0).at("cells").as_array();
  EXPECT_EQ(cells[1], "1/2");
  EXPECT_EQ(cells[2], "CrashLoopBackOff");
  EXPECT_EQ(cells[3], 3);
  EXPECT_EQ(cells[4], "90s");
  EXPECT_EQ(cells[5], "10.0.0.5");
  EXPECT_EQ(cells[6], "n1");
  EXPECT_EQ(table["rows"].at(0).at("object").at("kind"), "PartialObjectMetadata");
}

TEST(Table, ServicePorts) {
  auto svc = obj(R"({"metadata":{"name":"s"},"spec":{"type":"NodePort","clusterIP":"10.43.0.9",
      "ports":[{"port":80,"nodePort":30080,"protocol":"TCP"},{"port":53,"protocol":"UDP"}]}})");
  auto table = make_table(*find_resource("", "v1", "services"), {svc}, IncludeObject::none, true, 0);
  auto& cells = table["rows"].at(0).at("cells").as_array();
  EXPECT_EQ(cells[1], "NodePort");
  EXPECT_EQ(cells[4], "80:30080/TCP,53/UDP");
}

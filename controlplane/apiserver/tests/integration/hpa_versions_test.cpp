// HorizontalPodAutoscaler served in autoscaling/v1 and autoscaling/v2 from one stored (v2)
// object: the real kubectl against the real skiff-server, writing in one version and reading in
// the other.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <sstream>

#include "kubectl_fixture.h"

namespace {

constexpr const char* kV1 = "horizontalpodautoscalers.v1.autoscaling";

const char* kV1Hpa = R"(apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata:
  name: web
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 7
  targetCPUUtilizationPercentage: 55
)";

const char* kRichV2Hpa = R"(apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: rich
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 9
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 60}}
  - type: Resource
    resource: {name: memory, target: {type: AverageValue, averageValue: 500Mi}}
  behavior:
    scaleDown: {stabilizationWindowSeconds: 120}
)";

class HpaVersions : public skiff::apiserver::testing::KubectlServerTest {
 protected:
  boost::json::value json_of(const std::vector<std::string>& args) {
    std::string out = ok(args);
    return out.empty() ? boost::json::value() : boost::json::parse(out);
  }
};

TEST_F(HpaVersions, DiscoveryServesV1AndPrefersV2) {
  boost::json::value group = json_of({"get", "--raw", "/apis/autoscaling"});
  EXPECT_EQ(group.at("preferredVersion").at("version"), "v2");
  EXPECT_EQ(group.at("versions"), boost::json::parse(R"([{"groupVersion": "autoscaling/v2", "version": "v2"},
                                                         {"groupVersion": "autoscaling/v1", "version": "v1"}])"));
  boost::json::value list = json_of({"get", "--raw", "/apis/autoscaling/v1"});
  std::vector<std::string> names;
  for (const auto& resource : list.at("resources").as_array()) {
    names.emplace_back(resource.at("name").as_string());
  }
  EXPECT_EQ(names, (std::vector<std::string>{"horizontalpodautoscalers", "horizontalpodautoscalers/status"}));
  std::string versions = ok({"api-versions"});
  EXPECT_NE(versions.find("autoscaling/v1\n"), std::string::npos) << versions;
  EXPECT_NE(versions.find("autoscaling/v2\n"), std::string::npos) << versions;
  std::string explained = ok({"explain", "hpa.spec", "--api-version=autoscaling/v1"});
  EXPECT_NE(explained.find("targetCPUUtilizationPercentage"), std::string::npos) << explained;
}

TEST_F(HpaVersions, V1WriteIsReadAsV2) {
  ok({"apply", "-f", "-"}, kV1Hpa);
  boost::json::value v2 = json_of({"get", "hpa", "web", "-o", "json"});
  EXPECT_EQ(v2.at("apiVersion"), "autoscaling/v2");
  EXPECT_EQ(v2.at("spec").at("metrics"), boost::json::parse(R"([{"type": "Resource",
    "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 55}}}])"));
  boost::json::value v1 =
      json_of({"get", "--raw", "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/web"});
  EXPECT_EQ(v1.at("apiVersion"), "autoscaling/v1");
  EXPECT_EQ(v1.at("spec").at("targetCPUUtilizationPercentage"), 55);
  // The same object, not a copy: one uid and resourceVersion.
  EXPECT_EQ(v1.at("metadata").at("uid"), v2.at("metadata").at("uid"));
  EXPECT_EQ(v1.at("metadata").at("resourceVersion"), v2.at("metadata").at("resourceVersion"));
  // Applying the v1 manifest again changes nothing.
  EXPECT_NE(ok({"apply", "-f", "-"}, kV1Hpa).find("unchanged"), std::string::npos);
  std::string table = ok({"get", kV1});
  EXPECT_NE(table.find("cpu: <unknown>/55%"), std::string::npos) << table;
  // Strict validation uses the v1 schema.
  skiff::SubprocessResult unknown = kubectl({"apply", "-f", "-"}, std::string(kV1Hpa) + "  metrics: []\n");
  EXPECT_FALSE(unknown.ok());
  EXPECT_NE(unknown.err.find("unknown field \"spec.metrics\""), std::string::npos) << unknown.err;
}

TEST_F(HpaVersions, V2OnlyFieldsSurviveAV1ReadModifyWrite) {
  ok({"apply", "-f", "-"}, kRichV2Hpa);
  boost::json::value v1 = json_of({"get", kV1, "rich", "-o", "json"});
  EXPECT_EQ(v1.at("spec").at("targetCPUUtilizationPercentage"), 60);
  const auto& annotations = v1.at("metadata").at("annotations");
  EXPECT_EQ(
      boost::json::parse(annotations.at("autoscaling.alpha.kubernetes.io/metrics").as_string()),
      boost::json::parse(R"([{"type": "Resource", "resource": {"name": "memory", "targetAverageValue": "500Mi"}}])"));
  v1.at("spec").as_object()["maxReplicas"] = 11;
  ok({"replace", "-f", "-"}, boost::json::serialize(v1));
  boost::json::value v2 = json_of({"get", "hpa", "rich", "-o", "json"});
  EXPECT_EQ(v2.at("spec").at("maxReplicas"), 11);
  EXPECT_EQ(v2.at("spec").at("behavior"), boost::json::parse(R"({"scaleDown": {"stabilizationWindowSeconds": 120}})"));
  EXPECT_EQ(v2.at("spec").at("metrics").as_array().size(), 2U);
  // The round-trip annotations are taken back into the fields, not stored.
  EXPECT_FALSE(v2.at("metadata").at("annotations").as_object().contains("autoscaling.alpha.kubernetes.io/metrics"));
  ok({"delete", kV1, "rich"});
  EXPECT_FALSE(kubectl({"get", "hpa", "rich"}).ok());
}

TEST_F(HpaVersions, StatusWrittenThroughV1IsV2CurrentMetrics) {
  ok({"apply", "-f", "-"}, kV1Hpa);
  ok({"patch", kV1, "web", "--subresource=status", "--type=merge", "-p",
      R"({"status": {"currentReplicas": 2, "desiredReplicas": 3, "currentCPUUtilizationPercentage": 42}})"});
  boost::json::value v2 = json_of({"get", "hpa", "web", "-o", "json"});
  EXPECT_EQ(v2.at("status"), boost::json::parse(R"({"currentReplicas": 2, "desiredReplicas": 3, "currentMetrics": [
    {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 42}}}]})"));
  boost::json::value v1 = json_of({"get", kV1, "web", "--subresource=status", "-o", "json"});
  EXPECT_EQ(v1.at("status").at("currentCPUUtilizationPercentage"), 42);
  std::string table = ok({"get", "hpa", "web"});
  EXPECT_NE(table.find("cpu: 42%/55%"), std::string::npos) << table;
}

TEST_F(HpaVersions, WatchInV1SendsV1Objects) {
  ok({"apply", "-f", "-"}, kRichV2Hpa);
  std::string path = "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers?watch=1&timeoutSeconds=1";
  boost::json::value initial = boost::json::parse(ok({"get", "--raw", path}));
  EXPECT_EQ(initial.at("type"), "ADDED");
  EXPECT_EQ(initial.at("object").at("apiVersion"), "autoscaling/v1");
  EXPECT_EQ(initial.at("object").at("spec").at("targetCPUUtilizationPercentage"), 60);
  // A change made through v2, watched in v1 from the revision before it.
  std::string revision(initial.at("object").at("metadata").at("resourceVersion").as_string());
  ok({"label", "hpa", "rich", "changed=yes"});
  std::istringstream lines(ok({"get", "--raw", path + "&resourceVersion=" + revision}));
  std::string line;
  std::vector<boost::json::value> events;
  while (std::getline(lines, line)) {
    events.push_back(boost::json::parse(line));
  }
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0].at("type"), "MODIFIED");
  EXPECT_EQ(events[0].at("object").at("apiVersion"), "autoscaling/v1");
  EXPECT_EQ(events[0].at("object").at("metadata").at("labels").at("changed"), "yes");
}

}  // namespace

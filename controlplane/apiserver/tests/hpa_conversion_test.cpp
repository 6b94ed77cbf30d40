// HorizontalPodAutoscaler between autoscaling/v2 and autoscaling/v1 as kube converts it, and the
// served-version hooks of the registry (version_conversion.h).
#include <gtest/gtest.h>

#include "../src/hpa_conversion.h"
#include "../src/version_conversion.h"
#include "skiff/apiserver/resources.h"
#include "skiff/apiserver/status.h"

using namespace skiff::apiserver;

namespace {

boost::json::object j(const char* text) {
  return boost::json::parse(text).as_object();
}

boost::json::value annotation_json(const boost::json::object& object, const char* name) {
  return boost::json::parse(object.at("metadata").at("annotations").at(name).as_string());
}

// A v2 HPA with every part v1 cannot say: a memory target, a Pods metric, behavior, conditions.
const char* kRichV2 = R"({
  "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
  "metadata": {"name": "web", "namespace": "default", "annotations": {"team": "a"}},
  "spec": {
    "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
    "minReplicas": 2, "maxReplicas": 10,
    "metrics": [
      {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 60}}},
      {"type": "Resource", "resource": {"name": "memory", "target": {"type": "AverageValue", "averageValue": "500Mi"}}},
      {"type": "Pods", "pods": {"metric": {"name": "qps"}, "target": {"type": "AverageValue", "averageValue": "1k"}}}
    ],
    "behavior": {"scaleUp": {"stabilizationWindowSeconds": 0, "selectPolicy": "Max",
                             "policies": [{"type": "Pods", "value": 4, "periodSeconds": 15}]}}
  },
  "status": {
    "observedGeneration": 3, "currentReplicas": 2, "desiredReplicas": 3,
    "currentMetrics": [
      {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 75, "averageValue": "150m"}}},
      {"type": "Pods", "pods": {"metric": {"name": "qps"}, "current": {"averageValue": "800"}}}
    ],
    "conditions": [{"type": "AbleToScale", "status": "True", "reason": "ReadyForNewScale"}]
  }
})";

}  // namespace

TEST(HpaConversion, V1CpuTargetBecomesAV2ResourceMetric) {
  boost::json::object v2 = hpa_v1_to_v2(j(R"({
    "apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
    "metadata": {"name": "d1", "namespace": "default"},
    "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "d1"},
             "minReplicas": 1, "maxReplicas": 5, "targetCPUUtilizationPercentage": 80},
    "status": {"currentReplicas": 0, "desiredReplicas": 0, "currentCPUUtilizationPercentage": 42}
  })"));
  EXPECT_EQ(v2.at("apiVersion"), "autoscaling/v2");
  EXPECT_EQ(v2.at("spec"), boost::json::parse(R"({
    "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "d1"},
    "minReplicas": 1, "maxReplicas": 5,
    "metrics": [{"type": "Resource",
                 "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}]})"));
  // currentReplicas 0 is omitted in v2 (omitempty); desiredReplicas is not.
  EXPECT_EQ(v2.at("status"), boost::json::parse(R"({"desiredReplicas": 0, "currentMetrics": [
    {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 42}}}]})"));
  EXPECT_FALSE(v2.at("metadata").as_object().contains("annotations"));
}

TEST(HpaConversion, V1WithoutTargetGetsKubesDefaultOf80PercentCpu) {
  boost::json::object v2 = hpa_v1_to_v2(j(R"({"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
    "metadata": {"name": "d1"}, "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "d1"}, "maxReplicas": 3}})"));
  EXPECT_EQ(v2.at("spec").at("metrics"), boost::json::parse(R"([{"type": "Resource",
    "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}])"));
  EXPECT_FALSE(v2.contains("status"));
}

TEST(HpaConversion, V2ToV1KeepsWhatV1CannotSayInAnnotations) {
  boost::json::object v1 = hpa_v2_to_v1(j(kRichV2));
  EXPECT_EQ(v1.at("apiVersion"), "autoscaling/v1");
  EXPECT_EQ(v1.at("spec"), boost::json::parse(R"({
    "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
    "minReplicas": 2, "maxReplicas": 10, "targetCPUUtilizationPercentage": 60})"));
  EXPECT_EQ(v1.at("status"), boost::json::parse(R"({"currentReplicas": 2, "desiredReplicas": 3,
    "observedGeneration": 3, "currentCPUUtilizationPercentage": 75})"));
  EXPECT_EQ(v1.at("metadata").at("annotations").at("team"), "a");
  // The metrics other than the CPU utilization target, in v1's (v2beta1-shaped) MetricSpec.
  EXPECT_EQ(annotation_json(v1, kHpaMetricsAnnotation), boost::json::parse(R"([
    {"type": "Resource", "resource": {"name": "memory", "targetAverageValue": "500Mi"}},
    {"type": "Pods", "pods": {"metricName": "qps", "targetAverageValue": "1k"}}])"));
  EXPECT_EQ(annotation_json(v1, kHpaCurrentMetricsAnnotation), boost::json::parse(R"([
    {"type": "Resource", "resource": {"name": "cpu", "currentAverageUtilization": 75, "currentAverageValue": "150m"}},
    {"type": "Pods", "pods": {"metricName": "qps", "currentAverageValue": "800"}}])"));
  EXPECT_EQ(annotation_json(v1, kHpaConditionsAnnotation),
            boost::json::parse(R"([{"type": "AbleToScale", "status": "True", "reason": "ReadyForNewScale"}])"));
  // kube marshals its internal behavior type, which has no JSON tags.
  EXPECT_EQ(annotation_json(v1, kHpaBehaviorAnnotation), boost::json::parse(R"({"ScaleUp":
    {"StabilizationWindowSeconds": 0, "SelectPolicy": "Max",
     "Policies": [{"Type": "Pods", "Value": 4, "PeriodSeconds": 15}]}})"));
}

TEST(HpaConversion, V1RoundTripKeepsEveryV2Field) {
  boost::json::object original = j(kRichV2);
  boost::json::object back = hpa_v1_to_v2(hpa_v2_to_v1(original));
  EXPECT_EQ(back.at("metadata"), original.at("metadata"));
  EXPECT_EQ(back.at("status"), original.at("status"));
  EXPECT_EQ(back.at("spec").at("behavior"), original.at("spec").at("behavior"));
  // As in kube, the CPU utilization target comes back after the metrics the annotation kept.
  const auto& metrics = original.at("spec").at("metrics").as_array();
  EXPECT_EQ(back.at("spec").at("metrics"), (boost::json::array{metrics[1], metrics[2], metrics[0]}));
}

TEST(HpaConversion, EveryMetricSourceSurvivesTheRoundTrip) {
  boost::json::object original = j(R"({
    "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "m"},
    "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "m"}, "maxReplicas": 4, "metrics": [
      {"type": "Object", "object": {"describedObject": {"apiVersion": "v1", "kind": "Service", "name": "s"},
        "metric": {"name": "rps", "selector": {"matchLabels": {"a": "b"}}}, "target": {"type": "Value", "value": "10"}}},
      {"type": "External", "external": {"metric": {"name": "queue"},
        "target": {"type": "AverageValue", "averageValue": "30"}}},
      {"type": "ContainerResource", "containerResource": {"name": "cpu", "container": "app",
        "target": {"type": "Utilization", "averageUtilization": 50}}},
      {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "AverageValue", "averageValue": "200m"}}}]},
    "status": {"desiredReplicas": 1, "currentMetrics": [
      {"type": "Object", "object": {"describedObject": {"kind": "Service", "name": "s"}, "metric": {"name": "rps"},
        "current": {"value": "7"}}},
      {"type": "External", "external": {"metric": {"name": "queue"}, "current": {"value": "1", "averageValue": "3"}}}]}
  })");
  boost::json::object v1 = hpa_v2_to_v1(original);
  // A CPU target by value is not v1's targetCPUUtilizationPercentage.
  EXPECT_FALSE(v1.at("spec").as_object().contains("targetCPUUtilizationPercentage"));
  EXPECT_EQ(annotation_json(v1, kHpaMetricsAnnotation).at(0), boost::json::parse(R"({"type": "Object",
    "object": {"target": {"apiVersion": "v1", "kind": "Service", "name": "s"}, "metricName": "rps",
               "selector": {"matchLabels": {"a": "b"}}, "targetValue": "10"}})"));
  boost::json::object back = hpa_v1_to_v2(v1);
  EXPECT_EQ(back.at("spec").at("metrics"), original.at("spec").at("metrics"));
  EXPECT_EQ(back.at("status"), original.at("status"));
}

TEST(HpaConversion, MalformedAnnotationIsABadRequest) {
  boost::json::object v1 = j(R"({"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
    "metadata": {"name": "x", "annotations": {"autoscaling.alpha.kubernetes.io/metrics": "[{"}},
    "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "x"}, "maxReplicas": 2}})");
  try {
    hpa_v1_to_v2(v1);
    FAIL() << "a malformed annotation converted";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.http_code(), 400);
    EXPECT_NE(std::string(e.what()).find(kHpaMetricsAnnotation), std::string::npos) << e.what();
  }
}

TEST(HpaConversion, V2WritesAndV1ReadsIgnoreStaleRoundTripAnnotations) {
  const ResourceType& v2 = *find_resource("autoscaling", "v2", "horizontalpodautoscalers");
  boost::json::object written = j(R"({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
    "metadata": {"name": "s", "annotations": {"autoscaling.alpha.kubernetes.io/metrics": "[]",
                                              "autoscaling.alpha.kubernetes.io/conditions": "[]"}},
    "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "s"}, "maxReplicas": 2}})");
  boost::json::object stored = to_storage_version(v2, written);
  EXPECT_FALSE(stored.at("metadata").as_object().contains("annotations"));
  // A v1 reader sees annotations made from the fields only, never a stale one.
  boost::json::object v1 = hpa_v2_to_v1(written);
  EXPECT_FALSE(v1.at("metadata").as_object().contains("annotations"));
}

TEST(VersionConversion, AutoscalingV1IsServedFromTheV2Storage) {
  const ResourceType* v1 = find_resource("autoscaling", "v1", "horizontalpodautoscalers");
  const ResourceType* v2 = find_resource("autoscaling", "v2", "horizontalpodautoscalers");
  ASSERT_NE(v1, nullptr);
  ASSERT_NE(v2, nullptr);
  EXPECT_EQ(&storage_type(*v1), v2);
  EXPECT_EQ(&storage_type(*v2), v2);
  EXPECT_EQ(v1->key("default", "web"), v2->key("default", "web"));
  boost::json::object stored = j(kRichV2);
  EXPECT_EQ(to_served_version(*v2, stored), stored);
  boost::json::object served = to_served_version(*v1, stored);
  EXPECT_EQ(served.at("apiVersion"), "autoscaling/v1");
  // Already in the served version: unchanged (a watch's initial list is converted once).
  EXPECT_EQ(to_served_version(*v1, served), served);
  EXPECT_EQ(to_storage_version(*v1, served).at("apiVersion"), "autoscaling/v2");
  // The other kinds have one version: nothing is converted.
  const ResourceType* pods = find_resource("", "v1", "pods");
  boost::json::object pod = j(R"({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}})");
  EXPECT_EQ(to_storage_version(*pods, pod), pod);
}

// Protobuf field tables: HorizontalPodAutoscaler v1 and v2 with metrics and behavior (autoscaling).
#include "protobuf_schema.h"

namespace skiff::apiserver::protobuf {

const std::vector<ProtoMessage>& autoscaling_messages() {
  using enum FieldKind;
  using enum FieldLabel;
  static const std::vector<ProtoMessage> messages = {
      {"k8s.io.api.autoscaling.v1.CrossVersionObjectReference",
       {
           {1, "kind", string_value},
           {2, "name", string_value},
           {3, "apiVersion", string_value},
       }},
      {"k8s.io.api.autoscaling.v1.HorizontalPodAutoscaler",
       {
           {1, "metadata", message, zero_omitted, "k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta"},
           {2, "spec", message, zero_omitted, "k8s.io.api.autoscaling.v1.HorizontalPodAutoscalerSpec"},
           {3, "status", message, zero_omitted, "k8s.io.api.autoscaling.v1.HorizontalPodAutoscalerStatus"},
       }},
      {"k8s.io.api.autoscaling.v1.HorizontalPodAutoscalerSpec",
       {
           {1, "scaleTargetRef", message, zero_omitted, "k8s.io.api.autoscaling.v1.CrossVersionObjectReference"},
           {2, "minReplicas", int32_value, zero_kept},
           {3, "maxReplicas", int32_value, zero_kept},
           {4, "targetCPUUtilizationPercentage", int32_value, zero_kept},
       }},
      {"k8s.io.api.autoscaling.v1.HorizontalPodAutoscalerStatus",
       {
           {1, "observedGeneration", int64_value, zero_kept},
           {2, "lastScaleTime", time},
           {3, "currentReplicas", int32_value, zero_kept},
           {4, "desiredReplicas", int32_value, zero_kept},
           {5, "currentCPUUtilizationPercentage", int32_value, zero_kept},
       }},
      {"k8s.io.api.autoscaling.v2.ContainerResourceMetricSource",
       {
           {1, "name", string_value},
           {2, "target", message, zero_omitted, "k8s.io.api.autoscaling.v2.MetricTarget"},
           {3, "container", string_value},
       }},
      {"k8s.io.api.autoscaling.v2.ContainerResourceMetricStatus",
       {
           {1, "name", string_value},
           {2, "current", message, zero_omitted, "k8s.io.api.autoscaling.v2.MetricValueStatus"},
           {3, "container", string_value},
       }},
      {"k8s.io.api.autoscaling.v2.CrossVersionObjectReference",
       {
           {1, "kind", string_value},
           {2, "name", string_value},
           {3, "apiVersion", string_value},
       }},
      {"k8s.io.api.autoscaling.v2.ExternalMetricSource",
       {
           {1, "metric", message, zero_omitted, "k8s.io.api.autoscaling.v2.MetricIdentifier"},
           {2, "target", message, zero_omitted, "k8s.io.api.autoscaling.v2.MetricTarget"},
       }},
      {"k8s.io.api.autoscaling.v2.ExternalMetricStatus",
       {
           {1, "metric", message, zero_omitted, "k8s.io.api.autoscaling.v2.MetricIdentifier"},
           {2, "current", message, zero_omitted, "k8s.io.api.autoscaling.v2.MetricValueStatus"},
       }},
      {"k8s.io.api.autoscaling.v2.HPAScalingPolicy",
       {
           {1, "type", string_value},
           {2, "value", int32_value, zero_kept},
           {3, "periodSeconds", int32_value, zero_kept},
       }},
      {"k8s.io.api.autoscaling.v2.HPAScalingRules",
       {
           {3, "stabilizationWindowSeconds", int32_value, zero_kept},
           {1, "selectPolicy", string_value},
           {2, "policies", message, repeated, "k8s.io.api.autoscaling.v2.HPAScalingPolicy"},
       }},
      {"k8s.io.api.autoscaling.v2.HorizontalPodAutoscaler",
       {
           {1, "metadata", message, zero_omitted, "k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta"},
           {2, "spec", message, zero_omitted, "k8s.io.api.autoscaling.v2.HorizontalPodAutoscalerSpec"},
           {3, "status", message, zero_omitted, "k8s.io.api.autoscaling.v2.HorizontalPodAutoscalerStatus"},
       }},
      {"k8s.io.api.autoscaling.v2.HorizontalPodAutoscalerBehavior",
       {
           {1, "scaleUp", message, zero_omitted, "k8s.io.api.autoscaling.v2.HPAScalingRules"},
           {2, "scaleDown", message, zero_omitted, "k8s.io.api.autoscaling.v2.HPAScalingRules"},
       }},
      {"k8s.io.api.autoscaling.v2.HorizontalPodAutoscalerCondition",
       {
           {1, "type", string_value},
           {2, "status", string_value},
           {3, "lastTransitionTime", time},
           {4, "reason", string_value},
           {5, "message", string_value},
       }},
      {"k8s.io.api.autoscaling.v2.HorizontalPodAutoscalerSpec",
       {
           {1, "scaleTargetRef", message, zero_omitted, "k8s.io.api.autoscaling.v2.CrossVersionObjectReference"},
           {2, "minReplicas", int32_value, zero_kept},
           {3, "maxReplicas", int32_value, zero_kept},
           {4, "metrics", message, repeated, "k8s.io.api.autoscaling.v2.MetricSpec"},
           {5, "behavior", message, zero_omitted, "k8s.io.api.autoscaling.v2.HorizontalPodAutoscalerBehavior"},
       }},
      {"k8s.io.api.autoscaling.v2.HorizontalPodAutoscalerStatus",
       {
           {1, "observedGeneration", int64_value, zero_kept},
           {2, "lastScaleTime", time},
           {3, "currentReplicas", int32_value},
           {4, "desiredReplicas", int32_value, zero_kept},
           {5, "currentMetrics", message, repeated, "k8s.io.api.autoscaling.v2.MetricStatus"},
           {6, "conditions", message, repeated, "k8s.io.api.autoscaling.v2.HorizontalPodAutoscalerCondition"},
       }},
      {"k8s.io.api.autoscaling.v2.MetricIdentifier",
       {
           {1, "name", string_value},
           {2, "selector", message, zero_omitted, "k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector"},
       }},
      {"k8s.io.api.autoscaling.v2.MetricSpec",
       {
           {1, "type", string_value},
           {2, "object", message, zero_omitted, "k8s.io.api.autoscaling.v2.ObjectMetricSource"},
           {3, "pods", message, zero_omitted, "k8s.io.api.autoscaling.v2.PodsMetricSource"},
           {4, "resource", message, zero_omitted, "k8s.io.api.autoscaling.v2.ResourceMetricSource"},
           {7, "containerResource", message, zero_omitted, "k8s.io.api.autoscaling.v2.ContainerResourceMetricSource"},
           {5, "external", message, zero_omitted, "k8s.io.api.autoscaling.v2.ExternalMetricSource"},
       }},
      {"k8s.io.api.autoscaling.v2.MetricStatus",
       {
           {1, "type", string_value},
           {2, "object", message, zero_omitted, "k8s.io.api.autoscaling.v2.ObjectMetricStatus"},
           {3, "pods", message, zero_omitted, "k8s.io.api.autoscaling.v2.PodsMetricStatus"},
           {4, "resource", message, zero_omitted, "k8s.io.api.autoscaling.v2.ResourceMetricStatus"},
           {7, "containerResource", message, zero_omitted, "k8s.io.api.autoscaling.v2.ContainerResourceMetricStatus"},
           {5, "external", message, zero_omitted, "k8s.io.api.autoscaling.v2.ExternalMetricStatus"},
       }},
      {"k8s.io.api.autoscaling.v2.MetricTarget",
       {
           {1, "type", string_value},
           {2, "value", quantity},
           {3, "averageValue", quantity},
           {4, "averageUtilization", int32_value, zero_kept},
       }},
      {"k8s.io.api.autoscaling.v2.MetricValueStatus",
       {
           {1, "value", quantity},
           {2, "averageValue", quantity},
           {3, "averageUtilization", int32_value, zero_kept},
       }},
      {"k8s.io.api.autoscaling.v2.ObjectMetricSource",
       {
           {1, "describedObject", message, zero_omitted, "k8s.io.api.autoscaling.v2.CrossVersionObjectReference"},
           {2, "target", message, zero_omitted, "k8s.io.api.autoscaling.v2.MetricTarget"},
           {3, "metric", message, zero_omitted, "k8s.io.api.autoscaling.v2.MetricIdentifier"},
       }},
      {"k8s.io.api.autoscaling.v2.ObjectMetricStatus",
       {
           {1, "metric", message, zero_omitted, "k8s.io.api.autoscaling.v2.MetricIdentifier"},
           {2, "current", message, zero_omitted, "k8s.io.api.autoscaling.v2.MetricValueStatus"},
           {3, "describedObject", message, zero_omitted, "k8s.io.api.autoscaling.v2.CrossVersionObjectReference"},
       }},
      {"k8s.io.api.autoscaling.v2.PodsMetricSource",
       {
           {1, "metric", message, zero_omitted, "k8s.io.api.autoscaling.v2.MetricIdentifier"},
           {2, "target", message, zero_omitted, "k8s.io.api.autoscaling.v2.MetricTarget"},
       }},
      {"k8s.io.api.autoscaling.v2.PodsMetricStatus",
       {
           {1, "metric", message, zero_omitted, "k8s.io.api.autoscaling.v2.MetricIdentifier"},
           {2, "current", message, zero_omitted, "k8s.io.api.autoscaling.v2.MetricValueStatus"},
       }},
      {"k8s.io.api.autoscaling.v2.ResourceMetricSource",
       {
           {1, "name", string_value},
           {2, "target", message, zero_omitted, "k8s.io.api.autoscaling.v2.MetricTarget"},
       }},
      {"k8s.io.api.autoscaling.v2.ResourceMetricStatus",
       {
           {1, "name", string_value},
           {2, "current", message, zero_omitted, "k8s.io.api.autoscaling.v2.MetricValueStatus"},
       }},
  };
  return messages;
}

}  // namespace skiff::apiserver::protobuf

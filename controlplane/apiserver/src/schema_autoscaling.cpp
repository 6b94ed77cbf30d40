// Schemas of autoscaling/v2 HorizontalPodAutoscaler and of its autoscaling/v1 form (k8s.io/api/autoscaling/v2
// and v1 as of Kubernetes 1.32).
#include "schema_sources.h"

namespace skiff::apiserver {

std::string_view autoscaling_schema_source() {
  return R"(
package io.k8s.api.autoscaling.v2
HorizontalPodAutoscaler kind=autoscaling/v2/HorizontalPodAutoscaler: HorizontalPodAutoscaler is the configuration for a horizontal pod autoscaler, which automatically manages the replica count of any resource implementing the scale subresource based on the metrics specified.
  spec HorizontalPodAutoscalerSpec: spec is the specification for the behaviour of the autoscaler.
  status HorizontalPodAutoscalerStatus: status is the current information about the autoscaler.
HorizontalPodAutoscalerSpec: HorizontalPodAutoscalerSpec describes the desired functionality of the HorizontalPodAutoscaler.
  behavior HorizontalPodAutoscalerBehavior: behavior configures the scaling behavior of the target in both Up and Down directions (scaleUp and scaleDown fields respectively).
  maxReplicas integer required: maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up. It cannot be less that minReplicas.
  metrics []MetricSpec: metrics contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used).
  minReplicas integer: minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down. It defaults to 1 pod.
  scaleTargetRef CrossVersionObjectReference required: scaleTargetRef points to the target resource to scale, and is used to the pods for which metrics should be collected, as well as to actually change the replica count.
CrossVersionObjectReference: CrossVersionObjectReference contains enough information to let you identify the referred resource.
  apiVersion string: apiVersion is the API version of the referent
  kind string required: kind is the kind of the referent
  name string required: name is the name of the referent
MetricSpec: MetricSpec specifies how to scale based on a single metric (only `type` and one other matching field should be set at once).
  containerResource ContainerResourceMetricSource: containerResource refers to a resource metric (such as those specified in requests and limits) known to Kubernetes describing a single container in each pod of the current scale target (e.g. CPU or memory).
  external ExternalMetricSource: external refers to a global metric that is not associated with any Kubernetes object.
  object ObjectMetricSource: object refers to a metric describing a single kubernetes object (for example, hits-per-second on an Ingress object).
  pods PodsMetricSource: pods refers to a metric describing each pod in the current scale target (for example, transactions-processed-per-second).
  resource ResourceMetricSource: resource refers to a resource metric (such as those specified in requests and limits) known to Kubernetes describing each pod in the current scale target (e.g. CPU or memory).
  type string required: type is the type of metric source. It should be one of "ContainerResource", "External", "Object", "Pods" or "Resource", each mapping to a matching field in the object.
ContainerResourceMetricSource: ContainerResourceMetricSource indicates how to scale on a resource metric known to Kubernetes of a single container in each pod.
  container string required: container is the name of the container in the pods of the scaling target
  name string required: name is the name of the resource in question.
  target MetricTarget required: target specifies the target value for the given metric
ExternalMetricSource: ExternalMetricSource indicates how to scale on a metric not associated with any Kubernetes object.
  metric MetricIdentifier required: metric identifies the target metric by name and selector
  target MetricTarget required: target specifies the target value for the given metric
ObjectMetricSource: ObjectMetricSource indicates how to scale on a metric describing a kubernetes object.
  describedObject CrossVersionObjectReference required: describedObject specifies the descriptions of a object,such as kind,name apiVersion
  metric MetricIdentifier required: metric identifies the target metric by name and selector
  target MetricTarget required: target specifies the target value for the given metric
PodsMetricSource: PodsMetricSource indicates how to scale on a metric describing each pod in the current scale target.
  metric MetricIdentifier required: metric identifies the target metric by name and selector
  target MetricTarget required: target specifies the target value for the given metric
ResourceMetricSource: ResourceMetricSource indicates how to scale on a resource metric known to Kubernetes, as specified in requests and limits, describing each pod in the current scale target (e.g. CPU or memory).
  name string required: name is the name of the resource in question.
  target MetricTarget required: target specifies the target value for the given metric
MetricIdentifier: MetricIdentifier defines the name and optionally selector for a metric
  name string required: name is the name of the given metric
  selector LabelSelector: selector is the string-encoded form of a standard kubernetes label selector for the given metric.
MetricTarget: MetricTarget defines the target value, average value, or average utilization of a specific metric
  averageUtilization integer: averageUtilization is the target value of the average of the resource metric across all relevant pods, represented as a percentage of the requested value of the resource for the pods.
  averageValue Quantity: averageValue is the target value of the average of the metric across all relevant pods (as a quantity)
  type string required: type represents whether the metric type is Utilization, Value, or AverageValue
  value Quantity: value is the target value of the metric (as a quantity).
HorizontalPodAutoscalerBehavior: HorizontalPodAutoscalerBehavior configures the scaling behavior of the target in both Up and Down directions (scaleUp and scaleDown fields respectively).
  scaleDown HPAScalingRules: scaleDown is scaling policy for scaling Down. If not set, the default value is to allow to scale down to minReplicas pods, with a 300 second stabilization window.
  scaleUp HPAScalingRules: scaleUp is scaling policy for scaling Up.
HPAScalingRules: HPAScalingRules configures the scaling behavior for one direction.
  policies []HPAScalingPolicy: policies is a list of potential scaling polices which can be used during scaling.
  selectPolicy string: selectPolicy is used to specify which policy should be used. If not set, the default value Max is used.
  stabilizationWindowSeconds integer: stabilizationWindowSeconds is the number of seconds for which past recommendations should be considered while scaling up or scaling down.
HPAScalingPolicy: HPAScalingPolicy is a single policy which must hold true for a specified past interval.
  periodSeconds integer required: periodSeconds specifies the window of time for which the policy should hold true.
  type string required: type is used to specify the scaling policy.
  value integer required: value contains the amount of change which is permitted by the policy. It must be greater than zero
HorizontalPodAutoscalerStatus: HorizontalPodAutoscalerStatus describes the current status of a horizontal pod autoscaler.
  conditions []HorizontalPodAutoscalerCondition merge=type strategy=merge keys=type: conditions is the set of conditions required for this autoscaler to scale its target, and indicates whether or not those conditions are met.
  currentMetrics []MetricStatus: currentMetrics is the last read state of the metrics used by this autoscaler.
  currentReplicas integer: currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler.
  desiredReplicas integer required: desiredReplicas is the desired number of replicas of pods managed by this autoscaler, as last calculated by the autoscaler.
  lastScaleTime Time: lastScaleTime is the last time the HorizontalPodAutoscaler scaled the number of pods, used by the autoscaler to control how often the number of pods is changed.
  observedGeneration long: observedGeneration is the most recent generation observed by this autoscaler.
HorizontalPodAutoscalerCondition: HorizontalPodAutoscalerCondition describes the state of a HorizontalPodAutoscaler at a certain point.
  lastTransitionTime Time: lastTransitionTime is the last time the condition transitioned from one status to another
  message string: message is a human-readable explanation containing details about the transition
  reason string: reason is the reason for the condition's last transition.
  status string required: status is the status of the condition (True, False, Unknown)
  type string required: type describes the current condition
MetricStatus: MetricStatus describes the last-read state of a single metric.
  containerResource ContainerResourceMetricStatus: container resource refers to a resource metric (such as those specified in requests and limits) known to Kubernetes describing a single container in each pod in the current scale target.
  external ExternalMetricStatus: external refers to a global metric that is not associated with any Kubernetes object.
  object ObjectMetricStatus: object refers to a metric describing a single kubernetes object (for example, hits-per-second on an Ingress object).
  pods PodsMetricStatus: pods refers to a metric describing each pod in the current scale target (for example, transactions-processed-per-second).
  resource ResourceMetricStatus: resource refers to a resource metric (such as those specified in requests and limits) known to Kubernetes describing each pod in the current scale target (e.g. CPU or memory).
  type string required: type is the type of metric source. It will be one of "ContainerResource", "External", "Object", "Pods" or "Resource", each corresponds to a matching field in the object.
ContainerResourceMetricStatus: ContainerResourceMetricStatus indicates the current value of a resource metric known to Kubernetes of a single container in each pod.
  container string required: container is the name of the container in the pods of the scaling target
  current MetricValueStatus required: current contains the current value for the given metric
  name string required: name is the name of the resource in question.
ExternalMetricStatus: ExternalMetricStatus indicates the current value of a global metric not associated with any Kubernetes object.
  current MetricValueStatus required: current contains the current value for the given metric
  metric MetricIdentifier required: metric identifies the target metric by name and selector
ObjectMetricStatus: ObjectMetricStatus indicates the current value of a metric describing a kubernetes object (for example, hits-per-second on an Ingress object).
  current MetricValueStatus required: current contains the current value for the given metric
  describedObject CrossVersionObjectReference required: DescribedObject specifies the descriptions of a object,such as kind,name apiVersion
  metric MetricIdentifier required: metric identifies the target metric by name and selector
PodsMetricStatus: PodsMetricStatus indicates the current value of a metric describing each pod in the current scale target (for example, transactions-processed-per-second).
  current MetricValueStatus required: current contains the current value for the given metric
  metric MetricIdentifier required: metric identifies the target metric by name and selector
ResourceMetricStatus: ResourceMetricStatus indicates the current value of a resource metric known to Kubernetes, as specified in requests and limits, describing each pod in the current scale target (e.g. CPU or memory).
  current MetricValueStatus required: current contains the current value for the given metric
  name string required: name is the name of the resource in question.
MetricValueStatus: MetricValueStatus holds the current value for a metric
  averageUtilization integer: currentAverageUtilization is the current value of the average of the resource metric across all relevant pods, represented as a percentage of the requested value of the resource for the pods.
  averageValue Quantity: averageValue is the current value of the average of the metric across all relevant pods (as a quantity)
  value Quantity: value is the current value of the metric (as a quantity).
package io.k8s.api.autoscaling.v1
HorizontalPodAutoscaler kind=autoscaling/v1/HorizontalPodAutoscaler: configuration of a horizontal pod autoscaler.
  spec HorizontalPodAutoscalerSpec: spec defines the behaviour of autoscaler. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status.
  status HorizontalPodAutoscalerStatus: status is the current information about the autoscaler.
HorizontalPodAutoscalerSpec: specification of a horizontal pod autoscaler.
  maxReplicas integer required: maxReplicas is the upper limit for the number of pods that can be set by the autoscaler; cannot be smaller than MinReplicas.
  minReplicas integer: minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.  It defaults to 1 pod.  minReplicas is allowed to be 0 if the alpha feature gate HPAScaleToZero is enabled and at least one Object or External metric is configured.  Scaling is active as long as at least one metric value is available.
  scaleTargetRef CrossVersionObjectReference required: reference to scaled resource; horizontal pod autoscaler will learn the current resource consumption and will set the desired number of pods by using its Scale subresource.
  targetCPUUtilizationPercentage integer: targetCPUUtilizationPercentage is the target average CPU utilization (represented as a percentage of requested CPU) over all the pods; if not specified the default autoscaling policy will be used.
CrossVersionObjectReference: CrossVersionObjectReference contains enough information to let you identify the referred resource.
  apiVersion string: apiVersion is the API version of the referent
  kind string required: kind is the kind of the referent; More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds
  name string required: name is the name of the referent; More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#names
HorizontalPodAutoscalerStatus: current status of a horizontal pod autoscaler
  currentCPUUtilizationPercentage integer: currentCPUUtilizationPercentage is the current average CPU utilization over all pods, represented as a percentage of requested CPU, e.g. 70 means that an average pod is using now 70% of its requested CPU.
  currentReplicas integer required: currentReplicas is the current number of replicas of pods managed by this autoscaler.
  desiredReplicas integer required: desiredReplicas is the  desired number of replicas of pods managed by this autoscaler.
  lastScaleTime Time: lastScaleTime is the last time the HorizontalPodAutoscaler scaled the number of pods; used by the autoscaler to control how often the number of pods is changed.
  observedGeneration long: observedGeneration is the most recent generation observed by this autoscaler.
)";
}

}  // namespace skiff::apiserver

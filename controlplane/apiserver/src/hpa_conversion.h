// HorizontalPodAutoscaler between autoscaling/v2 (the stored version) and autoscaling/v1, as
// Kubernetes converts it (pkg/apis/autoscaling/v1/conversion.go): v1 has one CPU utilization
// target, and what it cannot say travels in annotations so that a v1 round trip keeps it.
#pragma once

#include <boost/json.hpp>

namespace skiff::apiserver {

// The metrics other than the CPU utilization target, as v1 (v2beta1-shaped) MetricSpecs.
inline constexpr const char* kHpaMetricsAnnotation = "autoscaling.alpha.kubernetes.io/metrics";
// status.currentMetrics, as v1 MetricStatuses.
inline constexpr const char* kHpaCurrentMetricsAnnotation = "autoscaling.alpha.kubernetes.io/current-metrics";
// status.conditions.
inline constexpr const char* kHpaConditionsAnnotation = "autoscaling.alpha.kubernetes.io/conditions";
// spec.behavior, with the Go field names kube's internal type marshals to (ScaleUp, Policies ...).
inline constexpr const char* kHpaBehaviorAnnotation = "autoscaling.alpha.kubernetes.io/behavior";

// Removes the four annotations above from an HPA's metadata (and annotations when it empties).
void drop_hpa_round_trip_annotations(boost::json::object& hpa);
// The autoscaling/v1 form of an autoscaling/v2 HorizontalPodAutoscaler.
boost::json::object hpa_v2_to_v1(const boost::json::object& v2);
// The autoscaling/v2 form of an autoscaling/v1 HorizontalPodAutoscaler; the annotations above are
// taken back into the fields they came from. A malformed annotation is a 400 ApiError naming it.
boost::json::object hpa_v1_to_v2(const boost::json::object& v1);

}  // namespace skiff::apiserver

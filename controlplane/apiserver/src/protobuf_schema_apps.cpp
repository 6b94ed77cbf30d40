// Protobuf field tables: Deployment, ReplicaSet and DaemonSet (apps/v1).
#include "protobuf_schema.h"

namespace skiff::apiserver::protobuf {

const std::vector<ProtoMessage>& apps_messages() {
  using enum FieldKind;
  using enum FieldLabel;
  static const std::vector<ProtoMessage> messages = {
      {"k8s.io.api.apps.v1.DaemonSet",
       {
           {1, "metadata", message, zero_omitted, "k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta"},
           {2, "spec", message, zero_omitted, "k8s.io.api.apps.v1.DaemonSetSpec"},
           {3, "status", message, zero_omitted, "k8s.io.api.apps.v1.DaemonSetStatus"},
       }},
      {"k8s.io.api.apps.v1.DaemonSetCondition",
       {
           {1, "type", string_value},
           {2, "status", string_value},
           {3, "lastTransitionTime", time},
           {4, "reason", string_value},
           {5, "message", string_value},
       }},
      {"k8s.io.api.apps.v1.DaemonSetSpec",
       {
           {1, "selector", message, zero_omitted, "k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector"},
           {2, "template", message, zero_omitted, "k8s.io.api.core.v1.PodTemplateSpec"},
           {3, "updateStrategy", message, zero_omitted, "k8s.io.api.apps.v1.DaemonSetUpdateStrategy"},
           {4, "minReadySeconds", int32_value},
           {6, "revisionHistoryLimit", int32_value, zero_kept},
       }},
      {"k8s.io.api.apps.v1.DaemonSetStatus",
       {
           {1, "currentNumberScheduled", int32_value, zero_kept},
           {2, "numberMisscheduled", int32_value, zero_kept},
           {3, "desiredNumberScheduled", int32_value, zero_kept},
           {4, "numberReady", int32_value, zero_kept},
           {5, "observedGeneration", int64_value},
           {6, "updatedNumberScheduled", int32_value},
           {7, "numberAvailable", int32_value},
           {8, "numberUnavailable", int32_value},
           {9, "collisionCount", int32_value, zero_kept},
           {10, "conditions", message, repeated, "k8s.io.api.apps.v1.DaemonSetCondition"},
       }},
      {"k8s.io.api.apps.v1.DaemonSetUpdateStrategy",
       {
           {1, "type", string_value},
           {2, "rollingUpdate", message, zero_omitted, "k8s.io.api.apps.v1.RollingUpdateDaemonSet"},
       }},
      {"k8s.io.api.apps.v1.Deployment",
       {
           {1, "metadata", message, zero_omitted, "k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta"},
           {2, "spec", message, zero_omitted, "k8s.io.api.apps.v1.DeploymentSpec"},
           {3, "status", message, zero_omitted, "k8s.io.api.apps.v1.DeploymentStatus"},
       }},
      {"k8s.io.api.apps.v1.DeploymentCondition",
       {
           {1, "type", string_value},
           {2, "status", string_value},
           {6, "lastUpdateTime", time},
           {7, "lastTransitionTime", time},
           {4, "reason", string_value},
           {5, "message", string_value},
       }},
      {"k8s.io.api.apps.v1.DeploymentSpec",
       {
           {1, "replicas", int32_value, zero_kept},
           {2, "selector", message, zero_omitted, "k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector"},
           {3, "template", message, zero_omitted, "k8s.io.api.core.v1.PodTemplateSpec"},
           {4, "strategy", message, zero_omitted, "k8s.io.api.apps.v1.DeploymentStrategy"},
           {5, "minReadySeconds", int32_value},
           {6, "revisionHistoryLimit", int32_value, zero_kept},
           {7, "paused", bool_value},
           {9, "progressDeadlineSeconds", int32_value, zero_kept},
       }},
      {"k8s.io.api.apps.v1.DeploymentStatus",
       {
           {1, "observedGeneration", int64_value},
           {2, "replicas", int32_value},
           {3, "updatedReplicas", int32_value},
           {7, "readyReplicas", int32_value},
           {4, "availableReplicas", int32_value},
           {5, "unavailableReplicas", int32_value},
           {6, "conditions", message, repeated, "k8s.io.api.apps.v1.DeploymentCondition"},
           {8, "collisionCount", int32_value, zero_kept},
       }},
      {"k8s.io.api.apps.v1.DeploymentStrategy",
       {
           {1, "type", string_value},
           {2, "rollingUpdate", message, zero_omitted, "k8s.io.api.apps.v1.RollingUpdateDeployment"},
       }},
      {"k8s.io.api.apps.v1.ReplicaSet",
       {
           {1, "metadata", message, zero_omitted, "k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta"},
           {2, "spec", message, zero_omitted, "k8s.io.api.apps.v1.ReplicaSetSpec"},
           {3, "status", message, zero_omitted, "k8s.io.api.apps.v1.ReplicaSetStatus"},
       }},
      {"k8s.io.api.apps.v1.ReplicaSetCondition",
       {
           {1, "type", string_value},
           {2, "status", string_value},
           {3, "lastTransitionTime", time},
           {4, "reason", string_value},
           {5, "message", string_value},
       }},
      {"k8s.io.api.apps.v1.ReplicaSetSpec",
       {
           {1, "replicas", int32_value, zero_kept},
           {4, "minReadySeconds", int32_value},
           {2, "selector", message, zero_omitted, "k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector"},
           {3, "template", message, zero_omitted, "k8s.io.api.core.v1.PodTemplateSpec"},
       }},
      {"k8s.io.api.apps.v1.ReplicaSetStatus",
       {
           {1, "replicas", int32_value, zero_kept},
           {2, "fullyLabeledReplicas", int32_value},
           {4, "readyReplicas", int32_value},
           {5, "availableReplicas", int32_value},
           {3, "observedGeneration", int64_value},
           {6, "conditions", message, repeated, "k8s.io.api.apps.v1.ReplicaSetCondition"},
       }},
      {"k8s.io.api.apps.v1.RollingUpdateDaemonSet",
       {
           {1, "maxUnavailable", int_or_string, zero_kept},
           {2, "maxSurge", int_or_string, zero_kept},
       }},
      {"k8s.io.api.apps.v1.RollingUpdateDeployment",
       {
           {1, "maxUnavailable", int_or_string, zero_kept},
           {2, "maxSurge", int_or_string, zero_kept},
       }},
  };
  return messages;
}

}  // namespace skiff::apiserver::protobuf

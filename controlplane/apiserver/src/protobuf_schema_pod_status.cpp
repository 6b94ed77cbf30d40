// Protobuf field tables: Pod and its status: container states and conditions (core/v1).
#include "protobuf_schema.h"

namespace skiff::apiserver::protobuf {

const std::vector<ProtoMessage>& pod_status_messages() {
  using enum FieldKind;
  using enum FieldLabel;
  static const std::vector<ProtoMessage> messages = {
      {"k8s.io.api.core.v1.ContainerState",
       {
           {1, "waiting", message, zero_omitted, "k8s.io.api.core.v1.ContainerStateWaiting"},
           {2, "running", message, zero_omitted, "k8s.io.api.core.v1.ContainerStateRunning"},
           {3, "terminated", message, zero_omitted, "k8s.io.api.core.v1.ContainerStateTerminated"},
       }},
      {"k8s.io.api.core.v1.ContainerStateRunning",
       {
           {1, "startedAt", time},
       }},
      {"k8s.io.api.core.v1.ContainerStateTerminated",
       {
           {1, "exitCode", int32_value, zero_kept},
           {2, "signal", int32_value},
           {3, "reason", string_value},
           {4, "message", string_value},
           {5, "startedAt", time},
           {6, "finishedAt", time},
           {7, "containerID", string_value},
       }},
      {"k8s.io.api.core.v1.ContainerStateWaiting",
       {
           {1, "reason", string_value},
           {2, "message", string_value},
       }},
      {"k8s.io.api.core.v1.ContainerStatus",
       {
           {1, "name", string_value},
           {2, "state", message, zero_omitted, "k8s.io.api.core.v1.ContainerState"},
           {3, "lastState", message, zero_omitted, "k8s.io.api.core.v1.ContainerState"},
           {4, "ready", bool_value, zero_kept},
           {5, "restartCount", int32_value, zero_kept},
           {6, "image", string_value},
           {7, "imageID", string_value},
           {8, "containerID", string_value},
           {9, "started", bool_value, zero_kept},
           {10, "allocatedResources", quantity_map},
           {11, "resources", message, zero_omitted, "k8s.io.api.core.v1.ResourceRequirements"},
           {12, "volumeMounts", message, repeated, "k8s.io.api.core.v1.VolumeMountStatus"},
           {13, "user", message, zero_omitted, "k8s.io.api.core.v1.ContainerUser"},
           {14, "allocatedResourcesStatus", message, repeated, "k8s.io.api.core.v1.ResourceStatus"},
       }},
      {"k8s.io.api.core.v1.ContainerUser",
       {
           {1, "linux", message, zero_omitted, "k8s.io.api.core.v1.LinuxContainerUser"},
       }},
      {"k8s.io.api.core.v1.HostIP",
       {
           {1, "ip", string_value},
       }},
      {"k8s.io.api.core.v1.LinuxContainerUser",
       {
           {1, "uid", int64_value, zero_kept},
           {2, "gid", int64_value, zero_kept},
           {3, "supplementalGroups", int64_value, repeated},
       }},
      {"k8s.io.api.core.v1.Pod",
       {
           {1, "metadata", message, zero_omitted, "k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta"},
           {2, "spec", message, zero_omitted, "k8s.io.api.core.v1.PodSpec"},
           {3, "status", message, zero_omitted, "k8s.io.api.core.v1.PodStatus"},
       }},
      {"k8s.io.api.core.v1.PodCondition",
       {
           {1, "type", string_value},
           {2, "status", string_value},
           {3, "lastProbeTime", time},
           {4, "lastTransitionTime", time},
           {5, "reason", string_value},
           {6, "message", string_value},
       }},
      {"k8s.io.api.core.v1.PodResourceClaimStatus",
       {
           {1, "name", string_value},
           {2, "resourceClaimName", string_value},
       }},
      {"k8s.io.api.core.v1.PodStatus",
       {
           {1, "phase", string_value},
           {2, "conditions", message, repeated, "k8s.io.api.core.v1.PodCondition"},
           {3, "message", string_value},
           {4, "reason", string_value},
           {11, "nominatedNodeName", string_value},
           {5, "hostIP", string_value},
           {16, "hostIPs", message, repeated, "k8s.io.api.core.v1.HostIP"},
           {6, "podIP", string_value},
           {12, "podIPs", message, repeated, "k8s.io.api.core.v1.PodIP"},
           {7, "startTime", time},
           {10, "initContainerStatuses", message, repeated, "k8s.io.api.core.v1.ContainerStatus"},
           {8, "containerStatuses", message, repeated, "k8s.io.api.core.v1.ContainerStatus"},
           {9, "qosClass", string_value},
           {13, "ephemeralContainerStatuses", message, repeated, "k8s.io.api.core.v1.ContainerStatus"},
           {14, "resize", string_value},
           {15, "resourceClaimStatuses", message, repeated, "k8s.io.api.core.v1.PodResourceClaimStatus"},
       }},
      {"k8s.io.api.core.v1.ResourceHealth",
       {
           {1, "resourceID", string_value},
           {2, "health", string_value},
       }},
      {"k8s.io.api.core.v1.ResourceStatus",
       {
           {1, "name", string_value},
           {2, "resources", message, repeated, "k8s.io.api.core.v1.ResourceHealth"},
       }},
  };
  return messages;
}

}  // namespace skiff::apiserver::protobuf

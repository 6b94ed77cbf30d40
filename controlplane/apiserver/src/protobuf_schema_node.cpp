// Protobuf field tables: Node, its spec and status, and node affinity selectors (core/v1).
#include "protobuf_schema.h"

namespace skiff::apiserver::protobuf {

const std::vector<ProtoMessage>& node_messages() {
  using enum FieldKind;
  using enum FieldLabel;
  static const std::vector<ProtoMessage> messages = {
      {"k8s.io.api.core.v1.ConfigMapNodeConfigSource",
       {
           {1, "namespace", string_value},
           {2, "name", string_value},
           {3, "uid", string_value},
           {4, "resourceVersion", string_value},
           {5, "kubeletConfigKey", string_value},
       }},
      {"k8s.io.api.core.v1.ContainerImage",
       {
           {1, "names", string_value, repeated},
           {2, "sizeBytes", int64_value},
       }},
      {"k8s.io.api.core.v1.DaemonEndpoint",
       {
           {1, "Port", int32_value, zero_kept},
       }},
      {"k8s.io.api.core.v1.Node",
       {
           {1, "metadata", message, zero_omitted, "k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta"},
           {2, "spec", message, zero_omitted, "k8s.io.api.core.v1.NodeSpec"},
           {3, "status", message, zero_omitted, "k8s.io.api.core.v1.NodeStatus"},
       }},
      {"k8s.io.api.core.v1.NodeAddress",
       {
           {1, "type", string_value},
           {2, "address", string_value},
       }},
      {"k8s.io.api.core.v1.NodeAffinity",
       {
           {1, "requiredDuringSchedulingIgnoredDuringExecution", message, zero_omitted,
            "k8s.io.api.core.v1.NodeSelector"},
           {2, "preferredDuringSchedulingIgnoredDuringExecution", message, repeated,
            "k8s.io.api.core.v1.PreferredSchedulingTerm"},
       }},
      {"k8s.io.api.core.v1.NodeCondition",
       {
           {1, "type", string_value},
           {2, "status", string_value},
           {3, "lastHeartbeatTime", time},
           {4, "lastTransitionTime", time},
           {5, "reason", string_value},
           {6, "message", string_value},
       }},
      {"k8s.io.api.core.v1.NodeConfigSource",
       {
           {2, "configMap", message, zero_omitted, "k8s.io.api.core.v1.ConfigMapNodeConfigSource"},
       }},
      {"k8s.io.api.core.v1.NodeConfigStatus",
       {
           {1, "assigned", message, zero_omitted, "k8s.io.api.core.v1.NodeConfigSource"},
           {2, "active", message, zero_omitted, "k8s.io.api.core.v1.NodeConfigSource"},
           {3, "lastKnownGood", message, zero_omitted, "k8s.io.api.core.v1.NodeConfigSource"},
           {4, "error", string_value},
       }},
      {"k8s.io.api.core.v1.NodeDaemonEndpoints",
       {
           {1, "kubeletEndpoint", message, zero_omitted, "k8s.io.api.core.v1.DaemonEndpoint"},
       }},
      {"k8s.io.api.core.v1.NodeFeatures",
       {
           {1, "supplementalGroupsPolicy", bool_value, zero_kept},
       }},
      {"k8s.io.api.core.v1.NodeRuntimeHandler",
       {
           {1, "name", string_value},
           {2, "features", message, zero_omitted, "k8s.io.api.core.v1.NodeRuntimeHandlerFeatures"},
       }},
      {"k8s.io.api.core.v1.NodeRuntimeHandlerFeatures",
       {
           {1, "recursiveReadOnlyMounts", bool_value, zero_kept},
           {2, "userNamespaces", bool_value, zero_kept},
       }},
      {"k8s.io.api.core.v1.NodeSelector",
       {
           {1, "nodeSelectorTerms", message, repeated, "k8s.io.api.core.v1.NodeSelectorTerm"},
       }},
      {"k8s.io.api.core.v1.NodeSelectorRequirement",
       {
           {1, "key", string_value},
           {2, "operator", string_value},
           {3, "values", string_value, repeated},
       }},
      {"k8s.io.api.core.v1.NodeSelectorTerm",
       {
           {1, "matchExpressions", message, repeated, "k8s.io.api.core.v1.NodeSelectorRequirement"},
           {2, "matchFields", message, repeated, "k8s.io.api.core.v1.NodeSelectorRequirement"},
       }},
      {"k8s.io.api.core.v1.NodeSpec",
       {
           {1, "podCIDR", string_value},
           {7, "podCIDRs", string_value, repeated},
           {3, "providerID", string_value},
           {4, "unschedulable", bool_value},
           {5, "taints", message, repeated, "k8s.io.api.core.v1.Taint"},
           {6, "configSource", message, zero_omitted, "k8s.io.api.core.v1.NodeConfigSource"},
           {2, "externalID", string_value},
       }},
      {"k8s.io.api.core.v1.NodeStatus",
       {
           {1, "capacity", quantity_map},
           {2, "allocatable", quantity_map},
           {3, "phase", string_value},
           {4, "conditions", message, repeated, "k8s.io.api.core.v1.NodeCondition"},
           {5, "addresses", message, repeated, "k8s.io.api.core.v1.NodeAddress"},
           {6, "daemonEndpoints", message, zero_omitted, "k8s.io.api.core.v1.NodeDaemonEndpoints"},
           {7, "nodeInfo", message, zero_omitted, "k8s.io.api.core.v1.NodeSystemInfo"},
           {8, "images", message, repeated, "k8s.io.api.core.v1.ContainerImage"},
           {9, "volumesInUse", string_value, repeated},
           {10, "volumesAttached", message, repeated, "k8s.io.api.core.v1.AttachedVolume"},
           {11, "config", message, zero_omitted, "k8s.io.api.core.v1.NodeConfigStatus"},
           {12, "runtimeHandlers", message, repeated, "k8s.io.api.core.v1.NodeRuntimeHandler"},
           {13, "features", message, zero_omitted, "k8s.io.api.core.v1.NodeFeatures"},
       }},
      {"k8s.io.api.core.v1.NodeSystemInfo",
       {
           {1, "machineID", string_value},
           {2, "systemUUID", string_value},
           {3, "bootID", string_value},
           {4, "kernelVersion", string_value},
           {5, "osImage", string_value},
           {6, "containerRuntimeVersion", string_value},
           {7, "kubeletVersion", string_value},
           {8, "kubeProxyVersion", string_value},
           {9, "operatingSystem", string_value},
           {10, "architecture", string_value},
       }},
      {"k8s.io.api.core.v1.Taint",
       {
           {1, "key", string_value},
           {2, "value", string_value},
           {3, "effect", string_value},
           {4, "timeAdded", time},
       }},
  };
  return messages;
}

}  // namespace skiff::apiserver::protobuf

// Protobuf field tables: Namespace, ConfigMap, Secret, ServiceAccount, Service, Endpoints, Event and references
// (core/v1).
#include "protobuf_schema.h"

namespace skiff::apiserver::protobuf {

const std::vector<ProtoMessage>& core_messages() {
  using enum FieldKind;
  using enum FieldLabel;
  static const std::vector<ProtoMessage> messages = {
      {"k8s.io.api.core.v1.ClientIPConfig",
       {
           {1, "timeoutSeconds", int32_value, zero_kept},
       }},
      {"k8s.io.api.core.v1.ConfigMap",
       {
           {1, "metadata", message, zero_omitted, "k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta"},
           {4, "immutable", bool_value, zero_kept},
           {2, "data", string_map},
           {3, "binaryData", bytes_map},
       }},
      {"k8s.io.api.core.v1.EndpointAddress",
       {
           {1, "ip", string_value},
           {3, "hostname", string_value},
           {4, "nodeName", string_value},
           {2, "targetRef", message, zero_omitted, "k8s.io.api.core.v1.ObjectReference"},
       }},
      {"k8s.io.api.core.v1.EndpointPort",
       {
           {1, "name", string_value},
           {2, "port", int32_value, zero_kept},
           {3, "protocol", string_value},
           {4, "appProtocol", string_value},
       }},
      {"k8s.io.api.core.v1.EndpointSubset",
       {
           {1, "addresses", message, repeated, "k8s.io.api.core.v1.EndpointAddress"},
           {2, "notReadyAddresses", message, repeated, "k8s.io.api.core.v1.EndpointAddress"},
           {3, "ports", message, repeated, "k8s.io.api.core.v1.EndpointPort"},
       }},
      {"k8s.io.api.core.v1.Endpoints",
       {
           {1, "metadata", message, zero_omitted, "k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta"},
           {2, "subsets", message, repeated, "k8s.io.api.core.v1.EndpointSubset"},
       }},
      {"k8s.io.api.core.v1.Event",
       {
           {1, "metadata", message, zero_omitted, "k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta"},
           {2, "involvedObject", message, zero_omitted, "k8s.io.api.core.v1.ObjectReference"},
           {3, "reason", string_value},
           {4, "message", string_value},
           {5, "source", message, zero_omitted, "k8s.io.api.core.v1.EventSource"},
           {6, "firstTimestamp", time},
           {7, "lastTimestamp", time},
           {8, "count", int32_value},
           {9, "type", string_value},
           {10, "eventTime", micro_time},
           {11, "series", message, zero_omitted, "k8s.io.api.core.v1.EventSeries"},
           {12, "action", string_value},
           {13, "related", message, zero_omitted, "k8s.io.api.core.v1.ObjectReference"},
           {14, "reportingComponent", string_value},
           {15, "reportingInstance", string_value},
       }},
      {"k8s.io.api.core.v1.EventSeries",
       {
           {1, "count", int32_value},
           {2, "lastObservedTime", micro_time},
       }},
      {"k8s.io.api.core.v1.EventSource",
       {
           {1, "component", string_value},
           {2, "host", string_value},
       }},
      {"k8s.io.api.core.v1.LoadBalancerIngress",
       {
           {1, "ip", string_value},
           {2, "hostname", string_value},
           {3, "ipMode", string_value},
           {4, "ports", message, repeated, "k8s.io.api.core.v1.PortStatus"},
       }},
      {"k8s.io.api.core.v1.LoadBalancerStatus",
       {
           {1, "ingress", message, repeated, "k8s.io.api.core.v1.LoadBalancerIngress"},
       }},
      {"k8s.io.api.core.v1.LocalObjectReference",
       {
           {1, "name", string_value},
       }},
      {"k8s.io.api.core.v1.Namespace",
       {
           {1, "metadata", message, zero_omitted, "k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta"},
           {2, "spec", message, zero_omitted, "k8s.io.api.core.v1.NamespaceSpec"},
           {3, "status", message, zero_omitted, "k8s.io.api.core.v1.NamespaceStatus"},
       }},
      {"k8s.io.api.core.v1.NamespaceCondition",
       {
           {1, "type", string_value},
           {2, "status", string_value},
           {4, "lastTransitionTime", time},
           {5, "reason", string_value},
           {6, "message", string_value},
       }},
      {"k8s.io.api.core.v1.NamespaceSpec",
       {
           {1, "finalizers", string_value, repeated},
       }},
      {"k8s.io.api.core.v1.NamespaceStatus",
       {
           {1, "phase", string_value},
           {2, "conditions", message, repeated, "k8s.io.api.core.v1.NamespaceCondition"},
       }},
      {"k8s.io.api.core.v1.ObjectReference",
       {
           {1, "kind", string_value},
           {2, "namespace", string_value},
           {3, "name", string_value},
           {4, "uid", string_value},
           {5, "apiVersion", string_value},
           {6, "resourceVersion", string_value},
           {7, "fieldPath", string_value},
       }},
      {"k8s.io.api.core.v1.PortStatus",
       {
           {1, "port", int32_value, zero_kept},
           {2, "protocol", string_value},
           {3, "error", string_value},
       }},
      {"k8s.io.api.core.v1.Secret",
       {
           {1, "metadata", message, zero_omitted, "k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta"},
           {5, "immutable", bool_value, zero_kept},
           {2, "data", bytes_map},
           {4, "stringData", string_map},
           {3, "type", string_value},
       }},
      {"k8s.io.api.core.v1.Service",
       {
           {1, "metadata", message, zero_omitted, "k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta"},
           {2, "spec", message, zero_omitted, "k8s.io.api.core.v1.ServiceSpec"},
           {3, "status", message, zero_omitted, "k8s.io.api.core.v1.ServiceStatus"},
       }},
      {"k8s.io.api.core.v1.ServiceAccount",
       {
           {1, "metadata", message, zero_omitted, "k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta"},
           {2, "secrets", message, repeated, "k8s.io.api.core.v1.ObjectReference"},
           {3, "imagePullSecrets", message, repeated, "k8s.io.api.core.v1.LocalObjectReference"},
           {4, "automountServiceAccountToken", bool_value, zero_kept},
       }},
      {"k8s.io.api.core.v1.ServicePort",
       {
           {1, "name", string_value},
           {2, "protocol", string_value},
           {6, "appProtocol", string_value},
           {3, "port", int32_value, zero_kept},
           {4, "targetPort", int_or_string},
           {5, "nodePort", int32_value},
       }},
      {"k8s.io.api.core.v1.ServiceSpec",
       {
           {1, "ports", message, repeated, "k8s.io.api.core.v1.ServicePort"},
           {2, "selector", string_map},
           {3, "clusterIP", string_value},
           {18, "clusterIPs", string_value, repeated},
           {4, "type", string_value},
           {5, "externalIPs", string_value, repeated},
           {7, "sessionAffinity", string_value},
           {8, "loadBalancerIP", string_value},
           {9, "loadBalancerSourceRanges", string_value, repeated},
           {10, "externalName", string_value},
           {11, "externalTrafficPolicy", string_value},
           {12, "healthCheckNodePort", int32_value},
           {13, "publishNotReadyAddresses", bool_value},
           {14, "sessionAffinityConfig", message, zero_omitted, "k8s.io.api.core.v1.SessionAffinityConfig"},
           {19, "ipFamilies", string_value, repeated},
           {17, "ipFamilyPolicy", string_value},
           {20, "allocateLoadBalancerNodePorts", bool_value, zero_kept},
           {21, "loadBalancerClass", string_value},
           {22, "internalTrafficPolicy", string_value},
           {23, "trafficDistribution", string_value},
       }},
      {"k8s.io.api.core.v1.ServiceStatus",
       {
           {1, "loadBalancer", message, zero_omitted, "k8s.io.api.core.v1.LoadBalancerStatus"},
           {2, "conditions", message, repeated, "k8s.io.apimachinery.pkg.apis.meta.v1.Condition"},
       }},
      {"k8s.io.api.core.v1.SessionAffinityConfig",
       {
           {1, "clientIP", message, zero_omitted, "k8s.io.api.core.v1.ClientIPConfig"},
       }},
  };
  return messages;
}

}  // namespace skiff::apiserver::protobuf

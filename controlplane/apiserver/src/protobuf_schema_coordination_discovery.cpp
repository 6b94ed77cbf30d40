// Protobuf field tables: Lease (coordination/v1) and EndpointSlice (discovery/v1).
#include "protobuf_schema.h"

namespace skiff::apiserver::protobuf {

const std::vector<ProtoMessage>& coordination_discovery_messages() {
  using enum FieldKind;
  using enum FieldLabel;
  static const std::vector<ProtoMessage> messages = {
      {"k8s.io.api.coordination.v1.Lease",
       {
           {1, "metadata", message, zero_omitted, "k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta"},
           {2, "spec", message, zero_omitted, "k8s.io.api.coordination.v1.LeaseSpec"},
       }},
      {"k8s.io.api.coordination.v1.LeaseSpec",
       {
           {1, "holderIdentity", string_value},
           {2, "leaseDurationSeconds", int32_value, zero_kept},
           {3, "acquireTime", micro_time},
           {4, "renewTime", micro_time},
           {5, "leaseTransitions", int32_value, zero_kept},
           {6, "strategy", string_value},
           {7, "preferredHolder", string_value},
       }},
      {"k8s.io.api.discovery.v1.Endpoint",
       {
           {1, "addresses", string_value, repeated},
           {2, "conditions", message, zero_omitted, "k8s.io.api.discovery.v1.EndpointConditions"},
           {3, "hostname", string_value},
           {4, "targetRef", message, zero_omitted, "k8s.io.api.core.v1.ObjectReference"},
           {5, "deprecatedTopology", string_map},
           {6, "nodeName", string_value},
           {7, "zone", string_value},
           {8, "hints", message, zero_omitted, "k8s.io.api.discovery.v1.EndpointHints"},
       }},
      {"k8s.io.api.discovery.v1.EndpointConditions",
       {
           {1, "ready", bool_value, zero_kept},
           {2, "serving", bool_value, zero_kept},
           {3, "terminating", bool_value, zero_kept},
       }},
      {"k8s.io.api.discovery.v1.EndpointHints",
       {
           {1, "forZones", message, repeated, "k8s.io.api.discovery.v1.ForZone"},
       }},
      {"k8s.io.api.discovery.v1.EndpointPort",
       {
           {1, "name", string_value},
           {2, "protocol", string_value},
           {3, "port", int32_value, zero_kept},
           {4, "appProtocol", string_value},
       }},
      {"k8s.io.api.discovery.v1.EndpointSlice",
       {
           {1, "metadata", message, zero_omitted, "k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta"},
           {4, "addressType", string_value},
           {2, "endpoints", message, repeated, "k8s.io.api.discovery.v1.Endpoint"},
           {3, "ports", message, repeated, "k8s.io.api.discovery.v1.EndpointPort"},
       }},
      {"k8s.io.api.discovery.v1.ForZone",
       {
           {1, "name", string_value},
       }},
  };
  return messages;
}

}  // namespace skiff::apiserver::protobuf

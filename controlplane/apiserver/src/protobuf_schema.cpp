// The index over the protobuf tables and the object types whose bodies the server decodes.
#include <array>
#include <string>
#include <unordered_map>

#include "protobuf_schema.h"

namespace skiff::apiserver::protobuf {

namespace {

struct ObjectType {
  std::string_view api_version;
  std::string_view kind;
  std::string_view message;
};

// Every kind the server serves, plus autoscaling/v1's HorizontalPodAutoscaler that kubectl
// autoscale falls back to.
constexpr std::array kObjectTypes = {
    ObjectType{"v1", "Namespace", "k8s.io.api.core.v1.Namespace"},
    ObjectType{"v1", "Pod", "k8s.io.api.core.v1.Pod"},
    ObjectType{"v1", "Node", "k8s.io.api.core.v1.Node"},
    ObjectType{"v1", "Service", "k8s.io.api.core.v1.Service"},
    ObjectType{"v1", "Endpoints", "k8s.io.api.core.v1.Endpoints"},
    ObjectType{"v1", "ConfigMap", "k8s.io.api.core.v1.ConfigMap"},
    ObjectType{"v1", "Secret", "k8s.io.api.core.v1.Secret"},
    ObjectType{"v1", "Event", "k8s.io.api.core.v1.Event"},
    ObjectType{"v1", "ServiceAccount", "k8s.io.api.core.v1.ServiceAccount"},
    ObjectType{"apps/v1", "Deployment", "k8s.io.api.apps.v1.Deployment"},
    ObjectType{"apps/v1", "ReplicaSet", "k8s.io.api.apps.v1.ReplicaSet"},
    ObjectType{"apps/v1", "DaemonSet", "k8s.io.api.apps.v1.DaemonSet"},
    ObjectType{"coordination.k8s.io/v1", "Lease", "k8s.io.api.coordination.v1.Lease"},
    ObjectType{"autoscaling/v1", "HorizontalPodAutoscaler", "k8s.io.api.autoscaling.v1.HorizontalPodAutoscaler"},
    ObjectType{"autoscaling/v2", "HorizontalPodAutoscaler", "k8s.io.api.autoscaling.v2.HorizontalPodAutoscaler"},
    ObjectType{"discovery.k8s.io/v1", "EndpointSlice", "k8s.io.api.discovery.v1.EndpointSlice"},
};

const std::unordered_map<std::string_view, const ProtoMessage*>& message_index() {
  static const auto index = [] {
    std::unordered_map<std::string_view, const ProtoMessage*> messages;
    for (const auto* table :
         {&meta_messages(), &core_messages(), &pod_messages(), &pod_status_messages(), &volume_messages(),
          &node_messages(), &apps_messages(), &autoscaling_messages(), &coordination_discovery_messages()}) {
      for (const ProtoMessage& message : *table) {
        messages.emplace(message.name, &message);
      }
    }
    return messages;
  }();
  return index;
}

}  // namespace

const ProtoMessage* find_message(std::string_view name) {
  const auto& index = message_index();
  auto it = index.find(name);
  return it == index.end() ? nullptr : it->second;
}

const ProtoMessage* find_object_message(std::string_view api_version, std::string_view kind) {
  for (const ObjectType& type : kObjectTypes) {
    if (type.api_version == api_version && type.kind == kind) {
      return find_message(type.message);
    }
  }
  return nullptr;
}

const ProtoField* find_field(const ProtoMessage& message, uint32_t number) {
  for (const ProtoField& field : message.fields) {
    if (field.number == number) {
      return &field;
    }
  }
  return nullptr;
}

}  // namespace skiff::apiserver::protobuf

// The protobuf tables hold together: every nested message they name exists, no message repeats a
// field number or JSON name, and every object type resolves.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "../src/protobuf_schema.h"

using namespace skiff::apiserver::protobuf;

namespace {

std::vector<const std::vector<ProtoMessage>*> all_tables() {
  return {&meta_messages(),       &core_messages(),        &pod_messages(),
          &pod_status_messages(), &volume_messages(),      &node_messages(),
          &apps_messages(),       &autoscaling_messages(), &coordination_discovery_messages()};
}

TEST(ProtobufSchema, NestedMessagesExistAndFieldsAreUnique) {
  std::set<std::string_view> names;
  for (const auto* table : all_tables()) {
    for (const ProtoMessage& message : *table) {
      EXPECT_TRUE(names.insert(message.name).second) << message.name << " is defined twice";
      std::set<uint32_t> numbers;
      std::set<std::string_view> json_names;
      for (const ProtoField& field : message.fields) {
        EXPECT_TRUE(numbers.insert(field.number).second) << message.name << " field " << field.number;
        EXPECT_TRUE(json_names.insert(field.json_name).second) << message.name << " " << field.json_name;
        EXPECT_EQ(field.kind == FieldKind::message, !field.message.empty()) << message.name << " " << field.json_name;
        if (field.kind == FieldKind::message) {
          EXPECT_NE(find_message(field.message), nullptr) << message.name << " names " << field.message;
        }
        if (field.label == FieldLabel::inlined) {
          EXPECT_EQ(field.kind, FieldKind::message) << message.name << " " << field.json_name;
        }
      }
    }
  }
  EXPECT_GT(names.size(), 200U);
}

TEST(ProtobufSchema, ObjectTypesResolve) {
  for (auto [api_version, kind] : std::vector<std::pair<std::string, std::string>>{
           {"v1", "Namespace"},
           {"v1", "ConfigMap"},
           {"v1", "Secret"},
           {"v1", "ServiceAccount"},
           {"v1", "Service"},
           {"v1", "Endpoints"},
           {"v1", "Pod"},
           {"v1", "Event"},
           {"v1", "Node"},
           {"apps/v1", "Deployment"},
           {"apps/v1", "ReplicaSet"},
           {"apps/v1", "DaemonSet"},
           {"autoscaling/v1", "HorizontalPodAutoscaler"},
           {"autoscaling/v2", "HorizontalPodAutoscaler"},
           {"coordination.k8s.io/v1", "Lease"},
           {"discovery.k8s.io/v1", "EndpointSlice"},
       }) {
    const ProtoMessage* message = find_object_message(api_version, kind);
    ASSERT_NE(message, nullptr) << api_version << " " << kind;
    EXPECT_TRUE(message->name.ends_with("." + kind)) << message->name;
  }
  EXPECT_EQ(find_object_message("batch/v1", "Job"), nullptr);
}

}  // namespace

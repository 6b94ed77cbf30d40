// The Kubernetes protobuf messages the API server decodes, as tables: per message, each field's
// number, JSON name, kind and nested message. The field numbers and names are those of
// k8s.io/api and k8s.io/apimachinery's generated.proto; the JSON names equal the proto names.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace skiff::apiserver::protobuf {

// What a field holds on the wire and how it reads as JSON.
enum class FieldKind : uint8_t {
  string_value,
  int32_value,
  int64_value,
  bool_value,
  message,        // a nested message (named by ProtoField::message)
  time,           // meta/v1 Time: RFC 3339 with seconds
  micro_time,     // meta/v1 MicroTime: RFC 3339 with microseconds
  int_or_string,  // util/intstr IntOrString: a JSON number or string
  quantity,       // api/resource Quantity: its string
  fields_json,    // meta/v1 FieldsV1: raw JSON bytes
  string_map,     // map<string, string>
  bytes_map,      // map<string, bytes>: values base64
  quantity_map,   // map<string, Quantity> (ResourceList)
};

// How a field's presence on the wire maps to JSON. The generated Go marshallers write every
// non-pointer field, zero or not, so a zero value is only meaningful for pointer fields and
// fields without omitempty.
enum class FieldLabel : uint8_t {
  zero_omitted,  // a Go value field with omitempty: zero values are left out
  zero_kept,     // a Go pointer field, or one without omitempty: kept whenever on the wire
  repeated,      // a JSON array of every occurrence
  inlined,       // an embedded struct whose fields JSON inlines into the parent (json:",inline")
};

struct ProtoField {
  uint32_t number = 0;
  std::string_view json_name;
  FieldKind kind = FieldKind::string_value;
  FieldLabel label = FieldLabel::zero_omitted;
  std::string_view message;  // the nested message's full name for FieldKind::message
};

struct ProtoMessage {
  std::string_view name;  // full proto name, "k8s.io.api.core.v1.PodSpec"
  std::vector<ProtoField> fields;
};

// The tables, one per API area.
const std::vector<ProtoMessage>& meta_messages();
const std::vector<ProtoMessage>& core_messages();
const std::vector<ProtoMessage>& pod_messages();
const std::vector<ProtoMessage>& pod_status_messages();
const std::vector<ProtoMessage>& volume_messages();
const std::vector<ProtoMessage>& node_messages();
const std::vector<ProtoMessage>& apps_messages();
const std::vector<ProtoMessage>& autoscaling_messages();
const std::vector<ProtoMessage>& coordination_discovery_messages();

// The message with this full name, or nullptr.
const ProtoMessage* find_message(std::string_view name);
// The top-level message of an object of this apiVersion and kind ("apps/v1", "Deployment"), or
// nullptr when the server decodes no protobuf body of that type.
const ProtoMessage* find_object_message(std::string_view api_version, std::string_view kind);
// The field with this number, or nullptr.
const ProtoField* find_field(const ProtoMessage& message, uint32_t number);

}  // namespace skiff::apiserver::protobuf

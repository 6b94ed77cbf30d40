#include "protobuf_to_json.h"

#include <array>
#include <ctime>

#include "protobuf_schema.h"
#include "protobuf_wire.h"
#include "skiff/apiserver/status.h"
#include "skiff/base/base64.h"

namespace skiff::apiserver {

namespace {

using protobuf::FieldKind;
using protobuf::FieldLabel;
using protobuf::ProtoField;
using protobuf::ProtoMessage;
using protobuf::WireField;
using protobuf::WireReader;
using protobuf::WireType;

constexpr std::string_view kMagic{"k8s\0", 4};
constexpr std::string_view kJsonAdvice = "; send the object as JSON (Content-Type: application/json) instead";

ApiError unsupported(const std::string& what) {
  return ApiError(415, "UnsupportedMediaType", "the protobuf body " + what + std::string(kJsonAdvice));
}

ApiError malformed(const std::string& message_name, const std::string& why) {
  return bad_request("the protobuf body is malformed in " + message_name + ": " + why);
}

// The fields of one message, in wire order, for the small wrapper messages (Time, Quantity,
// IntOrString, map entries) read by number.
template <typename Visit>
void for_each_field(std::string_view bytes, const std::string& message_name, const Visit& visit) {
  WireReader reader(bytes);
  while (!reader.done()) {
    WireField field;
    try {
      field = reader.next();
    } catch (const Error& e) {
      throw malformed(message_name, e.what());
    }
    visit(field);
  }
}

void expect_type(const WireField& field, WireType type, const std::string& context) {
  if (field.type != type) {
    throw malformed(context, "field " + std::to_string(field.number) + " has wire type " +
                                 std::to_string(static_cast<int>(field.type)) + ", expected " +
                                 std::to_string(static_cast<int>(type)));
  }
}

std::string format_time(int64_t seconds, int64_t nanos, bool micro) {
  auto when = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&when, &tm);
  std::array<char, 32> text{};
  std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out = text.data();
  if (micro) {
    std::string digits = std::to_string(nanos / 1000);
    out += "." + std::string(6 - std::min<size_t>(6, digits.size()), '0') + digits;
  }
  return out + "Z";
}

// meta/v1 Time and MicroTime: {seconds, nanos}; the zero time (an empty message) is null in
// Kubernetes' JSON and left out here.
boost::json::value decode_time(std::string_view bytes, bool micro) {
  int64_t seconds = 0;
  int64_t nanos = 0;
  bool any = false;
  for_each_field(bytes, "k8s.io.apimachinery.pkg.apis.meta.v1.Time", [&](const WireField& field) {
    expect_type(field, WireType::varint, "k8s.io.apimachinery.pkg.apis.meta.v1.Time");
    any = true;
    if (field.number == 1) {
      seconds = static_cast<int64_t>(field.number_value);
    } else if (field.number == 2) {
      nanos = static_cast<int32_t>(field.number_value);
    }
  });
  if (!any) {
    return nullptr;
  }
  return boost::json::string(format_time(seconds, nanos, micro));
}

boost::json::value decode_int_or_string(std::string_view bytes) {
  int64_t type = 0;
  int32_t int_value = 0;
  std::string string_value;
  for_each_field(bytes, "k8s.io.apimachinery.pkg.util.intstr.IntOrString", [&](const WireField& field) {
    if (field.number == 3) {
      expect_type(field, WireType::length_delimited, "k8s.io.apimachinery.pkg.util.intstr.IntOrString");
      string_value = field.bytes;
      return;
    }
    expect_type(field, WireType::varint, "k8s.io.apimachinery.pkg.util.intstr.IntOrString");
    if (field.number == 1) {
      type = static_cast<int64_t>(field.number_value);
    } else if (field.number == 2) {
      int_value = static_cast<int32_t>(field.number_value);
    }
  });
  if (type == 1) {
    return boost::json::string(string_value);
  }
  return int_value;
}

std::string single_string_field(std::string_view bytes, const std::string& message_name) {
  std::string value;
  for_each_field(bytes, message_name, [&](const WireField& field) {
    expect_type(field, WireType::length_delimited, message_name);
    if (field.number == 1) {
      value = field.bytes;
    }
  });
  return value;
}

boost::json::value decode_fields_json(std::string_view bytes) {
  std::string raw = single_string_field(bytes, "k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1");
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(raw, ec);
  if (ec) {
    throw malformed("k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1", "its raw bytes are not JSON: " + ec.message());
  }
  return value;
}

// A map entry message {key = 1, value = 2} of a map<string, string|bytes|Quantity>.
void decode_map_entry(std::string_view bytes, FieldKind kind, const std::string& context, boost::json::object& map) {
  std::string key;
  boost::json::value value;
  for_each_field(bytes, context, [&](const WireField& field) {
    expect_type(field, WireType::length_delimited, context);
    if (field.number == 1) {
      key = field.bytes;
    } else if (field.number == 2) {
      if (kind == FieldKind::bytes_map) {
        value = boost::json::string(base64_encode(field.bytes));
      } else if (kind == FieldKind::quantity_map) {
        value = boost::json::string(single_string_field(field.bytes, "k8s.io.apimachinery.pkg.api.resource.Quantity"));
      } else {
        value = boost::json::string(field.bytes);
      }
    }
  });
  if (value.is_null()) {
    value = kind == FieldKind::quantity_map ? boost::json::string("0") : boost::json::string();
  }
  map[key] = std::move(value);
}

bool is_zero(const boost::json::value& value) {
  if (value.is_string()) {
    return value.get_string().empty();
  }
  if (value.is_int64()) {
    return value.get_int64() == 0;
  }
  if (value.is_bool()) {
    return !value.get_bool();
  }
  return value.is_null();
}

void decode_message(const ProtoMessage& message, std::string_view bytes, boost::json::object& out);

// One scalar value of a varint-encoded kind.
boost::json::value varint_value(FieldKind kind, uint64_t raw) {
  switch (kind) {
    case FieldKind::int32_value:
      return static_cast<int32_t>(raw);
    case FieldKind::int64_value:
      return static_cast<int64_t>(raw);
    default:
      return raw != 0;
  }
}

bool is_varint_kind(FieldKind kind) {
  return kind == FieldKind::int32_value || kind == FieldKind::int64_value || kind == FieldKind::bool_value;
}

// The JSON value of one occurrence of a length-delimited field.
boost::json::value delimited_value(const ProtoMessage& message, const ProtoField& field, std::string_view bytes) {
  switch (field.kind) {
    case FieldKind::string_value:
      return boost::json::string(bytes);
    case FieldKind::time:
      return decode_time(bytes, false);
    case FieldKind::micro_time:
      return decode_time(bytes, true);
    case FieldKind::int_or_string:
      return decode_int_or_string(bytes);
    case FieldKind::quantity:
      return boost::json::string(single_string_field(bytes, "k8s.io.apimachinery.pkg.api.resource.Quantity"));
    case FieldKind::fields_json:
      return decode_fields_json(bytes);
    case FieldKind::message: {
      const ProtoMessage* nested = protobuf::find_message(field.message);
      if (nested == nullptr) {
        throw unsupported("names message " + std::string(field.message) + " (field " + std::to_string(field.number) +
                          " of " + std::string(message.name) + "), which this server does not decode");
      }
      boost::json::object object;
      decode_message(*nested, bytes, object);
      return object;
    }
    default:
      throw malformed(std::string(message.name), "field " + std::to_string(field.number) + " (" +
                                                     std::string(field.json_name) +
                                                     ") is length-delimited but holds a scalar");
  }
}

void add_value(const ProtoField& field, boost::json::value value, boost::json::object& out) {
  if (field.label == FieldLabel::repeated) {
    boost::json::value& list = out[field.json_name];
    if (!list.is_array()) {
      list = boost::json::array();
    }
    list.get_array().push_back(std::move(value));
    return;
  }
  // A zero Time is null in Kubernetes' JSON: left out, like every other absent optional field.
  bool zero_time = (field.kind == FieldKind::time || field.kind == FieldKind::micro_time) && value.is_null();
  if (zero_time || (field.label == FieldLabel::zero_omitted && is_zero(value))) {
    out.erase(field.json_name);
    return;
  }
  out[field.json_name] = std::move(value);
}

void decode_field(const ProtoMessage& message, const ProtoField& field, const WireField& wire,
                  boost::json::object& out) {
  std::string context(message.name);
  if (is_varint_kind(field.kind)) {
    if (wire.type == WireType::varint) {
      add_value(field, varint_value(field.kind, wire.number_value), out);
      return;
    }
    // A packed repeated scalar: varints back to back.
    expect_type(wire, WireType::length_delimited, context);
    if (field.label != FieldLabel::repeated) {
      throw malformed(context, "field " + std::to_string(field.number) + " is packed but not repeated");
    }
    WireReader packed(wire.bytes);
    while (!packed.done()) {
      uint64_t raw = 0;
      try {
        raw = packed.read_varint();
      } catch (const Error& e) {
        throw malformed(context, e.what());
      }
      add_value(field, varint_value(field.kind, raw), out);
    }
    return;
  }
  expect_type(wire, WireType::length_delimited, context);
  switch (field.kind) {
    case FieldKind::string_map:
    case FieldKind::bytes_map:
    case FieldKind::quantity_map: {
      boost::json::value& map = out[field.json_name];
      if (!map.is_object()) {
        map = boost::json::object();
      }
      decode_map_entry(wire.bytes, field.kind, context + "." + std::string(field.json_name), map.get_object());
      return;
    }
    case FieldKind::message:
      if (field.label == FieldLabel::inlined) {
        const ProtoMessage* nested = protobuf::find_message(field.message);
        if (nested == nullptr) {
          throw unsupported("names message " + std::string(field.message) + ", which this server does not decode");
        }
        decode_message(*nested, wire.bytes, out);
        return;
      }
      break;
    default:
      break;
  }
  add_value(field, delimited_value(message, field, wire.bytes), out);
}

void decode_message(const ProtoMessage& message, std::string_view bytes, boost::json::object& out) {
  for_each_field(bytes, std::string(message.name), [&](const WireField& wire) {
    const ProtoField* field = protobuf::find_field(message, wire.number);
    if (field == nullptr) {
      throw unsupported("has field number " + std::to_string(wire.number) + " of " + std::string(message.name) +
                        ", which this server does not know");
    }
    decode_field(message, *field, wire, out);
  });
}

struct Envelope {
  std::string api_version;
  std::string kind;
  std::string_view raw;
  std::string content_encoding;
};

// runtime.Unknown {typeMeta = 1 {apiVersion = 1, kind = 2}, raw = 2, contentEncoding = 3,
// contentType = 4}.
Envelope read_envelope(std::string_view bytes) {
  const std::string unknown = "k8s.io.apimachinery.pkg.runtime.Unknown";
  Envelope envelope;
  for_each_field(bytes, unknown, [&](const WireField& field) {
    expect_type(field, WireType::length_delimited, unknown);
    switch (field.number) {
      case 1:
        for_each_field(field.bytes, "k8s.io.apimachinery.pkg.runtime.TypeMeta", [&](const WireField& meta) {
          expect_type(meta, WireType::length_delimited, "k8s.io.apimachinery.pkg.runtime.TypeMeta");
          (meta.number == 1 ? envelope.api_version : envelope.kind) = meta.bytes;
        });
        break;
      case 2:
        envelope.raw = field.bytes;
        break;
      case 3:
        envelope.content_encoding = field.bytes;
        break;
      default:
        break;  // contentType: the raw bytes are protobuf by construction here
    }
  });
  return envelope;
}

}  // namespace

boost::json::value protobuf_to_json(std::string_view body, const std::string& kind) {
  if (!body.starts_with(kMagic)) {
    throw bad_request("the object provided is unrecognized (must be of type " + kind +
                      "): the protobuf body does not start with the \"k8s\\0\" prefix");
  }
  Envelope envelope = read_envelope(body.substr(kMagic.size()));
  if (!envelope.content_encoding.empty()) {
    throw unsupported("has content encoding \"" + envelope.content_encoding + "\", which this server does not decode");
  }
  const ProtoMessage* message = protobuf::find_object_message(envelope.api_version, envelope.kind);
  if (message == nullptr) {
    throw unsupported("holds a " + envelope.api_version + " " + envelope.kind + " (expected " + kind +
                      "), a type this server does not decode from protobuf");
  }
  boost::json::object object{{"apiVersion", envelope.api_version}, {"kind", envelope.kind}};
  decode_message(*message, envelope.raw, object);
  return object;
}

}  // namespace skiff::apiserver

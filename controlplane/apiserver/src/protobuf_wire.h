// Reading the protobuf wire format: tags, varints, fixed-width and length-delimited fields.
#pragma once

#include <cstdint>
#include <string_view>

namespace skiff::apiserver::protobuf {

enum class WireType : uint8_t { varint = 0, fixed64 = 1, length_delimited = 2, fixed32 = 5 };

// One field as it was on the wire: the varint or fixed-width value in `number_value`, the
// payload of a length-delimited field in `bytes` (a view into the reader's input).
struct WireField {
  uint32_t number = 0;
  WireType type = WireType::varint;
  uint64_t number_value = 0;
  std::string_view bytes;
};

// Walks the fields of one encoded message in order. Errors (truncation, a varint longer than
// ten bytes, field number 0, the deprecated group wire types) throw skiff::Error naming the
// byte offset.
class WireReader {
 public:
  explicit WireReader(std::string_view data) : data_(data) {}

  [[nodiscard]] bool done() const { return pos_ >= data_.size(); }
  WireField next();
  // A varint read from the current position (for packed repeated fields).
  uint64_t read_varint();

 private:
  std::string_view take(uint64_t size);

  std::string_view data_;
  size_t pos_ = 0;
};

}  // namespace skiff::apiserver::protobuf

#include "protobuf_wire.h"

#include <string>

#include "skiff/base/error.h"

namespace skiff::apiserver::protobuf {

namespace {

constexpr int kMaxVarintBytes = 10;

uint64_t little_endian(std::string_view bytes) {
  uint64_t value = 0;
  for (size_t i = bytes.size(); i > 0; --i) {
    value = (value << 8U) | static_cast<unsigned char>(bytes[i - 1]);
  }
  return value;
}

}  // namespace

uint64_t WireReader::read_varint() {
  uint64_t value = 0;
  for (int i = 0; i < kMaxVarintBytes; ++i) {
    if (pos_ >= data_.size()) {
      throw Error("protobuf: a varint is cut off at byte " + std::to_string(pos_));
    }
    auto byte = static_cast<unsigned char>(data_[pos_++]);
    value |= static_cast<uint64_t>(byte & 0x7FU) << (7U * static_cast<unsigned>(i));
    if ((byte & 0x80U) == 0) {
      return value;
    }
  }
  throw Error("protobuf: a varint at byte " + std::to_string(pos_) + " is longer than 10 bytes");
}

std::string_view WireReader::take(uint64_t size) {
  if (size > data_.size() - pos_) {
    throw Error("protobuf: a field at byte " + std::to_string(pos_) + " wants " + std::to_string(size) +
                " bytes but only " + std::to_string(data_.size() - pos_) + " remain");
  }
  std::string_view bytes = data_.substr(pos_, size);
  pos_ += size;
  return bytes;
}

WireField WireReader::next() {
  size_t start = pos_;
  uint64_t tag = read_varint();
  WireField field;
  uint64_t number = tag >> 3U;
  if (number == 0 || number > UINT32_MAX) {
    throw Error("protobuf: invalid field number " + std::to_string(number) + " at byte " + std::to_string(start));
  }
  field.number = static_cast<uint32_t>(number);
  switch (tag & 7U) {
    case 0:
      field.type = WireType::varint;
      field.number_value = read_varint();
      break;
    case 1:
      field.type = WireType::fixed64;
      field.number_value = little_endian(take(8));
      break;
    case 2:
      field.type = WireType::length_delimited;
      field.bytes = take(read_varint());
      break;
    case 5:
      field.type = WireType::fixed32;
      field.number_value = little_endian(take(4));
      break;
    default:
      throw Error("protobuf: field " + std::to_string(number) + " at byte " + std::to_string(start) +
                  " has unsupported wire type " + std::to_string(tag & 7U));
  }
  return field;
}

}  // namespace skiff::apiserver::protobuf

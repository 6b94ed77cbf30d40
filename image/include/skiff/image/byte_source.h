#pragma once

#include <cstddef>
#include <span>

namespace skiff::image {

// A pull-based stream of bytes. A pull runs each layer as one chain of sources (HTTP body ->
// sha256 of the blob -> decompressor -> sha256 of the diff -> tar reader), so that libarchive,
// which pulls, drives the whole chain from one thread without buffering a layer anywhere.
class ByteSource {
 public:
  ByteSource() = default;
  ByteSource(const ByteSource&) = delete;
  ByteSource& operator=(const ByteSource&) = delete;
  virtual ~ByteSource() = default;

  // Fills up to buffer.size() bytes and returns how many; 0 only at the end of the stream.
  // Errors are thrown as skiff::Error naming what was being read.
  virtual size_t read(std::span<std::byte> buffer) = 0;
};

}  // namespace skiff::image

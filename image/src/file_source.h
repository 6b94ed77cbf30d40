#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "skiff/base/unique_fd.h"
#include "skiff/image/byte_source.h"
#include "skiff/image/layer_unpack.h"

namespace skiff::image {

// A file on disk as a ByteSource (a blob of an OCI layout, a member extracted from an archive).
class FileSource : public ByteSource {
 public:
  // Opens path and reads it from offset on; errors name the path.
  explicit FileSource(std::string path, uint64_t offset = 0);
  size_t read(std::span<std::byte> buffer) override;

 private:
  std::string path_;
  UniqueFd fd_;
};

// The compression a file's first bytes show (the gzip or zstd magic number), else none.
Compression sniff_compression(const std::string& path);

}  // namespace skiff::image

#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "skiff/base/unique_fd.h"
#include "skiff/image/byte_source.h"

struct archive;

namespace skiff::image {

// Writes a tar archive (pax, plain ustar headers where they suffice) of directories and regular
// files, for exports. It goes to a temporary file beside path, which commit() renames over path;
// destroyed uncommitted, the writer removes it, so a failed export leaves no half archive.
class TarWriter {
 public:
  explicit TarWriter(std::string path);
  TarWriter(const TarWriter&) = delete;
  TarWriter& operator=(const TarWriter&) = delete;
  ~TarWriter();

  void add_directory(std::string_view name);
  void add_file(std::string_view name, std::string_view data);
  // A member of exactly size bytes read from source; errors when source ends early or has more.
  void add_file(std::string_view name, uint64_t size, ByteSource& source);
  // Finishes the archive, flushes it to disk and renames it to path.
  void commit();

 private:
  void write_header(std::string_view name, bool directory, uint64_t size);
  void write_data(std::string_view name, const void* data, size_t size);
  [[noreturn]] void fail(const std::string& what) const;

  std::string path_;
  std::string temp_path_;
  UniqueFd fd_;
  archive* archive_ = nullptr;
  bool committed_ = false;
};

}  // namespace skiff::image

#pragma once

#include <sys/types.h>

#include <cstdint>
#include <ctime>
#include <exception>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "skiff/image/byte_source.h"

struct archive;

namespace skiff::image {

// One member of a tar stream, as the layer writer needs it.
struct TarEntry {
  enum class Type { file, directory, symlink, hardlink, char_device, block_device, fifo, socket };

  std::string path;  // as stored (not yet cleaned or checked)
  Type type = Type::file;
  mode_t mode = 0;  // permission bits, setuid, setgid and sticky
  uid_t uid = 0;
  gid_t gid = 0;
  int64_t size = 0;
  std::string link_target;  // a symlink's target or a hardlink's target path
  dev_t rdev = 0;
  std::optional<timespec> mtime;
  std::optional<timespec> atime;
  std::vector<std::pair<std::string, std::string>> xattrs;
};

// A piece of a regular file's data at an offset; a gap between pieces is a hole (sparse files).
struct DataBlock {
  std::span<const std::byte> data;
  int64_t offset = 0;
};

// Reads a tar stream (ustar, pax, gnu) with libarchive, pulling from a ByteSource. Only the tar
// formats are enabled, no compression filters: decompression happened before the bytes got
// here, and a layer's diff_id is the hash of exactly the bytes this reader sees.
class TarReader {
 public:
  explicit TarReader(ByteSource& source);
  TarReader(const TarReader&) = delete;
  TarReader& operator=(const TarReader&) = delete;
  ~TarReader();

  // The next entry's header, or nothing after the end-of-archive marker.
  std::optional<TarEntry> next();
  // The current entry's next data block, or nothing at its end.
  std::optional<DataBlock> next_block();

 private:
  static ssize_t read_callback(archive* a, void* self, const void** buffer);
  // Throws what a callback caught, or an Error with libarchive's message.
  [[noreturn]] void fail(const std::string& what);

  ByteSource& source_;
  std::vector<std::byte> buffer_;
  archive* archive_ = nullptr;
  // An exception thrown by the source inside libarchive's callback: it must not unwind
  // through C frames, so it is kept here and rethrown once libarchive returns.
  std::exception_ptr source_error_;
};

}  // namespace skiff::image

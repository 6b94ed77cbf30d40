#include "tar_reader.h"

#include <archive.h>
#include <archive_entry.h>

#include "skiff/base/error.h"

namespace skiff::image {

namespace {

// libarchive returns data blocks that point into this buffer, so its size is also the largest
// write the layer writer makes.
constexpr size_t kReadBuffer = size_t{1} << 20;

TarEntry::Type type_of(archive_entry* entry) {
  if (archive_entry_hardlink(entry) != nullptr) {
    return TarEntry::Type::hardlink;
  }
  switch (archive_entry_filetype(entry)) {
    case AE_IFDIR:
      return TarEntry::Type::directory;
    case AE_IFLNK:
      return TarEntry::Type::symlink;
    case AE_IFCHR:
      return TarEntry::Type::char_device;
    case AE_IFBLK:
      return TarEntry::Type::block_device;
    case AE_IFIFO:
      return TarEntry::Type::fifo;
    case AE_IFSOCK:
      return TarEntry::Type::socket;
    default:
      return TarEntry::Type::file;
  }
}

}  // namespace

TarReader::TarReader(ByteSource& source) : source_(source), buffer_(kReadBuffer), archive_(archive_read_new()) {
  if (archive_ == nullptr) {
    throw Error("tar: cannot allocate a libarchive reader");
  }
  if (archive_read_support_format_tar(archive_) != ARCHIVE_OK) {
    fail("tar: enable the tar format");
  }
  if (archive_read_open(archive_, this, nullptr, &TarReader::read_callback, nullptr) != ARCHIVE_OK) {
    fail("tar: open the stream");
  }
}

TarReader::~TarReader() {
  archive_read_free(archive_);
}

ssize_t TarReader::read_callback(archive* a, void* self, const void** buffer) {
  auto* reader = static_cast<TarReader*>(self);
  try {
    *buffer = reader->buffer_.data();
    return static_cast<ssize_t>(reader->source_.read(reader->buffer_));
  } catch (...) {
    reader->source_error_ = std::current_exception();
    archive_set_error(a, EIO, "the source failed");
    return -1;
  }
}

void TarReader::fail(const std::string& what) {
  if (source_error_) {
    std::rethrow_exception(std::exchange(source_error_, nullptr));
  }
  const char* message = archive_error_string(archive_);
  throw Error(what + ": " + (message != nullptr ? message : "libarchive error"));
}

std::optional<TarEntry> TarReader::next() {
  archive_entry* raw = nullptr;
  int rc = archive_read_next_header(archive_, &raw);
  if (rc == ARCHIVE_EOF) {
    return std::nullopt;
  }
  // ARCHIVE_WARN is about charset conversion of names; the raw bytes are kept, which is what
  // goes on disk.
  if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
    fail("tar: read the next entry header");
  }
  TarEntry entry;
  const char* path = archive_entry_pathname(raw);
  entry.path = path != nullptr ? path : "";
  entry.type = type_of(raw);
  entry.mode = archive_entry_perm(raw) & 07777;
  entry.uid = static_cast<uid_t>(archive_entry_uid(raw));
  entry.gid = static_cast<gid_t>(archive_entry_gid(raw));
  entry.size = archive_entry_size(raw);
  if (entry.type == TarEntry::Type::hardlink) {
    entry.link_target = archive_entry_hardlink(raw);
  } else if (entry.type == TarEntry::Type::symlink) {
    const char* target = archive_entry_symlink(raw);
    entry.link_target = target != nullptr ? target : "";
  }
  entry.rdev = archive_entry_rdev(raw);
  if (archive_entry_mtime_is_set(raw) != 0) {
    entry.mtime = timespec{archive_entry_mtime(raw), archive_entry_mtime_nsec(raw)};
  }
  if (archive_entry_atime_is_set(raw) != 0) {
    entry.atime = timespec{archive_entry_atime(raw), archive_entry_atime_nsec(raw)};
  }
  archive_entry_xattr_reset(raw);
  const char* name = nullptr;
  const void* value = nullptr;
  size_t size = 0;
  while (archive_entry_xattr_next(raw, &name, &value, &size) == ARCHIVE_OK) {
    entry.xattrs.emplace_back(name, std::string(static_cast<const char*>(value), size));
  }
  return entry;
}

std::optional<DataBlock> TarReader::next_block() {
  const void* data = nullptr;
  size_t size = 0;
  la_int64_t offset = 0;
  int rc = archive_read_data_block(archive_, &data, &size, &offset);
  if (rc == ARCHIVE_EOF) {
    return std::nullopt;
  }
  if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
    fail("tar: read entry data");
  }
  return DataBlock{std::span(static_cast<const std::byte*>(data), size), offset};
}

}  // namespace skiff::image

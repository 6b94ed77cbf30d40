#pragma once

// Helpers of the decompression and layer unpack tests: an in-memory ByteSource, tars made with
// libarchive's writer, gzip and zstd made by their CLIs, and a temporary directory.

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "scratch_dir.h"
#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/subprocess.h"
#include "skiff/base/unique_fd.h"
#include "skiff/image/byte_source.h"
#include "skiff/image/layer_unpack.h"

namespace skiff::image::testing {

// Serves a string, at most chunk bytes per read (small chunks exercise refills).
class StringSource : public ByteSource {
 public:
  explicit StringSource(std::string data, size_t chunk = SIZE_MAX) : data_(std::move(data)), chunk_(chunk) {}
  size_t read(std::span<std::byte> buffer) override {
    size_t n = std::min({buffer.size(), data_.size() - pos_, chunk_});
    std::memcpy(buffer.data(), data_.data() + pos_, n);
    pos_ += n;
    return n;
  }
  [[nodiscard]] size_t position() const { return pos_; }

 private:
  std::string data_;
  size_t chunk_;
  size_t pos_ = 0;
};

// Reads a source to its end.
inline std::string read_all(ByteSource& source) {
  std::string out;
  std::vector<std::byte> buffer(100000);
  while (size_t n = source.read(buffer)) {
    out.append(reinterpret_cast<const char*>(buffer.data()), n);
  }
  return out;
}

// Runs a filter program (gzip -c, zstd -c) over data.
inline std::string filter(std::vector<std::string> args, std::string data) {
  SubprocessOptions options;
  options.args = std::move(args);
  options.input = std::move(data);
  SubprocessResult result = run_subprocess(options);
  if (!result.ok()) {
    throw Error(options.args[0] + ": " + result.describe() + ": " + result.err);
  }
  return result.out;
}

inline std::string gzip(std::string data) {
  return filter({"gzip", "-c", "-1"}, std::move(data));
}

inline std::string zstd(std::string data) {
  return filter({"zstd", "-c", "-q", "-1"}, std::move(data));
}

// The header fields of an entry.
struct EntryMeta {
  mode_t mode = 0644;
  uid_t uid = 0;
  gid_t gid = 0;
  time_t mtime = 1700000000;
  long mtime_nsec = 0;
  std::vector<std::pair<std::string, std::string>> xattrs;
};

// A pax tar made with libarchive's writer, entry by entry; any path or link target can be
// written, the malicious ones included.
class TarBuilder {
 public:
  TarBuilder() : archive_(archive_write_new()) {
    archive_write_set_format_pax(archive_);
    archive_write_open(archive_, this, nullptr, &TarBuilder::write_callback, nullptr);
  }
  TarBuilder(const TarBuilder&) = delete;
  TarBuilder& operator=(const TarBuilder&) = delete;
  ~TarBuilder() { archive_write_free(archive_); }

  TarBuilder& file(const std::string& path, const std::string& content, const EntryMeta& meta = {}) {
    add(path, AE_IFREG, meta, content);
    return *this;
  }
  TarBuilder& dir(const std::string& path, const EntryMeta& meta = {.mode = 0755}) {
    add(path, AE_IFDIR, meta);
    return *this;
  }
  TarBuilder& symlink(const std::string& path, const std::string& target, const EntryMeta& meta = {.mode = 0777}) {
    add(path, AE_IFLNK, meta, "", [&](archive_entry* e) { archive_entry_set_symlink(e, target.c_str()); });
    return *this;
  }
  TarBuilder& hardlink(const std::string& path, const std::string& target) {
    add(path, AE_IFREG, {}, "", [&](archive_entry* e) { archive_entry_set_hardlink(e, target.c_str()); });
    return *this;
  }
  TarBuilder& node(const std::string& path, mode_t type, dev_t rdev, const EntryMeta& meta = {.mode = 0600}) {
    add(path, type, meta, "", [&](archive_entry* e) { archive_entry_set_rdev(e, rdev); });
    return *this;
  }

  // The tar, end-of-archive blocks and padding to libarchive's 10240-byte record included.
  std::string finish() {
    archive_write_close(archive_);
    return std::move(data_);
  }

 private:
  static la_ssize_t write_callback(archive* /*a*/, void* self, const void* buffer, size_t size) {
    static_cast<TarBuilder*>(self)->data_.append(static_cast<const char*>(buffer), size);
    return static_cast<la_ssize_t>(size);
  }

  template <typename Extra = void (*)(archive_entry*)>
  void add(
      const std::string& path, mode_t type, const EntryMeta& meta, const std::string& content = "",
      Extra extra = [](archive_entry* /*e*/) {}) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, path.c_str());
    archive_entry_set_filetype(e, type);
    archive_entry_set_perm(e, meta.mode);
    archive_entry_set_uid(e, meta.uid);
    archive_entry_set_gid(e, meta.gid);
    archive_entry_set_mtime(e, meta.mtime, meta.mtime_nsec);
    archive_entry_set_size(e, static_cast<la_int64_t>(content.size()));
    for (const auto& [name, value] : meta.xattrs) {
      archive_entry_xattr_add_entry(e, name.c_str(), value.data(), value.size());
    }
    extra(e);
    if (archive_write_header(archive_, e) != ARCHIVE_OK) {
      throw Error("tar builder: " + path + ": " + archive_error_string(archive_));
    }
    if (!content.empty()) {
      archive_write_data(archive_, content.data(), content.size());
    }
    archive_entry_free(e);
  }

  archive* archive_;
  std::string data_;
};

// A layer dir with an empty sibling "outside" that no layer may ever reach.
class LayerDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mkdir_all(scratch_.path() + "/layer");
    mkdir_all(scratch_.path() + "/outside");
    layer_ = UniqueFd(::open((scratch_.path() + "/layer").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    ASSERT_TRUE(layer_.valid());
  }

  UnpackResult unpack(const std::string& blob, Compression compression = Compression::none,
                      const UnpackOptions& options = {}) {
    StringSource source(blob, 65536);
    return unpack_layer(source, compression, layer_.get(), options);
  }

  // The error unpacking blob throws ("" when it succeeds).
  std::string unpack_error(const std::string& blob, const UnpackOptions& options = {},
                           Compression compression = Compression::none) {
    try {
      unpack(blob, compression, options);
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  }

  [[nodiscard]] std::string path(const std::string& rel) const { return scratch_.path() + "/layer/" + rel; }

  struct stat lstat_of(const std::string& rel) const {
    struct stat st {};
    EXPECT_EQ(::lstat(path(rel).c_str(), &st), 0) << rel << ": " << std::strerror(errno);
    return st;
  }

  [[nodiscard]] std::string xattr_of(const std::string& rel, const std::string& name) const {
    std::string value(256, '\0');
    ssize_t n = ::lgetxattr(path(rel).c_str(), name.c_str(), value.data(), value.size());
    if (n < 0) {
      return "<" + errno_name(errno) + ">";
    }
    value.resize(static_cast<size_t>(n));
    return value;
  }

  // The names in the "outside" sibling.
  [[nodiscard]] std::vector<std::string> outside() const {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(scratch_.path() + "/outside")) {
      names.push_back(entry.path().filename());
    }
    return names;
  }

  ScratchDir scratch_;
  UniqueFd layer_;
};

}  // namespace skiff::image::testing

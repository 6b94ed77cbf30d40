#include "tar_writer.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <memory>
#include <vector>

#include "skiff/base/error.h"

namespace skiff::image {

namespace {

constexpr size_t kCopyBuffer = size_t{1} << 20;

struct EntryDeleter {
  void operator()(archive_entry* entry) const { archive_entry_free(entry); }
};

}  // namespace

TarWriter::TarWriter(std::string path) : path_(std::move(path)), temp_path_(path_ + ".tmp-XXXXXX") {
  fd_ = UniqueFd(::mkostemp(temp_path_.data(), O_CLOEXEC));
  if (!fd_) {
    throw_errno("create a temporary file beside " + path_);
  }
  // mkostemp makes 0600; an export is as readable as any file the user writes.
  if (::fchmod(fd_.get(), 0644) != 0) {
    int err = errno;
    ::unlink(temp_path_.c_str());
    throw_errno(err, "chmod " + temp_path_);
  }
  archive_ = archive_write_new();
  if (archive_ == nullptr) {
    ::unlink(temp_path_.c_str());
    throw Error("write " + path_ + ": cannot allocate a libarchive writer");
  }
  if (archive_write_set_format_pax_restricted(archive_) != ARCHIVE_OK ||
      archive_write_open_fd(archive_, fd_.get()) != ARCHIVE_OK) {
    std::string message = archive_error_string(archive_) != nullptr ? archive_error_string(archive_) : "";
    archive_write_free(archive_);
    ::unlink(temp_path_.c_str());
    throw Error("write " + path_ + ": " + message);
  }
}

TarWriter::~TarWriter() {
  if (archive_ != nullptr) {
    archive_write_free(archive_);
  }
  if (!committed_) {
    ::unlink(temp_path_.c_str());
  }
}

void TarWriter::fail(const std::string& what) const {
  const char* message = archive_error_string(archive_);
  throw Error("write " + path_ + ": " + what + ": " + (message != nullptr ? message : "libarchive error"),
              archive_errno(archive_));
}

void TarWriter::write_header(std::string_view name, bool directory, uint64_t size) {
  std::unique_ptr<archive_entry, EntryDeleter> entry(archive_entry_new());
  std::string pathname(name);
  archive_entry_set_pathname(entry.get(), pathname.c_str());
  archive_entry_set_filetype(entry.get(), directory ? AE_IFDIR : AE_IFREG);
  archive_entry_set_perm(entry.get(), directory ? 0755 : 0644);
  archive_entry_set_size(entry.get(), directory ? 0 : static_cast<la_int64_t>(size));
  // A fixed mtime: exporting the same image twice gives the same bytes.
  archive_entry_set_mtime(entry.get(), 0, 0);
  if (archive_write_header(archive_, entry.get()) != ARCHIVE_OK) {
    fail("header of " + pathname);
  }
}

void TarWriter::write_data(std::string_view name, const void* data, size_t size) {
  la_ssize_t written = archive_write_data(archive_, data, size);
  if (written < 0 || static_cast<size_t>(written) != size) {
    fail("data of " + std::string(name));
  }
}

void TarWriter::add_directory(std::string_view name) {
  write_header(name, true, 0);
}

void TarWriter::add_file(std::string_view name, std::string_view data) {
  write_header(name, false, data.size());
  write_data(name, data.data(), data.size());
}

void TarWriter::add_file(std::string_view name, uint64_t size, ByteSource& source) {
  write_header(name, false, size);
  std::vector<std::byte> buffer(kCopyBuffer);
  uint64_t copied = 0;
  while (true) {
    size_t n = source.read(buffer);
    if (n == 0) {
      break;
    }
    if (copied + n > size) {
      throw Error("write " + path_ + ": " + std::string(name) + " has more than the " + std::to_string(size) +
                  " bytes expected");
    }
    write_data(name, buffer.data(), n);
    copied += n;
  }
  if (copied != size) {
    throw Error("write " + path_ + ": " + std::string(name) + " ended after " + std::to_string(copied) + " of " +
                std::to_string(size) + " bytes");
  }
}

void TarWriter::commit() {
  if (archive_write_close(archive_) != ARCHIVE_OK) {
    fail("finish the archive");
  }
  check(::fsync(fd_.get()), "fsync " + temp_path_);
  check(::rename(temp_path_.c_str(), path_.c_str()), "rename " + temp_path_ + " to " + path_);
  committed_ = true;
}

}  // namespace skiff::image

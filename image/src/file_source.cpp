#include "file_source.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <initializer_list>

#include "skiff/base/error.h"

namespace skiff::image {

FileSource::FileSource(std::string path, uint64_t offset)
    : path_(std::move(path)), fd_(::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY)) {
  if (!fd_) {
    throw_errno("open " + path_);
  }
  if (offset > 0) {
    check(::lseek(fd_.get(), static_cast<off_t>(offset), SEEK_SET), "seek " + path_);
  }
}

size_t FileSource::read(std::span<std::byte> buffer) {
  while (true) {
    ssize_t n = ::read(fd_.get(), buffer.data(), buffer.size());
    if (n >= 0) {
      return static_cast<size_t>(n);
    }
    if (errno != EINTR) {
      throw_errno("read " + path_);
    }
  }
}

Compression sniff_compression(const std::string& path) {
  std::array<std::byte, 4> magic{};
  FileSource source(path);
  size_t have = 0;
  while (have < magic.size()) {
    size_t n = source.read(std::span(magic).subspan(have));
    if (n == 0) {
      break;
    }
    have += n;
  }
  auto is = [&](std::initializer_list<unsigned> bytes) {
    size_t i = 0;
    for (unsigned b : bytes) {
      if (i >= have || magic.at(i) != std::byte(b)) {
        return false;
      }
      ++i;
    }
    return true;
  };
  if (is({0x1f, 0x8b})) {
    return Compression::gzip;
  }
  if (is({0x28, 0xb5, 0x2f, 0xfd})) {
    return Compression::zstd;
  }
  return Compression::none;
}

}  // namespace skiff::image

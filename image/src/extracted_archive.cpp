#include "extracted_archive.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <vector>

#include "file_source.h"
#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/path.h"
#include "skiff/base/strings.h"
#include "skiff/image/layer_unpack.h"
#include "tar_reader.h"

namespace skiff::image {

namespace {

// Symlinks followed when resolving a member, as the kernel's limit.
constexpr int kMaxLinkHops = 40;

// A member name as a relative path without ".", ".." or empty components; "" for the archive's
// root. ".." may go back within the archive (a docker save layer link "../<id>/layer.tar"), never
// above it.
std::string member_name(std::string_view raw) {
  if (raw.starts_with('/')) {
    throw Error("member " + std::string(raw) + " is an absolute path");
  }
  std::vector<std::string> parts;
  for (std::string& part : split(raw, '/')) {
    if (part.empty() || part == ".") {
      continue;
    }
    if (part == "..") {
      if (parts.empty()) {
        throw Error("member " + std::string(raw) + " climbs out of the archive with ..");
      }
      parts.pop_back();
      continue;
    }
    parts.push_back(std::move(part));
  }
  std::string name;
  for (const std::string& part : parts) {
    name += name.empty() ? part : "/" + part;
  }
  return name;
}

std::string parent_of(const std::string& name) {
  size_t slash = name.rfind('/');
  return slash == std::string::npos ? std::string() : name.substr(0, slash);
}

void write_member(int dirfd, const std::string& name, const TarEntry& entry, TarReader& reader) {
  std::string parent = parent_of(name);
  if (!parent.empty()) {
    mkdir_all_in_root(dirfd, parent);
  }
  UniqueFd fd = open_in_root(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0644);
  while (std::optional<DataBlock> block = reader.next_block()) {
    const std::byte* data = block->data.data();
    size_t left = block->data.size();
    off_t offset = block->offset;
    while (left > 0) {
      ssize_t n = ::pwrite(fd.get(), data, left, offset);
      if (n < 0) {
        if (errno == EINTR) {
          continue;
        }
        throw_errno("write " + name);
      }
      data += n;
      left -= static_cast<size_t>(n);
      offset += n;
    }
  }
  // A sparse member may end in a hole.
  check(::ftruncate(fd.get(), entry.size), "truncate " + name);
}

}  // namespace

ExtractedArchive::ExtractedArchive(const std::string& archive, const std::string& parent) : archive_(archive) {
  std::string dir = parent + "/archive-XXXXXX";
  if (::mkdtemp(dir.data()) == nullptr) {
    throw_errno("make a directory in " + parent + " to extract " + archive);
  }
  dir_ = dir;
  try {
    UniqueFd dirfd(::open(dir_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!dirfd) {
      throw_errno("open " + dir_);
    }
    FileSource file(archive);
    std::unique_ptr<ByteSource> tar =
        decompress(sniff_compression(archive), file, UnpackOptions{}.max_uncompressed_bytes);
    TarReader reader(*tar);
    while (std::optional<TarEntry> entry = reader.next()) {
      std::string name = member_name(entry->path);
      if (name.empty()) {
        continue;
      }
      switch (entry->type) {
        case TarEntry::Type::directory:
          mkdir_all_in_root(dirfd.get(), name);
          break;
        case TarEntry::Type::file:
          write_member(dirfd.get(), name, *entry, reader);
          break;
        case TarEntry::Type::hardlink:
          links_[name] = member_name(entry->link_target);
          break;
        case TarEntry::Type::symlink:
          if (entry->link_target.starts_with('/')) {
            throw Error("member " + name + " is a symlink to an absolute path (" + entry->link_target + ")");
          }
          links_[name] =
              member_name(parent_of(name).empty() ? entry->link_target : parent_of(name) + "/" + entry->link_target);
          break;
        default:
          throw Error("member " + name + " is neither a file, a directory nor a link");
      }
    }
  } catch (const Error& e) {
    remove_all(dir_);
    throw Error("extract " + archive + ": " + e.what(), e.code());
  } catch (...) {
    remove_all(dir_);
    throw;
  }
}

ExtractedArchive::~ExtractedArchive() {
  remove_all(dir_);
}

std::string ExtractedArchive::resolve(std::string_view member) const {
  std::string name;
  try {
    name = member_name(member);
  } catch (const Error& e) {
    throw Error(archive_ + ": " + e.what());
  }
  for (int hop = 0; hop < kMaxLinkHops; ++hop) {
    auto link = links_.find(name);
    if (link == links_.end()) {
      return name;
    }
    name = link->second;
  }
  throw Error(archive_ + ": member " + std::string(member) + ": too many levels of links");
}

bool ExtractedArchive::contains(std::string_view member) const {
  return path_exists(dir_ + "/" + resolve(member));
}

std::string ExtractedArchive::path(std::string_view member) const {
  std::string name = resolve(member);
  std::string path = dir_ + "/" + name;
  if (name.empty() || !path_exists(path)) {
    throw Error(archive_ + ": no member " + std::string(member));
  }
  return path;
}

}  // namespace skiff::image

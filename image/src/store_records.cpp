#include "store_records.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <boost/json.hpp>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>

#include "skiff/base/error.h"
#include "skiff/base/json.h"
#include "skiff/base/log.h"

namespace skiff::image::store_detail {

namespace {

struct DirCloser {
  void operator()(DIR* dir) const { ::closedir(dir); }
};

boost::json::array digests_to_json(const std::vector<Digest>& digests) {
  boost::json::array out;
  for (const auto& d : digests) {
    out.emplace_back(d.str());
  }
  return out;
}

std::vector<Digest> digests_from_json(const boost::json::value& value, std::string_view path) {
  std::vector<Digest> out;
  const auto& array = json::as_array(value, path);
  for (size_t i = 0; i < array.size(); ++i) {
    auto element = json::element(path, i);
    out.push_back(Digest::parse(json::as_string(array[i], element), element));
  }
  return out;
}

boost::json::array strings_to_json(const std::vector<std::string>& strings) {
  boost::json::array out;
  for (const auto& s : strings) {
    out.emplace_back(s);
  }
  return out;
}

const boost::json::value& member(const boost::json::object& obj, std::string_view parent, std::string_view key) {
  const auto* v = json::find(obj, key);
  if (v == nullptr) {
    json::invalid(json::field(parent, key), "is missing");
  }
  return *v;
}

Digest digest_member(const boost::json::object& obj, std::string_view parent, std::string_view key) {
  auto path = json::field(parent, key);
  return Digest::parse(json::as_string(member(obj, parent, key), path), path);
}

}  // namespace

boost::json::value layer_to_json(const LayerRecord& record) {
  boost::json::object obj;
  obj["chainId"] = record.chain_id.str();
  obj["diffId"] = record.diff_id.str();
  if (record.parent) {
    obj["parent"] = record.parent->str();
  }
  obj["blob"] = record.blob.str();
  obj["mediaType"] = record.media_type;
  obj["blobSize"] = record.blob_size;
  obj["diffSize"] = record.diff_size;
  return obj;
}

LayerRecord layer_from_json(const boost::json::value& value, std::string_view what) {
  const auto& obj = json::as_object(value, what);
  LayerRecord record{
      .chain_id = digest_member(obj, what, "chainId"),
      .diff_id = digest_member(obj, what, "diffId"),
      .parent = std::nullopt,
      .blob = digest_member(obj, what, "blob"),
      .media_type = json::as_string(member(obj, what, "mediaType"), json::field(what, "mediaType")),
      .blob_size = json::as_uint64(member(obj, what, "blobSize"), json::field(what, "blobSize")),
      .diff_size = json::as_uint64(member(obj, what, "diffSize"), json::field(what, "diffSize")),
  };
  if (json::find(obj, "parent") != nullptr) {
    record.parent = digest_member(obj, what, "parent");
  }
  return record;
}

boost::json::value image_to_json(const ImageRecord& record) {
  boost::json::object obj;
  obj["id"] = record.id.str();
  obj["manifest"] = record.manifest.str();
  obj["manifestMediaType"] = record.manifest_media_type;
  obj["names"] = strings_to_json(record.names);
  obj["digests"] = strings_to_json(record.digests);
  obj["layers"] = digests_to_json(record.layers);
  obj["created"] = record.created;
  obj["size"] = record.size;
  return obj;
}

ImageRecord image_from_json(const boost::json::value& value, std::string_view what) {
  const auto& obj = json::as_object(value, what);
  return ImageRecord{
      .id = digest_member(obj, what, "id"),
      .manifest = digest_member(obj, what, "manifest"),
      .manifest_media_type =
          json::as_string(member(obj, what, "manifestMediaType"), json::field(what, "manifestMediaType")),
      .names = json::as_string_array(member(obj, what, "names"), json::field(what, "names")),
      .digests = json::as_string_array(member(obj, what, "digests"), json::field(what, "digests")),
      .layers = digests_from_json(member(obj, what, "layers"), json::field(what, "layers")),
      .created = json::as_string(member(obj, what, "created"), json::field(what, "created")),
      .size = json::as_uint64(member(obj, what, "size"), json::field(what, "size")),
  };
}

boost::json::value container_to_json(const ContainerRecord& record) {
  boost::json::object obj;
  obj["id"] = record.id;
  obj["image"] = record.image.str();
  obj["layers"] = digests_to_json(record.layers);
  obj["created"] = record.created;
  return obj;
}

ContainerRecord container_from_json(const boost::json::value& value, std::string_view what) {
  const auto& obj = json::as_object(value, what);
  return ContainerRecord{
      .id = json::as_string(member(obj, what, "id"), json::field(what, "id")),
      .image = digest_member(obj, what, "image"),
      .layers = digests_from_json(member(obj, what, "layers"), json::field(what, "layers")),
      .created = json::as_string(member(obj, what, "created"), json::field(what, "created")),
  };
}

UniqueFd lock_file(const std::string& path, int operation) {
  for (;;) {
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!fd) {
      throw_errno("open lock " + path);
    }
    while (::flock(fd.get(), operation) != 0) {
      if (errno != EINTR) {
        throw_errno("flock " + path);
      }
    }
    struct stat held {};
    struct stat now {};
    check(::fstat(fd.get(), &held), "stat " + path);
    if (::stat(path.c_str(), &now) == 0 && now.st_ino == held.st_ino && now.st_dev == held.st_dev) {
      return fd;
    }
  }
}

std::string unique_name(std::string_view prefix) {
  static std::atomic<uint64_t> counter{0};
  return std::string(prefix) + std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1));
}

std::string random_name(std::string_view prefix) {
  std::random_device random;
  uint64_t bits = (uint64_t{random()} << 32) | random();
  std::array<char, 17> hex{};
  std::snprintf(hex.data(), hex.size(), "%016llx", static_cast<unsigned long long>(bits));
  return std::string(prefix) + hex.data();
}

void mark_top_dir(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) {
    throw_errno("open " + path);
  }
  int flags = 0;
  if (::ioctl(fd.get(), FS_IOC_GETFLAGS, &flags) < 0 || (flags & FS_TOPDIR_FL) != 0) {
    return;  // no inode flags here (nfs, older tmpfs), or set already
  }
  flags |= FS_TOPDIR_FL;
  if (::ioctl(fd.get(), FS_IOC_SETFLAGS, &flags) < 0) {
    // Only a placement hint: a file system that does not know the flag (xfs, btrfs, tmpfs) or
    // does not let this user set it leaves the store as it was.
    log::debug("store " + path + ": no FS_TOPDIR_FL (chattr +T): " + std::strerror(errno));
  }
}

std::vector<std::string> list_dir(const std::string& path) {
  std::vector<std::string> names;
  std::unique_ptr<DIR, DirCloser> dir(::opendir(path.c_str()));
  if (!dir) {
    if (errno == ENOENT) {
      return names;
    }
    throw_errno("open " + path);
  }
  while (const dirent* entry = ::readdir(dir.get())) {
    std::string_view name = entry->d_name;
    if (name != "." && name != "..") {
      names.emplace_back(name);
    }
  }
  return names;
}

bool is_sha256_hex(std::string_view name) {
  return name.size() == 64 && name.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

}  // namespace skiff::image::store_detail

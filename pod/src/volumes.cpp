#include "skiff/pod/volumes.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cerrno>
#include <filesystem>

#include "container_store.h"
#include "skiff/base/clock.h"
#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/json.h"
#include "skiff/base/strings.h"

namespace skiff::pod {

namespace {

constexpr const char* kMetadataFile = "volume.json";
// Directories being made or removed: never volumes.
constexpr const char* kTransientPrefix = ".";

void validate_volume_name(const std::string& name) {
  if (!is_valid_object_name(name)) {
    throw Error("invalid volume name \"" + name + "\": names are [a-zA-Z0-9][a-zA-Z0-9_.-]*", EINVAL);
  }
}

std::string metadata_json(const VolumeInfo& info) {
  boost::json::object labels;
  for (const auto& [key, value] : info.labels) {
    labels[key] = value;
  }
  return json::pretty(boost::json::object{
      {"name", info.name}, {"created", info.created}, {"labels", labels}, {"needsCopyUp", info.needs_copy_up}});
}

// RFC 3339 (UTC) of a directory's mtime: the creation time of a volume made before volume.json
// was written for every volume.
std::string mtime_rfc3339(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) < 0) {
    throw_errno("stat " + path);
  }
  char buf[32];
  struct tm tm {};
  ::gmtime_r(&st.st_mtime, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

VolumeStore::VolumeStore(const std::string& store_root) : dir_(store_root + "/volumes") {}

VolumeInfo VolumeStore::create(const std::string& requested, const std::map<std::string, std::string>& labels) {
  std::string name = requested.empty() ? generate_container_id() : requested;
  validate_volume_name(name);
  mkdir_all(dir_, 0700);
  VolumeInfo info{name, dir_ + "/" + name + "/_data", now_rfc3339(), labels};
  // Made whole under a staging name, then renamed: a volume is never seen half made, and of two
  // creators of one name exactly one wins.
  std::string staging = dir_ + "/" + kTransientPrefix + "staging-" + name + "-" + std::to_string(::getpid());
  remove_all(staging);
  try {
    check(::mkdir(staging.c_str(), 0755), "create volume dir " + staging);
    check(::mkdir((staging + "/_data").c_str(), 0755), "create volume dir " + staging + "/_data");
    write_file(staging + "/" + kMetadataFile, metadata_json(info), 0600);
    if (::rename(staging.c_str(), (dir_ + "/" + name).c_str()) < 0) {
      if (errno == EEXIST || errno == ENOTEMPTY) {
        throw Error("volume with name " + name + " already exists", EEXIST);
      }
      throw_errno("rename " + staging + " to " + dir_ + "/" + name);
    }
  } catch (...) {
    remove_all(staging);
    throw;
  }
  return info;
}

std::string VolumeStore::ensure(const std::string& name) {
  validate_volume_name(name);
  std::string mountpoint = dir_ + "/" + name + "/_data";
  if (path_exists(mountpoint)) {
    return mountpoint;
  }
  try {
    create(name, {});
  } catch (const Error& e) {
    if (e.code() != EEXIST) {
      throw;
    }
  }
  return mountpoint;
}

VolumeInfo VolumeStore::info(const std::string& name) const {
  validate_volume_name(name);
  std::string dir = dir_ + "/" + name;
  if (!path_exists(dir + "/_data")) {
    throw Error("no such volume " + name, ENOENT);
  }
  VolumeInfo info{name, dir + "/_data", {}, {}};
  std::string metadata = dir + "/" + kMetadataFile;
  if (!path_exists(metadata)) {
    info.created = mtime_rfc3339(dir);
    info.needs_copy_up = false;
    return info;
  }
  boost::json::value parsed = json::parse_file(metadata);
  const auto& doc = json::as_object(parsed, metadata);
  info.created = json::as_string(doc.at("created"), metadata + ": created");
  if (const auto* labels = json::find(doc, "labels")) {
    for (const auto& [key, value] : json::as_object(*labels, metadata + ": labels")) {
      info.labels[std::string(key)] = json::as_string(value, metadata + ": labels." + std::string(key));
    }
  }
  const auto* copy_up = json::find(doc, "needsCopyUp");
  info.needs_copy_up = copy_up != nullptr && copy_up->is_bool() && copy_up->as_bool();
  return info;
}

bool VolumeStore::claim_copy_up(const std::string& name) {
  VolumeInfo volume = info(name);
  if (!volume.needs_copy_up) {
    return false;
  }
  volume.needs_copy_up = false;
  write_file_atomic(dir_ + "/" + name + "/" + kMetadataFile, metadata_json(volume), 0600, false);
  return true;
}

std::vector<VolumeInfo> VolumeStore::list() const {
  std::vector<VolumeInfo> out;
  if (!path_exists(dir_)) {
    return out;
  }
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    std::string name = entry.path().filename().string();
    if (name.starts_with(kTransientPrefix) || !entry.is_directory()) {
      continue;
    }
    try {
      out.push_back(info(name));
    } catch (const Error& e) {
      if (e.code() != ENOENT) {
        throw;
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const VolumeInfo& a, const VolumeInfo& b) { return a.name < b.name; });
  return out;
}

void VolumeStore::remove(const std::string& name) {
  (void)info(name);  // its errors: a bad name, no such volume
  // Renamed away first, so a removal cut short leaves no volume that is half gone.
  std::string removing = dir_ + "/" + kTransientPrefix + "removing-" + name + "-" + std::to_string(::getpid());
  check(::rename((dir_ + "/" + name).c_str(), removing.c_str()), "rename volume " + name + " for removal");
  remove_all(removing);
}

}  // namespace skiff::pod

#pragma once

// Named volumes, kept as podman's local driver keeps them: <store root>/volumes/<name>/_data is
// the directory containers mount, <store root>/volumes/<name>/volume.json what `volume inspect`
// shows. A volume is made by `skiff volume create` or on first use by `-v <name>:<dest>`.

#include <map>
#include <string>
#include <vector>

namespace skiff::pod {

struct VolumeInfo {
  std::string name;
  std::string mountpoint;  // its _data directory
  std::string created;     // RFC 3339
  std::map<std::string, std::string> labels;
  // Until a container first mounts it: then what the image has at the mount point is copied in
  // (podman's and docker's copy-up), so that a volume at /var/lib/db starts with the image's files.
  bool needs_copy_up = true;
};

class VolumeStore {
 public:
  // store_root: the image store's root (image::Store::root()).
  explicit VolumeStore(const std::string& store_root);

  // Empty name: a random 64-hex-digit one, as podman makes. Errors: a name podman refuses, a
  // name in use (EEXIST).
  VolumeInfo create(const std::string& name, const std::map<std::string, std::string>& labels);
  // The volume's mountpoint, made first when it does not exist yet (a container's -v name:/dest).
  std::string ensure(const std::string& name);
  [[nodiscard]] std::vector<VolumeInfo> list() const;
  // Errors: no such volume (ENOENT), naming it.
  [[nodiscard]] VolumeInfo info(const std::string& name) const;
  // True once per volume: for the first container that mounts it, which then fills it from its
  // image (container_config.cpp). Clears needs_copy_up.
  bool claim_copy_up(const std::string& name);
  // Removes the volume and its data; whether a container still uses it is the caller's to check.
  void remove(const std::string& name);

 private:
  std::string dir_;
};

}  // namespace skiff::pod

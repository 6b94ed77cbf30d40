#pragma once

// A container's root file system: an overlay of its image's layer dirs (top first) under
// containers/<id>/upper, with containers/<id>/work, mounted at containers/<id>/merged.

#include <string>
#include <string_view>

#include "skiff/image/store.h"

namespace skiff::image {

enum class OverlayApi {
  // fsopen/fsconfig with one "lowerdir+" per layer (kernel 6.8+), else `legacy`.
  automatic,
  // mount(2) with lowerdir=/proc/self/fd/<n>:… over fds of the layer dirs: short enough for
  // about 200 layers in one page of mount data, and thread-safe (no chdir).
  legacy,
};

// Whether a container's writes are synced to disk when its rootfs is unmounted.
enum class Durability {
  synced,
  // overlay's "volatile": no sync at unmount (or ever). For containers removed when they end
  // (run --rm), whose unmount would otherwise wait for their writes to reach the disk.
  transient,
};

class Rootfs {
 public:
  // Registers id as a user of the image (rmi refuses to remove it, gc keeps its layers) and
  // makes the upper, work and merged dirs. Errors when the id is taken or the image unknown. A
  // transient container's record is not synced either.
  static Rootfs create(const Store& store, std::string_view id, std::string_view image_name_or_id,
                       Durability durability = Durability::synced);
  // An existing container's rootfs.
  static Rootfs open(const Store& store, std::string_view id);

  [[nodiscard]] const ContainerRecord& record() const { return record_; }
  [[nodiscard]] std::string dir() const { return dir_; }
  [[nodiscard]] std::string merged() const { return dir_ + "/merged"; }
  [[nodiscard]] std::string upper() const { return dir_ + "/upper"; }
  [[nodiscard]] std::string work() const { return dir_ + "/work"; }

  // Mounts the overlay at merged() in the caller's mount namespace. As root the overlay keeps
  // its metadata in trusted.* xattrs; rootless (the store says so) it mounts with userxattr
  // and must be called inside the user namespace that owns the mount namespace.
  void mount(OverlayApi api = OverlayApi::automatic, Durability durability = Durability::synced) const;
  [[nodiscard]] bool mounted() const;
  // Unmounts merged() (detaching it when busy); nothing when it is not mounted.
  void unmount() const;
  // Unmounts, removes the container's dirs and its registration.
  void remove() const;

 private:
  Rootfs(const Store& store, ContainerRecord record);
  const Store* store_;
  ContainerRecord record_;
  std::string dir_;
};

}  // namespace skiff::image

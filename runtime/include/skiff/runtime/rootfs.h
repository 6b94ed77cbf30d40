#pragma once

#include <functional>
#include <string>

#include "skiff/runtime/spec.h"

namespace skiff::cgroups {
class Manager;
}

namespace skiff::runtime {

// What setting up a container's file system needs beyond its spec.
struct RootfsContext {
  std::string rootfs;           // absolute host path
  std::string bundle;           // relative bind sources resolve against it
  bool user_namespace = false;  // not the initial one: no mknod, devices are bind mounts of the host's
  const cgroups::Manager* cgroup = nullptr;
  bool cgroup_namespace = false;
  // Runs between the mounts and the device nodes (the process may still be on its way into the
  // container's cgroup during the mounts, and the devices cgroup must rule on each mknod).
  std::function<void()> before_devices;
};

// In the container's new mount namespace, before pivot_root: makes the host's mounts
// non-shared, binds the rootfs onto itself, performs every mount of the spec inside it
// (fd-relative, verified), runs before_devices, and creates the devices and /dev symlinks.
void prepare_rootfs(const Spec& spec, const RootfsContext& context);

// Makes the rootfs "/": pivot_root and a detached unmount of the old root, or with no_pivot a
// MS_MOVE and chroot (for ramfs roots, as runc's --no-pivot).
void enter_rootfs(const std::string& rootfs, bool no_pivot);

// After entering the rootfs: rootfsPropagation, masked and read-only paths, sysctls, and
// finally a read-only root when root.readonly is set.
void finish_rootfs(const Spec& spec);

}  // namespace skiff::runtime

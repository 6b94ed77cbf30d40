#pragma once

#include "skiff/runtime/rootfs.h"
#include "skiff/runtime/spec.h"

namespace skiff::runtime {

// Performs one mount of the spec inside the rootfs open at rootfd. The destination is resolved
// inside the root (symlinks cannot leave it), created when missing, mounted through its fd, and
// what was mounted is checked afterwards. Errors read "mount <type> <source> at <destination>: ...".
void mount_in_root(int rootfd, const Mount& mount, const RootfsContext& context);

// Remounts the mount at fd with flags (plus MS_REMOUNT | MS_BIND); when the kernel refuses to
// drop a lock a user namespace holds (nosuid, nodev, noexec, ro of the source), keeps those.
void remount_bind(int fd, unsigned long flags, const std::string& what);

}  // namespace skiff::runtime

#pragma once

#include <vector>

#include "skiff/runtime/spec.h"

namespace skiff::runtime {

// The devices every container gets (null, zero, full, random, urandom, tty), as runc.
const std::vector<Device>& default_devices();

// Creates the default devices and the spec's devices in the rootfs open at rootfd, plus the
// /dev symlinks (fd, stdin, stdout, stderr, ptmx). In a user namespace, where mknod is not
// allowed, each device is a bind mount of the host's node instead.
void create_devices(int rootfd, const std::vector<Device>& devices, bool bind_from_host);

}  // namespace skiff::runtime

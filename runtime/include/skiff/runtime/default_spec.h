#pragma once

#include <boost/json/object.hpp>

namespace skiff::runtime {

// The config.json that `spec` writes: runc's default (sh in a busybox-style rootfs named
// "rootfs", the default capabilities, masked and read-only paths). rootless adds a user
// namespace mapping the caller's uid and gid to root, drops the network namespace and binds
// /sys instead of mounting sysfs, as `runc spec --rootless` does.
boost::json::object default_spec(bool rootless, uint32_t uid, uint32_t gid);

// What `features` prints: the runtime-spec "features" document of this build and kernel.
boost::json::object runtime_features();

}  // namespace skiff::runtime

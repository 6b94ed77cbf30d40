#pragma once

// Whether the caller is rootless. Root of a user namespace other than the initial one (a rootless
// CLI inside its namespace) has no more right to the host's cgroup hierarchies, bridge or
// nftables than the user it maps to, so it counts as rootless too, as runc decides it.

#include <string_view>

namespace skiff {

// True when uid_map_text (the text of /proc/<pid>/uid_map) maps less than the initial user
// namespace's whole id range "0 0 4294967295".
bool is_non_initial_uid_map(std::string_view uid_map_text);

// True when the calling process is in a user namespace other than the initial one.
bool in_user_namespace();

// True when the caller is not root of the initial user namespace: cgroups only where delegated,
// no bridge network, images unpacked through subordinate ids.
bool running_rootless();

}  // namespace skiff

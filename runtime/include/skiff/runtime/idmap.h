#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "skiff/runtime/spec.h"

namespace skiff::runtime {

// "0 1000 1\n1 100000 65536\n": the text /proc/<pid>/uid_map takes.
std::string format_id_map(const std::vector<IdMapping>& mappings);

// True when the mappings can be written directly by this process: as root, or a single
// mapping of the caller's own id (the unprivileged case the kernel allows).
bool can_write_map_directly(const std::vector<IdMapping>& mappings, uint32_t own_id);

// Writes pid's uid and gid maps: directly when allowed, otherwise through newuidmap and
// newgidmap (the setuid helpers that check /etc/subuid and /etc/subgid). A rootless single
// gid mapping needs "deny" in /proc/<pid>/setgroups first, which is written here.
void write_id_maps(pid_t pid, const std::vector<IdMapping>& uid_mappings, const std::vector<IdMapping>& gid_mappings);

// The host id that container id maps to; -1 when unmapped.
int64_t map_to_host(const std::vector<IdMapping>& mappings, uint32_t container_id);

}  // namespace skiff::runtime

#pragma once

#include <map>
#include <string>
#include <string_view>

namespace skiff::cgroups {

// Hierarchy keys used throughout this module: a v1 controller ("cpu", "memory"), a named v1
// hierarchy ("name=systemd"), or "unified" for the cgroup2 hierarchy.

// The caller's cgroup in each hierarchy, from the text of /proc/self/cgroup: v1 lines
// "4:cpu,cpuacct:/a/b" give one entry per controller, the v2 line "0::/a/b" gives "unified".
std::map<std::string, std::string> parse_proc_cgroup(std::string_view text);
// The same for the calling process.
std::map<std::string, std::string> own_cgroups();

// Where one hierarchy is mounted.
struct CgroupMount {
  std::string mount_point;  // "/sys/fs/cgroup/cpu,cpuacct"
  std::string root;         // the cgroup shown at the mount point: "/" unless a subtree is mounted
};

// The cgroup mounts in the text of /proc/self/mountinfo, keyed as above (co-mounted controllers
// share one mount). Of several mounts of one hierarchy, the one under /sys/fs/cgroup wins.
std::map<std::string, CgroupMount> parse_cgroup_mounts(std::string_view mountinfo);
// The same for the calling process's mount namespace.
std::map<std::string, CgroupMount> cgroup_mounts();

// The directory of a process's cgroup (own_path, as /proc/self/cgroup shows it) under a mount.
std::string own_dir(const CgroupMount& mount, std::string_view own_path);

// What a relative cgroupsPath is resolved against on cgroup v2: the parent of own_path (or the
// root). A cgroup2 directory may hold processes or hand controllers to children, not both, and
// the caller's own cgroup holds the caller; runc resolves against the parent for that reason.
std::string v2_relative_base(std::string_view own_path);

// The directory of a container's cgroup in one hierarchy. cgroups_path absolute: below the
// hierarchy's root; relative, or empty (then container_id): below own_path. ".." never climbs out,
// and a path naming the root or the caller's own cgroup itself is refused.
std::string resolve_dir(const CgroupMount& mount, std::string_view own_path, std::string_view cgroups_path,
                        std::string_view container_id);

}  // namespace skiff::cgroups

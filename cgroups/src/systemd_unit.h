#pragma once

#include <string>
#include <string_view>

// Which systemd unit a container's cgroup is, and where systemd puts it: no bus needed.
namespace skiff::cgroups::systemd {

// The unit that linux.cgroupsPath names under --systemd-cgroup.
struct UnitPath {
  std::string slice;  // the parent slice: "system.slice", "user.slice", "-.slice" for the root
  std::string unit;   // "skiff-abc.scope", or a slice of its own ("machine-abc.slice")

  [[nodiscard]] bool is_slice() const;
  bool operator==(const UnitPath&) const = default;
};

// Parses cgroupsPath as runc does: "slice:prefix:name" -> unit "<prefix>-<name>.scope" in slice
// (an empty slice is system.slice, or user.slice when rootless; an empty prefix gives
// "<name>.scope"; a name ending in ".slice" or ".scope" is the unit itself). An empty cgroupsPath
// means ":skiff:<container_id>". Errors name linux.cgroupsPath and say what form it needs.
UnitPath parse_cgroups_path(std::string_view cgroups_path, std::string_view container_id, bool rootless);

// The cgroup of a slice below its manager's root, as systemd nests slices by their dashes:
// "a-b.slice" -> "/a.slice/a-b.slice", "-.slice" (the root slice) -> "". Throws on a name
// systemd refuses ("a--b.slice", "-a.slice", "a/b.slice", "a.scope").
std::string expand_slice(std::string_view slice);

// The unit's cgroup below the cgroup2 root. manager_cgroup is the manager's own cgroup: "" for
// the system manager, "/user.slice/user-1000.slice/user@1000.service" for a user's.
std::string unit_cgroup(const UnitPath& path, std::string_view manager_cgroup);

// True when name is a valid unit name of this type (".scope"): the characters systemd allows,
// at most 255 of them.
bool valid_unit_name(std::string_view name, std::string_view suffix);

}  // namespace skiff::cgroups::systemd

#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace skiff::runtime {

// The five capability sets of process.capabilities as bit masks (bit N = capability N).
struct CapabilitySets {
  uint64_t bounding = 0;
  uint64_t effective = 0;
  uint64_t inheritable = 0;
  uint64_t permitted = 0;
  uint64_t ambient = 0;
};

// "CAP_SYS_ADMIN" (or "sys_admin", case-insensitively, as podman's --cap-add allows) -> 21;
// -1 when the name is unknown.
int capability_from_name(std::string_view name);
// 21 -> "CAP_SYS_ADMIN".
std::string capability_name(int cap);
// The highest capability this kernel knows (/proc/sys/kernel/cap_last_cap).
int last_capability();
// Every capability this kernel knows, by name, in number order (for `features`).
std::vector<std::string> known_capabilities();

// Parses process.capabilities; path names it in errors. Unknown names are errors naming the
// field and the name; names libcap knows but this kernel does not are dropped with a warning.
CapabilitySets parse_capabilities(const boost::json::value& value, std::string_view path);
// Parses a list of names (exec --cap); field names it in errors.
uint64_t parse_capability_list(const std::vector<std::string>& names, std::string_view field);

// In the container's process, before changing uid: drops from the bounding set every
// capability not in sets.bounding. Throws an Error with errno and the capability's name.
void drop_bounding_set(const CapabilitySets& sets);
// In the container's process, after changing uid (with PR_SET_KEEPCAPS set): sets effective,
// permitted and inheritable with capset(2), then raises the ambient set.
void apply_capabilities(const CapabilitySets& sets);

}  // namespace skiff::runtime

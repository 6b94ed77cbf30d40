#pragma once

// The user namespace of a rootless pod: the caller's uid and gid are root in it, and its
// subordinate ranges (/etc/subuid, /etc/subgid, as newuidmap/newgidmap check them) are ids 1...
// so that images whose files or processes use other ids work.

#include <sys/types.h>

#include <boost/json/array.hpp>
#include <optional>
#include <string>

namespace skiff::pod {

struct SubIdRange {
  uint32_t start = 0;
  uint32_t size = 0;
};

// The first range of user (by name, or by number) in the text of /etc/subuid or /etc/subgid.
std::optional<SubIdRange> find_subid_range(const std::string& text, const std::string& user, uint32_t id);

struct IdMaps {
  boost::json::array uid_mappings;  // OCI linux.uidMappings
  boost::json::array gid_mappings;
};

// 0 -> uid (and gid), plus 1.. -> the caller's subordinate range when it has one; without one a
// single mapping, with a warning (processes then run as root only).
IdMaps rootless_id_maps(uid_t uid, gid_t gid);

}  // namespace skiff::pod

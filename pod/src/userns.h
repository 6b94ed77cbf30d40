#pragma once

// The user namespace of a rootless pod: the caller's uid and gid are root in it, and its
// subordinate ranges (/etc/subuid, /etc/subgid, as newuidmap/newgidmap check them) are ids 1...
// so that images whose files or processes use other ids work.

#include <sys/types.h>

#include <boost/json/array.hpp>

namespace skiff::pod {

struct IdMaps {
  boost::json::array uid_mappings;  // OCI linux.uidMappings
  boost::json::array gid_mappings;
};

// 0 -> uid (and gid), plus 1.. -> the caller's subordinate range when it has one; without one a
// single mapping, with a warning (processes then run as root only).
IdMaps rootless_id_maps(uid_t uid, gid_t gid);

}  // namespace skiff::pod

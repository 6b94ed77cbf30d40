#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "skiff/base/passwd.h"

namespace skiff::image {

// The ids a container process runs as.
struct ImageUser {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> additional_gids;
};

// One group line of an /etc/group file.
struct GroupEntry {
  std::string name;
  gid_t gid = 0;
  std::vector<std::string> members;
};

// Lookups in the text of /etc/passwd and /etc/group (base/passwd.h finds a passwd entry by uid).
std::optional<PasswdEntry> find_passwd_name(std::string_view passwd_text, std::string_view name);
std::vector<GroupEntry> parse_group_file(std::string_view group_text);

// Resolves a user as docker and runc do ("", "name", "uid", "name:group", "uid:gid", ":gid")
// against the image's own /etc/passwd and /etc/group, read inside rootfs_fd so that symlinks in
// the untrusted rootfs never lead out of it. A name must exist in the image; a number need not.
// Without an explicit group, the gid is the passwd entry's and the additional gids are the
// groups that list the user as a member.
ImageUser resolve_image_user(int rootfs_fd, std::string_view user);

}  // namespace skiff::image

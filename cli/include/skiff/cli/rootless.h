#pragma once

// The rootless user's namespace for image commands: the caller becomes root of a new user
// namespace whose other ids are its /etc/subuid and /etc/subgid ranges (image/rootless_userns.h
// does the entering), so layers unpack with their owners.

#include <sys/types.h>

#include <string>
#include <string_view>

#include "skiff/image/rootless_userns.h"

namespace skiff::cli {

// What to do when user (uid) lacks a range in the texts of /etc/subuid or /etc/subgid: which
// line to add, with a start above every range already given out. Empty when both have one.
std::string missing_subid_advice(std::string_view user, uid_t uid, std::string_view subuid_text,
                                 std::string_view subgid_text);

// The caller's maps; an error carrying missing_subid_advice when a range is missing.
image::UserNamespaceMaps rootless_user_maps();

}  // namespace skiff::cli

#pragma once

// The rootless user's namespaces: the caller becomes root of a user namespace whose other ids
// are its /etc/subuid and /etc/subgid ranges (image/rootless_userns.h does the entering), so
// layers unpack with their owners, and member of the mount namespace that user namespace owns,
// where the containers' rootfses are mounted. One long-lived holder process keeps both, so that
// every command of the user works on the same containers and mounts.

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

// Where the holder's pid and start time are recorded, under the rootless run root.
std::string namespace_holder_pid_file(const std::string& run_root);

// Joins the namespaces of the holder recorded under run_root, first starting a holder
// (skiff-pause) when there is none: the first command after a boot, or the holder was killed.
// Commands starting at the same time agree on one holder. Call it while single-threaded.
void enter_rootless_namespaces(const std::string& run_root);

}  // namespace skiff::cli

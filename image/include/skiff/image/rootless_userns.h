#pragma once

// Entering the rootless user's namespace, as podman does before it touches its store: the
// caller's uid and gid become 0, and its subordinate ranges (/etc/subuid, /etc/subgid, as
// newuidmap and newgidmap check them) become ids 1.., so layers owned by any id unpack with their
// owners mapped (an image's 1234 is subuid start + 1233 on disk). A mount namespace owned by that
// user namespace lets a rootless store mount container rootfses (overlay with userxattr).

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "skiff/base/unique_fd.h"

namespace skiff::image {

struct SubIdRange {
  uint32_t start = 0;
  uint32_t size = 0;
};

// The first usable range of user (by name, or by number id) in the text of /etc/subuid or
// /etc/subgid; malformed lines and empty ranges are skipped, as newuidmap skips them.
std::optional<SubIdRange> find_subid_range(std::string_view text, std::string_view user, uint32_t id);

// ids inside..inside+size-1 of the namespace are outside..outside+size-1 of its parent.
struct IdMapping {
  uint32_t inside = 0;
  uint32_t outside = 0;
  uint32_t size = 0;
};

struct UserNamespaceMaps {
  std::vector<IdMapping> uids;
  std::vector<IdMapping> gids;
};

// 0 -> uid and gid, 1.. -> the subordinate ranges.
UserNamespaceMaps rootless_maps(uid_t uid, gid_t gid, SubIdRange subuid, SubIdRange subgid);

// The calling user's maps from /etc/subuid and /etc/subgid; errors, naming the file, when the
// user has no range there (a store unpacking images as one id would fail on any other owner).
UserNamespaceMaps rootless_maps_for_caller();

// The parent namespace's id of id inside; none when unmapped.
std::optional<uint32_t> outside_id(const std::vector<IdMapping>& mappings, uint32_t inside);

// The command line that writes pid's map with helper ("newuidmap" or "newgidmap"):
// helper pid inside outside size [inside outside size...].
std::vector<std::string> map_helper_args(std::string_view helper, pid_t pid, const std::vector<IdMapping>& mappings);

// Writes pid's uid and gid maps with newuidmap and newgidmap (which check them against
// /etc/subuid and /etc/subgid); errors name the helper and what it said.
void write_id_maps(pid_t pid, const UserNamespaceMaps& maps);

// Runs fn in a child process that is root of a new user namespace with maps (written from this
// process by newuidmap and newgidmap) and in a new mount namespace that namespace owns, with
// private mount propagation: its mounts vanish with it. Returns what fn returned; an exception
// fn threw is rethrown here as an Error with the same message, and a child that dies otherwise
// is an error saying how. Call it while the process is single-threaded (a CLI before its work
// starts, a test): fork copies only the calling thread.
std::string run_in_user_namespace(const UserNamespaceMaps& maps, const std::function<std::string()>& fn);

// The long-lived holder of a rootless user's namespaces, as podman's pause process: a process
// of its own session that is root of a new user namespace with maps and owns a new mount
// namespace, into which the host's later mounts propagate and from which none leak out. Every
// later command joins both (join_namespaces), so a container made by one command can be
// exec'd into, copied to and stopped by the next, and the rootfs mounts of one are the next's.
// program (skiff-pause) is what the holder runs; it lives on after the caller exits and ends on
// SIGTERM or SIGKILL, its namespaces and their mounts with it. Returns its pid once both
// namespaces exist. Call it while the process is single-threaded.
pid_t start_namespace_holder(const UserNamespaceMaps& maps, const std::string& program);

// pid's user and mount namespaces, opened, so that what is joined is what was checked.
struct HeldNamespaces {
  UniqueFd user;
  UniqueFd mount;
};
HeldNamespaces open_held_namespaces(pid_t pid);

// Makes the calling process a member of the held namespaces (root of the user namespace, with
// every capability in it) and keeps its working directory. Only a single-threaded process may
// join a user namespace.
void join_namespaces(const HeldNamespaces& namespaces);

}  // namespace skiff::image

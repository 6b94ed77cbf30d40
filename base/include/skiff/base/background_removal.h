#pragma once

#include <string>

namespace skiff {

// Removes path as remove_all does, in a process of its own that outlives the caller (a grandchild,
// reaped by init): for a tree already renamed where nobody looks, so a command need not wait for
// its file system to free every block (with online discard that is milliseconds per directory).
// The process keeps none of the caller's fds (no lock stays held, no pipe open) and runs at the
// lowest CPU priority. It forks without exec, which is only safe in a single-threaded process:
// from one with more threads the tree is removed before this returns. An error there is lost and
// the tree stays where the caller put it, for whatever collects that place (a store's gc).
void remove_all_in_background(const std::string& path);

}  // namespace skiff

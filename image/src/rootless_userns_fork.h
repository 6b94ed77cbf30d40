#pragma once

// The handshake of a forked child entering a new user namespace whose id maps its parent writes
// (newuidmap and newgidmap must run outside it): the child unshares and says so, the parent
// writes the maps and says so, the child goes on. Shared by run_in_user_namespace and the
// namespace holder (rootless_userns.cpp, rootless_userns_holder.cpp).

#include <sys/types.h>

#include "skiff/base/unique_fd.h"
#include "skiff/image/rootless_userns.h"

namespace skiff::image {

// One side's ends of the three pipes: ready (the child has unshared), mapped (the parent has
// written the maps) and result (what the child reports before it ends or execs).
struct UserNamespaceFork {
  pid_t pid = 0;  // 0 in the child
  UniqueFd ready;
  UniqueFd mapped;
  UniqueFd result;
};

// Forks; each side gets its own ends.
UserNamespaceFork fork_for_user_namespace();

// The child's side: unshares its user namespace and waits for its maps.
void enter_mapped_user_namespace(UserNamespaceFork& self);

// The parent's side: writes the child's maps once it has unshared. False when it failed before
// that (its error is in the result pipe).
bool map_user_namespace(UserNamespaceFork& child, const UserNamespaceMaps& maps);

}  // namespace skiff::image

#pragma once

// Unix sockets in a container's state dir, whose path may be longer than sun_path's 108 bytes
// (state roots under $TMPDIR, 64-character container ids): bind and connect go through
// /proc/self/fd/<fd of the dir>/<name>.

#include <string>

#include "skiff/base/unique_fd.h"

namespace skiff::pod {

// A listening SOCK_STREAM socket at path (an old socket file there is replaced), close-on-exec.
UniqueFd listen_unix_at(const std::string& path, const std::string& what);
UniqueFd connect_unix_at(const std::string& path, const std::string& what);

}  // namespace skiff::pod

#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "skiff/base/unique_fd.h"

namespace skiff {

// Lexically cleans a path: no ".", no "..", no doubled or trailing slashes. An absolute path
// stays absolute, and ".." never climbs above "/".
std::string clean_path(std::string_view path);
// The components of a cleaned path ("/a/b" -> {"a", "b"}).
std::vector<std::string> path_components(std::string_view path);
// Joins root and a path inside it lexically (for messages and host-side paths only).
std::string join_path(std::string_view root, std::string_view path);

// Opens path inside the directory rootfd as if rootfd were "/": "..", absolute paths and
// symlinks never leave it, and magic links (/proc/self/fd/N) are refused. flags are open(2)
// flags; O_CLOEXEC is always added. Uses openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS), and a
// component-by-component walk where the kernel has no openat2.
UniqueFd open_in_root(int rootfd, std::string_view path, int flags, mode_t mode = 0);
// The walk that open_in_root falls back to; public so that tests exercise it on every kernel.
UniqueFd open_in_root_by_walk(int rootfd, std::string_view path, int flags, mode_t mode = 0);

// Creates every missing directory of path inside rootfd (each one made fd-relative to its
// resolved parent) and returns an O_PATH fd of the final directory.
UniqueFd mkdir_all_in_root(int rootfd, std::string_view path, mode_t mode = 0755);
// Makes sure path exists inside rootfd, as a directory when dir is true and as an empty regular
// file otherwise, and returns an O_PATH fd of it. An existing entry of the other kind is an error.
UniqueFd ensure_in_root(int rootfd, std::string_view path, bool dir, mode_t mode);

// "/proc/self/fd/N": how mount(2) is pointed at an fd.
std::string fd_path(int fd);

}  // namespace skiff

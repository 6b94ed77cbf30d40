#pragma once

#include <string>
#include <string_view>

#include "skiff/base/unique_fd.h"

namespace skiff {

// Connects a SOCK_STREAM unix socket to path; errors say "connect to <what> at <path>". A path
// longer than sun_path allows is reached through /proc/self/fd/<its dir>.
UniqueFd connect_unix_socket(const std::string& path, const std::string& what);
// A listening SOCK_STREAM socket at path (an old socket file there is replaced), close-on-exec;
// long paths as connect_unix_socket takes them.
UniqueFd listen_unix_socket(const std::string& path, const std::string& what);

// Sends data with fd attached (SCM_RIGHTS) to its first bytes; the rest follows in further sends.
void send_with_fd(int socket, std::string_view data, int fd, const std::string& what);

// Receives one message and the fd attached to it (close-on-exec). data, when given, gets the
// bytes that came with it.
UniqueFd receive_fd(int socket, std::string* data, const std::string& what);

}  // namespace skiff

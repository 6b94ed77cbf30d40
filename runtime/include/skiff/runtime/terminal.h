#pragma once

#include <optional>
#include <string>

#include "skiff/base/unique_fd.h"
#include "skiff/runtime/spec.h"

namespace skiff::runtime {

// Connects to the unix socket that --console-socket names; the container's process sends the
// pty master there.
UniqueFd connect_console_socket(const std::string& path);

// In the container's process, after pivot_root: opens a new pty from the container's
// /dev/ptmx, sizes it, bind-mounts its slave over /dev/console when mount_console, sends the
// master over console_socket (SCM_RIGHTS, as runc does), and makes the slave the controlling
// terminal and stdin, stdout and stderr of a new session.
void setup_terminal(int console_socket, const std::optional<ConsoleSize>& size, bool mount_console);

// Receives the pty master that setup_terminal sent (for a runtime that proxies the terminal
// itself, and for tests).
UniqueFd receive_pty_master(int socket);

}  // namespace skiff::runtime

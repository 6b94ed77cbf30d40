#pragma once

// exec -t: the caller's terminal (raw mode) and a process's pty master, joined until the process
// has ended.

namespace skiff::cli {

// Copies the master's output to stdout, and with interactive stdin to the master, until reading
// the master fails (EIO: every holder of the slave has exited). The master's window size follows
// stdin's terminal, now and at each SIGWINCH.
void relay_terminal(int master, bool interactive);

}  // namespace skiff::cli

#pragma once

#include <sys/types.h>

#include <string>

#include "signal_forwarding.h"
#include "skiff/base/unique_fd.h"

namespace skiff::runtime {

// A console socket of the runtime's own, for a foreground `run` of a container with a terminal
// and no --console-socket (runc does the same): the container's pty master arrives here, and the
// runtime then relays between it and its own stdin and stdout.
class ConsoleListener {
 public:
  // Listens on a fresh socket under dir.
  explicit ConsoleListener(const std::string& dir);
  ConsoleListener(const ConsoleListener&) = delete;
  ConsoleListener& operator=(const ConsoleListener&) = delete;
  ~ConsoleListener();

  [[nodiscard]] const std::string& path() const { return path_; }
  // Accepts the container's connection and returns the pty master it sent.
  UniqueFd receive_master();

 private:
  std::string path_;
  UniqueFd socket_;
};

// Relays stdin to the pty master and the master to stdout, with our terminal in raw mode and
// its size passed on (also on SIGWINCH), until pid exits; forwards the other signals to pid.
// Returns pid's exit code (128 + signal when killed).
int relay_terminal(int master, pid_t pid, ForwardedSignals& signals);

}  // namespace skiff::runtime

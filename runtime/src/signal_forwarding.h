#pragma once

#include <signal.h>
#include <sys/types.h>

#include "skiff/base/unique_fd.h"

namespace skiff::runtime {

// For a runtime that waits in the foreground (run, exec): blocks the signals it passes on to
// the container's process, and SIGCHLD, from construction (before the process exists, so no
// signal is lost) until destruction. The container's processes reset their own mask.
class ForwardedSignals {
 public:
  ForwardedSignals();
  ForwardedSignals(const ForwardedSignals&) = delete;
  ForwardedSignals& operator=(const ForwardedSignals&) = delete;
  ~ForwardedSignals();

  // Waits for pid, a child of this process, passing every forwarded signal on to it. Returns its
  // exit code, or 128 + the signal that killed it.
  int wait_for(pid_t pid);
  // The exit code of pid if it has exited (reaping it), or -1 while it runs.
  static int try_reap(pid_t pid);
  // Readable when a blocked signal is pending; read a signalfd_siginfo from it.
  [[nodiscard]] int fd() const { return fd_.get(); }

 private:
  sigset_t mask_{};
  sigset_t old_{};
  UniqueFd fd_;
};

}  // namespace skiff::runtime

#pragma once

// The caller's terminal, for the relays that connect it to a container's: raw mode, window
// size changes (SIGWINCH) and the size itself. Used by skiff-runtime's run, skiff exec -t and
// the attach client.

#include <sys/ioctl.h>
#include <termios.h>

#include <csignal>
#include <optional>

#include "skiff/base/unique_fd.h"

namespace skiff {

// fd in raw mode for as long as this lives: keys (Ctrl-C too) go to the container's terminal,
// whose line discipline turns them into signals there. Nothing changes when fd is not a terminal.
class RawTerminalMode {
 public:
  explicit RawTerminalMode(int fd);
  RawTerminalMode(const RawTerminalMode&) = delete;
  RawTerminalMode& operator=(const RawTerminalMode&) = delete;
  ~RawTerminalMode();

 private:
  int fd_;
  std::optional<termios> saved_;
};

// SIGWINCH as a readable fd (a signalfd) while this lives, the signal blocked meanwhile in the
// calling thread only.
class WindowChangeSignal {
 public:
  WindowChangeSignal();
  WindowChangeSignal(const WindowChangeSignal&) = delete;
  WindowChangeSignal& operator=(const WindowChangeSignal&) = delete;
  ~WindowChangeSignal();

  [[nodiscard]] int fd() const { return fd_.get(); }
  // Reads the pending signals, so that poll waits for the next change.
  void drain() const;

 private:
  sigset_t saved_{};
  UniqueFd fd_;
};

// The size of the terminal at fd; none when fd is not a terminal or has no size yet.
std::optional<winsize> terminal_size(int fd);
// Gives the terminal at to the size of the one at from (nothing when from has none).
void copy_terminal_size(int from, int to);

}  // namespace skiff

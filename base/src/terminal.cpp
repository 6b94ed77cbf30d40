#include "skiff/base/terminal.h"

#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <csignal>

#include "skiff/base/error.h"

namespace skiff {

RawTerminalMode::RawTerminalMode(int fd) : fd_(fd) {
  termios raw{};
  if (fd < 0 || ::isatty(fd) != 1 || ::tcgetattr(fd, &raw) != 0) {
    return;
  }
  saved_ = raw;
  ::cfmakeraw(&raw);
  if (::tcsetattr(fd, TCSANOW, &raw) != 0) {
    saved_.reset();
    throw_errno("put the terminal in raw mode");
  }
}

RawTerminalMode::~RawTerminalMode() {
  if (saved_) {
    ::tcsetattr(fd_, TCSANOW, &*saved_);
  }
}

WindowChangeSignal::WindowChangeSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGWINCH);
  if (int err = ::pthread_sigmask(SIG_BLOCK, &set, &saved_); err != 0) {
    throw_errno(err, "block SIGWINCH");
  }
  fd_.reset(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!fd_) {
    int err = errno;
    ::pthread_sigmask(SIG_SETMASK, &saved_, nullptr);
    throw_errno(err, "signalfd for SIGWINCH");
  }
}

WindowChangeSignal::~WindowChangeSignal() {
  ::pthread_sigmask(SIG_SETMASK, &saved_, nullptr);
}

void WindowChangeSignal::drain() const {
  signalfd_siginfo info{};
  while (::read(fd_.get(), &info, sizeof info) == sizeof info) {
  }
}

std::optional<winsize> terminal_size(int fd) {
  winsize size{};
  if (::ioctl(fd, TIOCGWINSZ, &size) != 0 || size.ws_row == 0) {
    return std::nullopt;
  }
  return size;
}

void copy_terminal_size(int from, int to) {
  if (auto size = terminal_size(from)) {
    ::ioctl(to, TIOCSWINSZ, &*size);
  }
}

}  // namespace skiff

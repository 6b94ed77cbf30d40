#include "terminal_relay.h"

#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <optional>
#include <string_view>

#include "skiff/base/error.h"
#include "skiff/base/unique_fd.h"

namespace skiff::cli {

namespace {

// stdin in raw mode while it lives: keys go to the process as typed (Ctrl-C included).
class RawTerminal {
 public:
  explicit RawTerminal(int fd) : fd_(fd) {
    termios raw{};
    if (::tcgetattr(fd_, &raw) != 0) {
      return;  // not a terminal: nothing to change
    }
    saved_ = raw;
    ::cfmakeraw(&raw);
    if (::tcsetattr(fd_, TCSANOW, &raw) != 0) {
      throw_errno("put the terminal in raw mode");
    }
  }
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;
  ~RawTerminal() {
    if (saved_) {
      ::tcsetattr(fd_, TCSANOW, &*saved_);
    }
  }

 private:
  int fd_;
  std::optional<termios> saved_;
};

// SIGWINCH as a readable fd while it lives (blocked for the thread meanwhile).
class WindowChanges {
 public:
  WindowChanges() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGWINCH);
    if (::sigprocmask(SIG_BLOCK, &set, &saved_) != 0) {
      throw_errno("block SIGWINCH");
    }
    fd_ = UniqueFd(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!fd_) {
      throw_errno("signalfd for SIGWINCH");
    }
  }
  WindowChanges(const WindowChanges&) = delete;
  WindowChanges& operator=(const WindowChanges&) = delete;
  ~WindowChanges() { ::sigprocmask(SIG_SETMASK, &saved_, nullptr); }
  [[nodiscard]] int fd() const { return fd_.get(); }
  void drain() const {
    signalfd_siginfo info{};
    while (::read(fd_.get(), &info, sizeof info) == sizeof info) {
    }
  }

 private:
  sigset_t saved_{};
  UniqueFd fd_;
};

void copy_size(int from, int to) {
  winsize size{};
  if (::ioctl(from, TIOCGWINSZ, &size) == 0 && size.ws_row > 0) {
    ::ioctl(to, TIOCSWINSZ, &size);
  }
}

void write_all(int fd, std::string_view data, const char* what) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      throw_errno(what);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace

void relay_terminal(int master, bool interactive) {
  RawTerminal raw(interactive ? STDIN_FILENO : -1);
  WindowChanges changes;
  copy_size(STDIN_FILENO, master);
  std::array<pollfd, 3> fds{pollfd{master, POLLIN, 0}, pollfd{changes.fd(), POLLIN, 0},
                            pollfd{interactive ? STDIN_FILENO : -1, POLLIN, 0}};
  std::array<char, 16384> buffer{};
  for (;;) {
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw_errno("poll the terminal");
    }
    if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
      ssize_t n = ::read(master, buffer.data(), buffer.size());
      if (n <= 0) {
        if (n < 0 && errno == EINTR) {
          continue;
        }
        return;  // EIO: the process and everything holding its terminal have ended
      }
      write_all(STDOUT_FILENO, std::string_view(buffer.data(), static_cast<size_t>(n)), "write the terminal's output");
    }
    if ((fds[1].revents & POLLIN) != 0) {
      changes.drain();
      copy_size(STDIN_FILENO, master);
    }
    if ((fds[2].revents & (POLLIN | POLLHUP)) != 0) {
      ssize_t n = ::read(STDIN_FILENO, buffer.data(), buffer.size());
      if (n <= 0) {
        fds[2].fd = -1;  // stdin ended; the process goes on
      } else {
        write_all(master, std::string_view(buffer.data(), static_cast<size_t>(n)), "write to the terminal");
      }
    }
  }
}

}  // namespace skiff::cli

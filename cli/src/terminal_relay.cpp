#include "terminal_relay.h"

#include <poll.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <string_view>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/terminal.h"

namespace skiff::cli {

void relay_terminal(int master, bool interactive) {
  RawTerminalMode raw(interactive ? STDIN_FILENO : -1);
  WindowChangeSignal changes;
  copy_terminal_size(STDIN_FILENO, master);
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
      copy_terminal_size(STDIN_FILENO, master);
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

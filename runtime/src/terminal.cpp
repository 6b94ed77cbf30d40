#include "skiff/runtime/terminal.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "skiff/base/error.h"
#include "skiff/base/path.h"
#include "skiff/base/unix_socket.h"

namespace skiff::runtime {

UniqueFd connect_console_socket(const std::string& path) {
  return connect_unix_socket(path, "--console-socket");
}

void setup_terminal(int console_socket, const std::optional<ConsoleSize>& size, bool mount_console) {
  UniqueFd master(::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!master) {
    throw_errno("open /dev/ptmx in the container");
  }
  if (::unlockpt(master.get()) < 0) {
    throw_errno("unlockpt");
  }
  // TIOCGPTPEER opens the slave through the master, never through a path the container controls.
  UniqueFd slave(::ioctl(master.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!slave) {
    throw_errno("open the pty slave (TIOCGPTPEER)");
  }
  char name[64] = {};
  if (::ptsname_r(master.get(), name, sizeof name) != 0) {
    throw_errno("ptsname");
  }
  if (size && size->height > 0 && size->width > 0) {
    winsize ws{};
    ws.ws_row = size->height;
    ws.ws_col = size->width;
    if (::ioctl(slave.get(), TIOCSWINSZ, &ws) < 0) {
      throw_errno("set the terminal size");
    }
  }
  if (mount_console) {
    UniqueFd root(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root) {
      throw_errno("open / in the container");
    }
    UniqueFd target = ensure_in_root(root.get(), "/dev/console", false, 0600);
    if (::mount(fd_path(slave.get()).c_str(), fd_path(target.get()).c_str(), nullptr, MS_BIND, nullptr) < 0) {
      throw_errno("bind " + std::string(name) + " over /dev/console");
    }
  }
  send_with_fd(console_socket, name, master.get(), "the console socket");
  if (::setsid() < 0 && errno != EPERM) {
    throw_errno("setsid");
  }
  if (::ioctl(slave.get(), TIOCSCTTY, 0) < 0) {
    throw_errno("make " + std::string(name) + " the controlling terminal");
  }
  for (int target = 0; target <= 2; ++target) {
    if (::dup2(slave.get(), target) < 0) {
      throw_errno("dup the terminal to fd " + std::to_string(target));
    }
  }
}

UniqueFd receive_pty_master(int socket) {
  return receive_fd(socket, nullptr, "the console socket");
}

}  // namespace skiff::runtime

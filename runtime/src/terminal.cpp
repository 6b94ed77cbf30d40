#include "skiff/runtime/terminal.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <cstring>

#include "skiff/base/error.h"
#include "skiff/base/path.h"

namespace skiff::runtime {

UniqueFd connect_console_socket(const std::string& path) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) {
    throw_errno("--console-socket: socket");
  }
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) {
    throw Error("--console-socket: path too long: " + path);
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size());
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) {
    throw_errno("--console-socket: connect to " + path);
  }
  return fd;
}

namespace {

void send_fd(int socket, int fd, const std::string& name) {
  iovec iov{const_cast<char*>(name.data()), name.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(cmsg), &fd, sizeof fd);
  if (::sendmsg(socket, &msg, MSG_NOSIGNAL) < 0) {
    throw_errno("send the pty master to the console socket");
  }
}

}  // namespace

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
  send_fd(console_socket, master.get(), name);
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
  char name[128];
  iovec iov{name, sizeof name};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  if (::recvmsg(socket, &msg, MSG_CMSG_CLOEXEC) < 0) {
    throw_errno("receive the pty master");
  }
  cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
  if (cmsg == nullptr || cmsg->cmsg_type != SCM_RIGHTS) {
    throw Error("receive the pty master: no fd in the message");
  }
  int fd;
  std::memcpy(&fd, CMSG_DATA(cmsg), sizeof fd);
  return UniqueFd(fd);
}

}  // namespace skiff::runtime

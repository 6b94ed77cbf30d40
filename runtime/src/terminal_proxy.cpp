#include "terminal_proxy.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/terminal.h"
#include "skiff/base/unix_socket.h"

namespace skiff::runtime {

namespace {

// Moves what is readable on from to to; false at the end of from.
bool pump(int from, int to) {
  char buf[16384];
  ssize_t n = ::read(from, buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
    return true;
  }
  if (n <= 0) {
    return false;  // EIO on the master: every slave fd is closed
  }
  try {
    write_all(to, std::string_view(buf, static_cast<size_t>(n)), "terminal relay");
  } catch (const Error&) {
    return false;
  }
  return true;
}

}  // namespace

ConsoleListener::ConsoleListener(const std::string& dir) {
  path_ = dir + "/.console-" + std::to_string(::getpid()) + ".sock";
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path_.size() >= sizeof addr.sun_path) {
    throw Error("console socket " + path_ + ": path too long for a unix socket");
  }
  std::memcpy(addr.sun_path, path_.data(), path_.size());
  socket_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!socket_) {
    throw_errno("create the console socket");
  }
  ::unlink(path_.c_str());
  if (::bind(socket_.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) < 0) {
    throw_errno("bind the console socket " + path_);
  }
  if (::listen(socket_.get(), 1) < 0) {
    throw_errno("listen on the console socket " + path_);
  }
}

ConsoleListener::~ConsoleListener() {
  ::unlink(path_.c_str());
}

UniqueFd ConsoleListener::receive_master() {
  UniqueFd conn(::accept4(socket_.get(), nullptr, nullptr, SOCK_CLOEXEC));
  if (!conn) {
    throw_errno("accept on the console socket " + path_);
  }
  return receive_fd(conn.get(), nullptr, "the console socket");
}

int relay_terminal(int master, pid_t pid, ForwardedSignals& signals) {
  RawTerminalMode raw(STDIN_FILENO);
  copy_terminal_size(STDIN_FILENO, master);
  bool input_open = true;
  bool output_open = true;
  for (;;) {
    int code = ForwardedSignals::try_reap(pid);
    if (code >= 0) {
      // What the container wrote last is still in the pty.
      ::fcntl(master, F_SETFL, O_NONBLOCK);
      while (output_open && pump(master, STDOUT_FILENO)) {
        pollfd p{master, POLLIN, 0};
        if (::poll(&p, 1, 0) <= 0) {
          break;
        }
      }
      return code;
    }
    pollfd fds[3] = {
        {signals.fd(), POLLIN, 0}, {output_open ? master : -1, POLLIN, 0}, {input_open ? STDIN_FILENO : -1, POLLIN, 0}};
    if (::poll(fds, 3, -1) < 0 && errno != EINTR) {
      throw_errno("poll the terminal relay");
    }
    if ((fds[0].revents & POLLIN) != 0) {
      signalfd_siginfo info{};
      if (::read(signals.fd(), &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
        if (info.ssi_signo == SIGWINCH) {
          copy_terminal_size(STDIN_FILENO, master);
        } else if (info.ssi_signo != SIGCHLD) {
          ::kill(pid, static_cast<int>(info.ssi_signo));
        }
      }
    }
    if (fds[1].revents != 0) {
      output_open = pump(master, STDOUT_FILENO);
    }
    if (fds[2].revents != 0) {
      input_open = pump(STDIN_FILENO, master);
    }
  }
}

}  // namespace skiff::runtime

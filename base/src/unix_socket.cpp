#include "skiff/base/unix_socket.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>

#include "skiff/base/error.h"
#include "skiff/base/path.h"

namespace skiff {

namespace {

// An address for path even when it is longer than sun_path's 108 bytes (state roots under
// $TMPDIR, 64-character container ids): /proc/self/fd/<fd of its dir>/<name>, valid while dir is
// open.
struct SocketAddress {
  UniqueFd dir;
  sockaddr_un addr{};
};

SocketAddress socket_address(const std::string& path, const std::string& what) {
  SocketAddress out;
  out.addr.sun_family = AF_UNIX;
  std::string short_path = path;
  if (path.size() >= sizeof out.addr.sun_path) {
    size_t slash = path.rfind('/');
    std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
    out.dir.reset(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!out.dir) {
      throw_errno(what + ": open " + dir);
    }
    short_path = fd_path(out.dir.get()) + "/" + path.substr(slash + 1);
    if (short_path.size() >= sizeof out.addr.sun_path) {
      throw Error(what + " " + path + ": the socket's name is too long for a unix socket");
    }
  }
  std::memcpy(out.addr.sun_path, short_path.data(), short_path.size());
  return out;
}

}  // namespace

UniqueFd connect_unix_socket(const std::string& path, const std::string& what) {
  SocketAddress address = socket_address(path, what);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) {
    throw_errno("create a socket for " + what);
  }
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address.addr), sizeof address.addr) < 0) {
    throw_errno("connect to " + what + " at " + path);
  }
  return fd;
}

UniqueFd listen_unix_socket(const std::string& path, const std::string& what) {
  SocketAddress address = socket_address(path, what);
  ::unlink(address.addr.sun_path);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) {
    throw_errno("create a socket for " + what);
  }
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address.addr), sizeof address.addr) < 0) {
    throw_errno(what + ": bind " + path);
  }
  if (::listen(fd.get(), 16) < 0) {
    throw_errno(what + ": listen on " + path);
  }
  return fd;
}

void send_with_fd(int socket, std::string_view data, int fd, const std::string& what) {
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  std::string buffer(data.empty() ? std::string_view("\0", 1) : data);
  iovec iov{buffer.data(), buffer.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
  size_t sent = 0;
  while (sent < buffer.size()) {
    ssize_t n = ::sendmsg(socket, &msg, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw_errno("send to " + what);
    }
    sent += static_cast<size_t>(n);
    iov.iov_base = buffer.data() + sent;
    iov.iov_len = buffer.size() - sent;
    msg.msg_control = nullptr;
    msg.msg_controllen = 0;
  }
}

UniqueFd receive_fd(int socket, std::string* data, const std::string& what) {
  char buf[4096];
  iovec iov{buf, sizeof buf};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  while ((n = ::recvmsg(socket, &msg, MSG_CMSG_CLOEXEC)) < 0) {
    if (errno != EINTR) {
      throw_errno("receive from " + what);
    }
  }
  cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
  if (cmsg == nullptr || cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS) {
    throw Error("receive from " + what + ": no fd in the message");
  }
  int fd;
  std::memcpy(&fd, CMSG_DATA(cmsg), sizeof fd);
  if (data != nullptr) {
    data->assign(buf, static_cast<size_t>(n));
  }
  return UniqueFd(fd);
}

}  // namespace skiff

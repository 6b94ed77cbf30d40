#include "skiff/base/unix_socket.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>

#include "skiff/base/error.h"

namespace skiff {

UniqueFd connect_unix_socket(const std::string& path, const std::string& what) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) {
    throw Error(what + " " + path + ": path too long for a unix socket");
  }
  std::memcpy(addr.sun_path, path.data(), path.size());
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) {
    throw_errno("create a socket for " + what);
  }
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) < 0) {
    throw_errno("connect to " + what + " at " + path);
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

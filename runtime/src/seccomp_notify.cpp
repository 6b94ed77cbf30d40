// Loading a compiled seccomp program into the container process, and handing its notify
// listener to the seccomp agent.

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstring>

#include "skiff/base/error.h"
#include "skiff/base/json.h"
#include "skiff/base/unique_fd.h"
#include "skiff/runtime/seccomp.h"

#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif
#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif

namespace skiff::runtime {

namespace {

// The runtime-spec's containerProcessState: what a seccomp agent receives with the fd.
std::string container_process_state(const std::string& metadata, const std::string& state_json) {
  boost::json::value state = json::parse(state_json, "container state");
  const auto& obj = json::as_object(state, "container state");
  boost::json::object message;
  if (const auto* version = json::find(obj, "ociVersion")) {
    message["ociVersion"] = *version;
  }
  message["fds"] = boost::json::array{"seccompFd"};
  if (const auto* pid = json::find(obj, "pid")) {
    message["pid"] = *pid;
  }
  message["metadata"] = metadata;
  message["state"] = std::move(state);
  return boost::json::serialize(message);
}

}  // namespace

// No libseccomp here: this runs in the container process, which only has the compiled program.
int load_seccomp(const SeccompProgram& program) {
  if (program.filter.empty()) {
    throw Error("load seccomp filter: the program is empty");
  }
  if (program.filter.size() > BPF_MAXINSNS) {
    throw Error("load seccomp filter: " + std::to_string(program.filter.size()) + " instructions, the kernel takes " +
                std::to_string(BPF_MAXINSNS) + " at most");
  }
  unsigned int flags = program.flags;
  if (program.needs_listener) {
    flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
    // The kernel refuses TSYNC with NEW_LISTENER unless a thread that cannot sync fails the
    // call with ESRCH: the return value is then free to be the listener fd.
    if ((flags & SECCOMP_FILTER_FLAG_TSYNC) != 0) {
      flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
    }
  }
  sock_fprog prog{static_cast<unsigned short>(program.filter.size()), const_cast<sock_filter*>(program.filter.data())};
  long rc = ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
  if (rc < 0) {
    throw_errno("load seccomp filter");
  }
  if (program.needs_listener) {
    return static_cast<int>(rc);
  }
  // With TSYNC alone, a positive result is the id of a thread that could not be synchronized.
  if (rc > 0) {
    throw Error("load seccomp filter: thread " + std::to_string(rc) + " could not be synchronized");
  }
  return -1;
}

void send_seccomp_listener(int listener_fd, const std::string& listener_path, const std::string& metadata,
                           const std::string& state_json) {
  std::string message = container_process_state(metadata, state_json);

  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (listener_path.size() >= sizeof addr.sun_path) {
    throw Error("seccomp agent socket " + listener_path + ": path too long for a unix socket");
  }
  std::memcpy(addr.sun_path, listener_path.data(), listener_path.size());
  UniqueFd sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!sock) {
    throw_errno("create a socket for the seccomp agent");
  }
  if (::connect(sock.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) < 0) {
    throw_errno("connect to the seccomp agent at " + listener_path);
  }

  // The fd travels with the first bytes; a stream socket may take the rest in further sends.
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  iovec iov{message.data(), message.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(cmsg), &listener_fd, sizeof(int));

  size_t sent = 0;
  while (sent < message.size()) {
    ssize_t n = ::sendmsg(sock.get(), &msg, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw_errno("send the seccomp listener to the agent at " + listener_path);
    }
    sent += static_cast<size_t>(n);
    iov.iov_base = message.data() + sent;
    iov.iov_len = message.size() - sent;
    msg.msg_control = nullptr;
    msg.msg_controllen = 0;
  }
}

}  // namespace skiff::runtime

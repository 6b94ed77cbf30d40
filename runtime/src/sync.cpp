#include "skiff/runtime/sync.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "skiff/base/error.h"

namespace skiff::runtime {

namespace {

struct Header {
  uint32_t step;
  uint32_t text_size;
  int64_t value;
};

constexpr size_t kMaxText = 32768;
constexpr size_t kMaxFds = 8;

}  // namespace

std::pair<SyncSocket, SyncSocket> SyncSocket::pair() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0) {
    throw_errno("socketpair for container setup");
  }
  return {SyncSocket(UniqueFd(fds[0])), SyncSocket(UniqueFd(fds[1]))};
}

void SyncSocket::send(SyncStep step, int64_t value, const std::string& text, const std::vector<int>& fds) const {
  std::string frame(sizeof(Header), '\0');
  Header header{static_cast<uint32_t>(step), static_cast<uint32_t>(std::min(text.size(), kMaxText)), value};
  std::memcpy(frame.data(), &header, sizeof header);
  frame.append(text, 0, header.text_size);
  iovec iov{frame.data(), frame.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFds)];
  if (!fds.empty()) {
    if (fds.size() > kMaxFds) {
      throw Error("sync: too many fds in one message");
    }
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
    cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(cmsg), fds.data(), sizeof(int) * fds.size());
  }
  while (::sendmsg(fd_.get(), &msg, MSG_NOSIGNAL) < 0) {
    if (errno != EINTR) {
      throw_errno("sync: send to the container's process");
    }
  }
}

SyncMessage SyncSocket::receive() const {
  std::string buffer(sizeof(Header) + kMaxText, '\0');
  iovec iov{buffer.data(), buffer.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFds)];
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  while ((n = ::recvmsg(fd_.get(), &msg, MSG_CMSG_CLOEXEC)) < 0) {
    if (errno != EINTR) {
      throw_errno("sync: receive from the container's process");
    }
  }
  SyncMessage out;
  for (cmsghdr* cmsg = CMSG_FIRSTHDR(&msg); cmsg != nullptr; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
    if (cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS) {
      size_t count = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (size_t i = 0; i < count; ++i) {
        int fd;
        std::memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int), sizeof fd);
        out.fds.emplace_back(fd);
      }
    }
  }
  if (n == 0) {
    throw Error("the container's process exited during setup without saying why");
  }
  if (static_cast<size_t>(n) < sizeof(Header)) {
    throw Error("sync: short frame from the container's process");
  }
  Header header;
  std::memcpy(&header, buffer.data(), sizeof header);
  out.step = static_cast<SyncStep>(header.step);
  out.value = header.value;
  out.text.assign(buffer.data() + sizeof header,
                  std::min<size_t>(header.text_size, static_cast<size_t>(n) - sizeof header));
  return out;
}

SyncMessage SyncSocket::expect(SyncStep step) const {
  SyncMessage msg = receive();
  if (msg.step == SyncStep::error) {
    throw Error(msg.text);
  }
  if (msg.step != step) {
    throw Error("sync: unexpected step " + std::to_string(static_cast<uint32_t>(msg.step)) + " (want " +
                std::to_string(static_cast<uint32_t>(step)) + ")");
  }
  return msg;
}

void exit_after_error(const SyncSocket& sync, const std::exception& error, bool runtime_listening) {
  if (runtime_listening) {
    try {
      sync.send(SyncStep::error, 0, error.what());
    } catch (const std::exception&) {
      // The runtime is gone too; it reports the lost child itself.
    }
    ::_exit(1);
  }
  std::string line = std::string("skiff-runtime: ") + error.what() + "\n";
  [[maybe_unused]] ssize_t n = ::write(STDERR_FILENO, line.data(), line.size());
  ::_exit(127);
}

}  // namespace skiff::runtime

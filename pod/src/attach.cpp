#include "skiff/pod/attach.h"

#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/strings.h"
#include "skiff/base/terminal.h"
#include "skiff/base/unix_socket.h"

namespace skiff::pod {

namespace {

constexpr size_t kHeaderSize = 5;

std::string header(FrameType type, size_t size) {
  std::string out(kHeaderSize, '\0');
  out[0] = static_cast<char>(type);
  for (int i = 0; i < 4; ++i) {
    out[1 + i] = static_cast<char>((size >> (8 * (3 - i))) & 0xff);
  }
  return out;
}

uint32_t payload_size(std::string_view head) {
  uint32_t size = 0;
  for (int i = 0; i < 4; ++i) {
    size = (size << 8) | static_cast<uint8_t>(head[1 + i]);
  }
  return size;
}

// Reads exactly n bytes; false at end of stream before the first one.
bool read_exact(int fd, char* data, size_t n) {
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::read(fd, data + done, n - done);
    if (r < 0 && errno == EINTR) {
      continue;
    }
    if (r < 0) {
      throw_errno("read from the attach socket");
    }
    if (r == 0) {
      if (done == 0) {
        return false;
      }
      throw Error("attach socket: the connection ended inside a frame");
    }
    done += static_cast<size_t>(r);
  }
  return true;
}

void send_size(int attach_fd, int tty_fd) {
  if (auto size = terminal_size(tty_fd)) {
    send_frame(attach_fd, FrameType::resize, resize_payload(size->ws_row, size->ws_col));
  }
}

}  // namespace

void send_frame(int fd, FrameType type, std::string_view payload) {
  std::string frame = header(type, payload.size());
  frame.append(payload);
  size_t sent = 0;
  while (sent < frame.size()) {
    ssize_t n = ::send(fd, frame.data() + sent, frame.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      throw_errno("write to the attach socket");
    }
    sent += static_cast<size_t>(n);
  }
}

std::optional<AttachFrame> read_frame(int fd) {
  char head[kHeaderSize];
  if (!read_exact(fd, head, kHeaderSize)) {
    return std::nullopt;
  }
  uint32_t size = payload_size(std::string_view(head, kHeaderSize));
  if (size > kMaxFramePayload) {
    throw Error("attach socket: a frame of " + std::to_string(size) + " bytes is too large");
  }
  AttachFrame frame;
  frame.type = static_cast<FrameType>(head[0]);
  frame.payload.resize(size);
  if (size > 0 && !read_exact(fd, frame.payload.data(), size)) {
    throw Error("attach socket: the connection ended inside a frame");
  }
  return frame;
}

std::string resize_payload(uint16_t rows, uint16_t columns) {
  std::string out(4, '\0');
  out[0] = static_cast<char>(rows >> 8);
  out[1] = static_cast<char>(rows & 0xff);
  out[2] = static_cast<char>(columns >> 8);
  out[3] = static_cast<char>(columns & 0xff);
  return out;
}

std::optional<AttachFrame> FrameDecoder::next() {
  if (buffer_.size() < kHeaderSize) {
    return std::nullopt;
  }
  uint32_t size = payload_size(buffer_);
  if (size > kMaxFramePayload) {
    throw Error("attach socket: a frame of " + std::to_string(size) + " bytes is too large");
  }
  if (buffer_.size() < kHeaderSize + size) {
    return std::nullopt;
  }
  AttachFrame frame{static_cast<FrameType>(buffer_[0]), buffer_.substr(kHeaderSize, size)};
  buffer_.erase(0, kHeaderSize + size);
  return frame;
}

UniqueFd connect_attach_socket(const std::string& path) {
  return connect_unix_socket(path, "the container's attach socket");
}

std::optional<int> relay_attach(int attach_fd, const RelayOptions& options) {
  std::optional<RawTerminalMode> raw;
  std::optional<WindowChangeSignal> winch;
  if (options.tty && options.in_fd >= 0 && ::isatty(options.in_fd) == 1) {
    raw.emplace(options.in_fd);
    winch.emplace();
    send_size(attach_fd, options.in_fd);
  }
  bool stdin_open = options.in_fd >= 0;
  for (;;) {
    pollfd fds[3] = {
        {attach_fd, POLLIN, 0}, {stdin_open ? options.in_fd : -1, POLLIN, 0}, {winch ? winch->fd() : -1, POLLIN, 0}};
    if (::poll(fds, 3, -1) < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw_errno("poll the attach socket");
    }
    if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
      auto frame = read_frame(attach_fd);
      if (!frame) {
        return std::nullopt;
      }
      switch (frame->type) {
        case FrameType::stdout_data:
          write_all(options.out_fd, frame->payload, "stdout");
          break;
        case FrameType::stderr_data:
          write_all(options.err_fd, frame->payload, "stderr");
          break;
        case FrameType::exit:
          return static_cast<int>(parse_int(frame->payload, "the exit frame"));
        default:
          break;  // frames for the other direction: ignored
      }
    }
    if (stdin_open && (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
      char buffer[16384];
      ssize_t n = ::read(options.in_fd, buffer, sizeof buffer);
      if (n > 0) {
        send_frame(attach_fd, FrameType::stdin_data, std::string_view(buffer, static_cast<size_t>(n)));
      } else if (n == 0 || errno != EINTR) {
        stdin_open = false;
        send_frame(attach_fd, FrameType::stdin_close, {});
      }
    }
    if (winch && (fds[2].revents & POLLIN) != 0) {
      winch->drain();
      send_size(attach_fd, options.in_fd);
    }
  }
}

}  // namespace skiff::pod

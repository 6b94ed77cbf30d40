#pragma once

// The attach protocol between a container's monitor and a client (`skiff run -i/-t`, `skiff
// attach`): a SOCK_STREAM unix socket, "attach" in the container's state dir, carrying frames of
//   1 byte type | 4 bytes payload length (big endian) | payload
// Client to monitor:
//   stdin        bytes for the container's stdin (the pty with -t, the stdin pipe with -i)
//   stdin_close  the client's stdin ended: the container's stdin pipe is closed (-i without -t)
//   resize       4 bytes: rows, columns (big endian uint16 each): the pty's new window size
// Monitor to client:
//   stdout, stderr  the container's output from the moment the client connected (with -t all
//                   of it comes as stdout, as a terminal mixes them)
//   exit            the container's exit code in decimal; the monitor closes the connection after
// A monitor that starts its container on the first attach (start with attach) starts it only
// once that client is connected, so that the client sees all of the output.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "skiff/base/unique_fd.h"

namespace skiff::pod {

enum class FrameType : uint8_t {
  stdin_data = 0,
  stdin_close = 1,
  resize = 2,
  stdout_data = 3,
  stderr_data = 4,
  exit = 5
};

struct AttachFrame {
  FrameType type = FrameType::stdin_data;
  std::string payload;
};

inline constexpr uint32_t kMaxFramePayload = 1 << 20;

// Writes one whole frame (blocking).
void send_frame(int fd, FrameType type, std::string_view payload);
// Reads one whole frame (blocking); nullopt at end of stream.
std::optional<AttachFrame> read_frame(int fd);
std::string resize_payload(uint16_t rows, uint16_t columns);

// Splits a byte stream into frames, for a reader that cannot block.
class FrameDecoder {
 public:
  void feed(std::string_view data) { buffer_.append(data); }
  // The next complete frame; throws on a frame longer than kMaxFramePayload.
  std::optional<AttachFrame> next();

 private:
  std::string buffer_;
};

// Connects to a container's attach socket (a path of any length: it goes through the dir's fd).
UniqueFd connect_attach_socket(const std::string& path);

struct RelayOptions {
  int in_fd = 0;  // -1: no stdin to send
  int out_fd = 1;
  int err_fd = 2;
  // in_fd is a terminal to put in raw mode, whose size (now and at each SIGWINCH) goes to the
  // container's pty.
  bool tty = false;
};

// Relays between the caller's stdio and the attach connection until the monitor closes it.
// Returns the exit code the monitor sent, nullopt when it closed without one.
std::optional<int> relay_attach(int attach_fd, const RelayOptions& options);

}  // namespace skiff::pod

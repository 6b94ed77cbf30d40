#pragma once

// Container logs in the CRI log format that kubelet, containerd and CRI-O write and `kubectl
// logs` reads: one entry a line,
//   <RFC 3339 timestamp, nanoseconds, UTC> <stdout|stderr> <P|F> <content>
// F ends a line of the container's output; P is a piece of a longer line (one longer than the
// writer's line buffer, or output that ended without a newline), continued by the next entries
// of that stream. Files rotate by size: log -> log.1 -> log.2 …, the oldest dropped, as kubelet's
// containerLogMaxSize and containerLogMaxFiles do.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "skiff/base/unique_fd.h"

namespace skiff::pod {

enum class LogStream { stdout_stream, stderr_stream };
std::string_view log_stream_name(LogStream stream);

struct LogRotation {
  uint64_t max_size = 10 * 1024 * 1024;  // bytes of one file; 0: never rotate
  int max_files = 5;                     // the current file included; at least 2 to rotate
};

// The longest piece of one line an entry holds; longer lines become several P entries.
inline constexpr size_t kMaxLogLine = 16 * 1024;

// Writes one container's log (the monitor's side). Not thread-safe; one writer per file.
class CriLogWriter {
 public:
  CriLogWriter(std::string path, LogRotation rotation);

  // Output of one stream as it arrives: complete lines become F entries, the rest waits for more
  // (up to kMaxLogLine, then a P entry).
  void write(LogStream stream, std::string_view data);
  // The stream ended (or the container exited): what is buffered becomes a P entry.
  void flush(LogStream stream);
  // One complete line (no newline in it) of the monitor's own, as an F entry.
  void write_line(LogStream stream, std::string_view line);
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  void emit(LogStream stream, std::string_view content, bool partial);
  void open();
  void rotate();

  std::string path_;
  LogRotation rotation_;
  UniqueFd fd_;
  uint64_t size_ = 0;
  std::string pending_[2];
};

struct LogEntry {
  int64_t time_ns = 0;    // since the epoch
  std::string timestamp;  // as written
  LogStream stream = LogStream::stdout_stream;
  bool partial = false;
  std::string content;
};

// Parses one line of a CRI log (without its newline); nullopt when it is not one.
std::optional<LogEntry> parse_cri_log_line(std::string_view line);
// "2024-05-01T10:00:00.5Z", "2024-05-01T12:00:00+02:00" -> ns since the epoch; throws naming what.
int64_t parse_rfc3339_ns(std::string_view text, std::string_view what);

// The files of a rotated log, oldest first (log.N … log.1, log), those that exist.
std::vector<std::string> rotated_log_files(const std::string& path, int max_files);

struct LogReadOptions {
  std::optional<size_t> tail;       // the last n lines only
  std::optional<int64_t> since_ns;  // lines written at or after this time
  int max_files = 5;                // as the log was written with
};

// One line of output as the container wrote it: its P pieces joined to the F that ends it.
struct LogLine {
  int64_t time_ns = 0;  // of its first piece
  std::string timestamp;
  LogStream stream = LogStream::stdout_stream;
  std::string content;   // without the newline
  bool complete = true;  // false: the output ended without a newline
};

// Reads the whole log, rotated files included, joined into lines (per stream).
std::vector<LogLine> read_cri_log(const std::string& path, const LogReadOptions& options);

// Reads the log as read_cri_log does, then keeps calling sink with new lines as they are
// written (following rotation) until keep_going returns false; lines written before it returned
// false are still delivered.
void follow_cri_log(const std::string& path, const LogReadOptions& options,
                    const std::function<void(const LogLine&)>& sink, const std::function<bool()>& keep_going);

}  // namespace skiff::pod

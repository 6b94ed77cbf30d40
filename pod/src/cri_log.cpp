#include "skiff/pod/cri_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <thread>

#include "skiff/base/clock.h"
#include "skiff/base/error.h"
#include "skiff/base/file.h"

namespace skiff::pod {

namespace {

// How often follow_cri_log looks for new entries.
constexpr std::chrono::milliseconds kFollowInterval{100};

size_t index_of(LogStream stream) {
  return stream == LogStream::stdout_stream ? 0 : 1;
}

int parse_digits(std::string_view text, size_t pos, size_t count, std::string_view what) {
  if (pos + count > text.size()) {
    throw Error(std::string(what) + ": not an RFC 3339 time: " + std::string(text));
  }
  int value = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') {
      throw Error(std::string(what) + ": not an RFC 3339 time: " + std::string(text));
    }
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

// Joins P pieces into lines, per stream, as entries arrive in file order.
class LineJoiner {
 public:
  // Returns the line that entry completes, if any.
  std::optional<LogLine> add(const LogEntry& entry) {
    auto& pending = pending_[index_of(entry.stream)];
    if (!pending) {
      pending = LogLine{entry.time_ns, entry.timestamp, entry.stream, {}, true};
    }
    pending->content += entry.content;
    if (entry.partial) {
      return std::nullopt;
    }
    auto line = std::move(*pending);
    pending.reset();
    return line;
  }
  // Pieces that no F followed: output that ended without a newline.
  std::vector<LogLine> rest() {
    std::vector<LogLine> lines;
    for (auto& pending : pending_) {
      if (pending) {
        pending->complete = false;
        lines.push_back(std::move(*pending));
        pending.reset();
      }
    }
    return lines;
  }

 private:
  std::optional<LogLine> pending_[2];
};

bool wanted(const LogLine& line, const LogReadOptions& options) {
  return !options.since_ns || line.time_ns >= *options.since_ns;
}

// Splits text into lines; an unfinished last line is left in carry.
void parse_lines(std::string& carry, std::string_view text, LineJoiner& joiner, std::vector<LogLine>& out) {
  carry.append(text);
  size_t start = 0;
  for (size_t nl = carry.find('\n'); nl != std::string::npos; nl = carry.find('\n', start)) {
    if (auto entry = parse_cri_log_line(std::string_view(carry).substr(start, nl - start))) {
      if (auto line = joiner.add(*entry)) {
        out.push_back(std::move(*line));
      }
    }
    start = nl + 1;
  }
  carry.erase(0, start);
}

std::string read_from(int fd, const std::string& what) {
  std::string data;
  char buffer[65536];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n > 0) {
      data.append(buffer, static_cast<size_t>(n));
    } else if (n == 0) {
      return data;
    } else if (errno != EINTR) {
      throw_errno("read " + what);
    }
  }
}

ino_t inode_of(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

}  // namespace

std::string_view log_stream_name(LogStream stream) {
  return stream == LogStream::stdout_stream ? "stdout" : "stderr";
}

CriLogWriter::CriLogWriter(std::string path, LogRotation rotation) : path_(std::move(path)), rotation_(rotation) {
  open();
}

void CriLogWriter::open() {
  fd_.reset(::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
  if (!fd_) {
    throw_errno("open container log " + path_);
  }
  struct stat st {};
  check(::fstat(fd_.get(), &st), "stat container log " + path_);
  size_ = static_cast<uint64_t>(st.st_size);
}

void CriLogWriter::rotate() {
  for (int i = rotation_.max_files - 1; i >= 1; --i) {
    std::string from = i == 1 ? path_ : path_ + "." + std::to_string(i - 1);
    std::string to = path_ + "." + std::to_string(i);
    if (::rename(from.c_str(), to.c_str()) != 0 && errno != ENOENT) {
      throw_errno("rotate container log " + from + " to " + to);
    }
  }
  open();
}

void CriLogWriter::emit(LogStream stream, std::string_view content, bool partial) {
  std::string entry = now_rfc3339();
  entry += ' ';
  entry += log_stream_name(stream);
  entry += partial ? " P " : " F ";
  entry += content;
  entry += '\n';
  if (rotation_.max_size > 0 && rotation_.max_files >= 2 && size_ > 0 && size_ + entry.size() > rotation_.max_size) {
    rotate();
  }
  write_all(fd_.get(), entry, "container log " + path_);
  size_ += entry.size();
}

void CriLogWriter::write(LogStream stream, std::string_view data) {
  auto& pending = pending_[index_of(stream)];
  while (!data.empty()) {
    size_t nl = data.find('\n');
    std::string_view piece = data.substr(0, nl);
    if (pending.size() + piece.size() >= kMaxLogLine) {
      // A line longer than the buffer: what fits goes out as a partial entry.
      size_t take = kMaxLogLine - pending.size();
      pending.append(piece.substr(0, take));
      emit(stream, pending, true);
      pending.clear();
      data.remove_prefix(take);
      continue;
    }
    if (nl == std::string_view::npos) {
      pending.append(piece);
      return;
    }
    pending.append(piece);
    emit(stream, pending, false);
    pending.clear();
    data.remove_prefix(nl + 1);
  }
}

void CriLogWriter::flush(LogStream stream) {
  auto& pending = pending_[index_of(stream)];
  if (!pending.empty()) {
    emit(stream, pending, true);
    pending.clear();
  }
}

void CriLogWriter::write_line(LogStream stream, std::string_view line) {
  flush(stream);
  emit(stream, line, false);
}

int64_t parse_rfc3339_ns(std::string_view text, std::string_view what) {
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' || (text[10] != 'T' && text[10] != 't') || text[13] != ':' ||
      text[16] != ':') {
    throw Error(std::string(what) + ": not an RFC 3339 time: " + std::string(text));
  }
  std::tm tm{};
  tm.tm_year = parse_digits(text, 0, 4, what) - 1900;
  tm.tm_mon = parse_digits(text, 5, 2, what) - 1;
  tm.tm_mday = parse_digits(text, 8, 2, what);
  tm.tm_hour = parse_digits(text, 11, 2, what);
  tm.tm_min = parse_digits(text, 14, 2, what);
  tm.tm_sec = parse_digits(text, 17, 2, what);
  size_t pos = 19;
  int64_t fraction_ns = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int64_t scale = 100000000;
    size_t digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      fraction_ns += (text[pos] - '0') * scale;
      scale /= 10;
      ++pos;
      ++digits;
    }
    if (digits == 0) {
      throw Error(std::string(what) + ": not an RFC 3339 time: " + std::string(text));
    }
  }
  int64_t offset_s = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z') && pos + 1 == text.size()) {
    offset_s = 0;
  } else if (pos + 6 == text.size() && (text[pos] == '+' || text[pos] == '-') && text[pos + 3] == ':') {
    offset_s = (int64_t{parse_digits(text, pos + 1, 2, what)} * 60 + parse_digits(text, pos + 4, 2, what)) * 60;
    offset_s = text[pos] == '-' ? -offset_s : offset_s;
  } else {
    throw Error(std::string(what) + ": not an RFC 3339 time: " + std::string(text));
  }
  time_t seconds = ::timegm(&tm);
  return (static_cast<int64_t>(seconds) - offset_s) * 1000000000 + fraction_ns;
}

std::optional<LogEntry> parse_cri_log_line(std::string_view line) {
  size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) {
    return std::nullopt;
  }
  size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || sp2 + 2 > line.size()) {
    return std::nullopt;
  }
  LogEntry entry;
  std::string_view stream = line.substr(sp1 + 1, sp2 - sp1 - 1);
  if (stream == "stdout") {
    entry.stream = LogStream::stdout_stream;
  } else if (stream == "stderr") {
    entry.stream = LogStream::stderr_stream;
  } else {
    return std::nullopt;
  }
  char tag = line[sp2 + 1];
  if ((tag != 'P' && tag != 'F') || (sp2 + 2 < line.size() && line[sp2 + 2] != ' ')) {
    return std::nullopt;
  }
  entry.partial = tag == 'P';
  entry.timestamp = std::string(line.substr(0, sp1));
  try {
    entry.time_ns = parse_rfc3339_ns(entry.timestamp, "log timestamp");
  } catch (const Error&) {
    return std::nullopt;
  }
  if (sp2 + 3 <= line.size()) {
    entry.content = std::string(line.substr(sp2 + 3));
  }
  return entry;
}

std::vector<std::string> rotated_log_files(const std::string& path, int max_files) {
  std::vector<std::string> files;
  for (int i = max_files - 1; i >= 1; --i) {
    std::string rotated = path + "." + std::to_string(i);
    if (path_exists(rotated)) {
      files.push_back(rotated);
    }
  }
  if (path_exists(path)) {
    files.push_back(path);
  }
  return files;
}

std::vector<LogLine> read_cri_log(const std::string& path, const LogReadOptions& options) {
  LineJoiner joiner;
  std::vector<LogLine> lines;
  for (const auto& file : rotated_log_files(path, options.max_files)) {
    std::string carry;
    std::string text;
    try {
      text = read_file(file);
    } catch (const Error& e) {
      if (e.code() == ENOENT) {
        continue;  // rotated away while we read
      }
      throw;
    }
    parse_lines(carry, text, joiner, lines);
  }
  for (auto& line : joiner.rest()) {
    lines.push_back(std::move(line));
  }
  std::vector<LogLine> out;
  for (auto& line : lines) {
    if (wanted(line, options)) {
      out.push_back(std::move(line));
    }
  }
  if (options.tail && out.size() > *options.tail) {
    out.erase(out.begin(), out.end() - static_cast<std::ptrdiff_t>(*options.tail));
  }
  return out;
}

void follow_cri_log(const std::string& path, const LogReadOptions& options,
                    const std::function<void(const LogLine&)>& sink, const std::function<bool()>& keep_going) {
  // The current file is opened first, so that nothing written after the read below is missed: a
  // rotation meanwhile leaves this fd on what became log.1, read to its end before moving on.
  UniqueFd current(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  ino_t current_inode = 0;
  std::string carry;
  LineJoiner joiner;
  std::vector<LogLine> batch;
  if (current) {
    struct stat st {};
    check(::fstat(current.get(), &st), "stat " + path);
    current_inode = st.st_ino;
    // Everything before the current file, then the current file itself, through the fd.
    std::vector<LogLine> lines;
    LineJoiner history;
    for (const auto& file : rotated_log_files(path, options.max_files)) {
      if (file != path) {
        std::string file_carry;
        parse_lines(file_carry, read_file(file), history, lines);
      }
    }
    parse_lines(carry, read_from(current.get(), path), history, lines);
    std::vector<LogLine> shown;
    for (auto& line : lines) {
      if (wanted(line, options)) {
        shown.push_back(std::move(line));
      }
    }
    size_t first = options.tail && shown.size() > *options.tail ? shown.size() - *options.tail : 0;
    for (size_t i = first; i < shown.size(); ++i) {
      sink(shown[i]);
    }
    joiner = std::move(history);
  }
  for (;;) {
    bool last_round = !keep_going();
    if (!current) {
      current.reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
      current_inode = current ? inode_of(path) : 0;
    }
    if (current) {
      batch.clear();
      parse_lines(carry, read_from(current.get(), path), joiner, batch);
      ino_t now = inode_of(path);
      if (now != 0 && now != current_inode) {
        // Rotated: the old file is complete; continue at the start of the new one.
        parse_lines(carry, read_from(current.get(), path), joiner, batch);
        carry.clear();
        current.reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
        current_inode = current ? inode_of(path) : 0;
        if (current) {
          parse_lines(carry, read_from(current.get(), path), joiner, batch);
        }
      }
      for (const auto& line : batch) {
        if (wanted(line, options)) {
          sink(line);
        }
      }
    }
    if (last_round) {
      for (const auto& line : joiner.rest()) {
        if (wanted(line, options)) {
          sink(line);
        }
      }
      return;
    }
    std::this_thread::sleep_for(kFollowInterval);
  }
}

}  // namespace skiff::pod

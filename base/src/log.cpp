#include "skiff/base/log.h"

#include <fcntl.h>
#include <unistd.h>

#include <boost/json.hpp>

#include "skiff/base/clock.h"
#include "skiff/base/error.h"
#include "skiff/base/unique_fd.h"

namespace skiff::log {

namespace {

struct State {
  Level level = Level::warning;
  Format format = Format::text;
  UniqueFd file;
};

State& state() {
  static State s;
  return s;
}

const char* level_name(Level level) {
  switch (level) {
    case Level::debug:
      return "debug";
    case Level::info:
      return "info";
    case Level::warning:
      return "warning";
    case Level::error:
      return "error";
  }
  return "info";
}

std::string render(Format format, Level level, std::string_view message) {
  if (format == Format::json) {
    boost::json::object line{{"level", level_name(level)}, {"msg", message}, {"time", now_rfc3339()}};
    return boost::json::serialize(line) + "\n";
  }
  return std::string(level_name(level)) + ": " + std::string(message) + "\n";
}

void write_all(int fd, const std::string& text) {
  size_t off = 0;
  while (off < text.size()) {
    ssize_t n = ::write(fd, text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return;
    }
    off += static_cast<size_t>(n);
  }
}

}  // namespace

void set_level(Level level) {
  state().level = level;
}
void set_format(Format format) {
  state().format = format;
}

void set_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw_errno("open log file " + path);
  }
  state().file.reset(fd);
}

Format parse_format(std::string_view value) {
  if (value == "text") {
    return Format::text;
  }
  if (value == "json") {
    return Format::json;
  }
  throw Error("--log-format: unknown format \"" + std::string(value) + "\" (want text or json)");
}

bool enabled(Level level) {
  return level >= state().level;
}

void write(Level level, std::string_view message) {
  State& s = state();
  if (s.file && (level >= s.level || level >= Level::warning)) {
    write_all(s.file.get(), render(s.format, level, message));
  }
  if (level >= s.level && (level >= Level::warning || !s.file)) {
    write_all(STDERR_FILENO, render(Format::text, level, message));
  }
}

}  // namespace skiff::log

#pragma once

#include <string>
#include <string_view>

namespace skiff::log {

enum class Level { debug, info, warning, error };
enum class Format { text, json };

// Where log lines go. By default: text to stderr at warning and above.
// A log file gets every line at or above the level, in the chosen format (runc's --log and
// --log-format; "json" lines are {"level":..,"msg":..,"time":..} as podman and conmon read them).
void set_level(Level level);
void set_format(Format format);
// Opens (appends to) path as the log file; errors go to stderr as well as to the file.
void set_file(const std::string& path);
// Parses "text" or "json"; throws an Error naming the value otherwise.
Format parse_format(std::string_view value);

void write(Level level, std::string_view message);
bool enabled(Level level);

inline void debug(std::string_view message) {
  write(Level::debug, message);
}
inline void info(std::string_view message) {
  write(Level::info, message);
}
inline void warning(std::string_view message) {
  write(Level::warning, message);
}
inline void error(std::string_view message) {
  write(Level::error, message);
}

}  // namespace skiff::log

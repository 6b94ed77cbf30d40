#include "skiff/cli/format.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

namespace skiff::cli {

namespace {

std::string scaled(double value, double base, const std::array<const char*, 7>& units, const char* format) {
  size_t unit = 0;
  while (value >= base && unit + 1 < units.size()) {
    value /= base;
    ++unit;
  }
  std::array<char, 64> buf{};
  std::snprintf(buf.data(), buf.size(), format, value, units[unit]);
  return buf.data();
}

bool digits(std::string_view text, size_t pos, size_t count, int& out) {
  if (pos + count > text.size()) {
    return false;
  }
  out = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') {
      return false;
    }
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

}  // namespace

std::string human_size(uint64_t bytes) {
  static constexpr std::array<const char*, 7> kUnits = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
  return scaled(static_cast<double>(bytes), 1000.0, kUnits, "%.3g %s");
}

std::string human_binary_size(uint64_t bytes) {
  static constexpr std::array<const char*, 7> kUnits = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  return scaled(static_cast<double>(bytes), 1024.0, kUnits, "%.3g %s");
}

std::string human_duration(int64_t seconds) {
  if (seconds < 1) {
    return "Less than a second";
  }
  if (seconds == 1) {
    return "1 second";
  }
  if (seconds < 60) {
    return std::to_string(seconds) + " seconds";
  }
  int64_t minutes = seconds / 60;
  if (minutes == 1) {
    return "About a minute";
  }
  if (minutes < 60) {
    return std::to_string(minutes) + " minutes";
  }
  auto hours = static_cast<int64_t>(std::llround(static_cast<double>(seconds) / 3600.0));
  if (hours == 1) {
    return "About an hour";
  }
  if (hours < 48) {
    return std::to_string(hours) + " hours";
  }
  if (hours < int64_t{24} * 7 * 2) {
    return std::to_string(hours / 24) + " days";
  }
  if (hours < int64_t{24} * 30 * 2) {
    return std::to_string(hours / 24 / 7) + " weeks";
  }
  if (hours < int64_t{24} * 365 * 2) {
    return std::to_string(hours / 24 / 30) + " months";
  }
  return std::to_string(seconds / 3600 / 24 / 365) + " years";
}

std::optional<int64_t> parse_rfc3339(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)
  std::tm tm{};
  int year = 0;
  int month = 0;
  if (!digits(text, 0, 4, year) || text.size() < 20 || text[4] != '-' || !digits(text, 5, 2, month) || text[7] != '-' ||
      !digits(text, 8, 2, tm.tm_mday) || (text[10] != 'T' && text[10] != 't' && text[10] != ' ') ||
      !digits(text, 11, 2, tm.tm_hour) || text[13] != ':' || !digits(text, 14, 2, tm.tm_min) || text[16] != ':' ||
      !digits(text, 17, 2, tm.tm_sec)) {
    return std::nullopt;
  }
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  size_t pos = 19;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      ++pos;
    }
  }
  int64_t offset = 0;
  std::string_view zone = text.substr(pos);
  if (zone == "Z" || zone == "z") {
    offset = 0;
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
    int hours = 0;
    int minutes = 0;
    if (!digits(zone, 1, 2, hours) || !digits(zone, 4, 2, minutes)) {
      return std::nullopt;
    }
    offset = (zone[0] == '-' ? -1 : 1) * (int64_t{hours} * 3600 + int64_t{minutes} * 60);
  } else {
    return std::nullopt;
  }
  return static_cast<int64_t>(::timegm(&tm)) - offset;
}

std::string format_table(const std::vector<std::vector<std::string>>& rows) {
  constexpr size_t kPadding = 2;
  constexpr size_t kMinWidth = 12;
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max({widths[i], row[i].size() + kPadding, kMinWidth});
    }
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) {
        line += std::string(widths[i] - row[i].size(), ' ');
      }
    }
    out += line + "\n";
  }
  return out;
}

}  // namespace skiff::cli

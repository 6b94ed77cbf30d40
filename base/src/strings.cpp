#include "skiff/base/strings.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "skiff/base/error.h"

namespace skiff {

std::vector<std::string> split(std::string_view text, char sep) {
  std::vector<std::string> out;
  size_t pos = 0;
  for (;;) {
    size_t next = text.find(sep, pos);
    if (next == std::string_view::npos) {
      out.emplace_back(text.substr(pos));
      return out;
    }
    out.emplace_back(text.substr(pos, next - pos));
    pos = next + 1;
  }
}

std::string_view trim(std::string_view text) {
  while (!text.empty() &&
         (text.front() == ' ' || text.front() == '\t' || text.front() == '\n' || text.front() == '\r')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\n' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

int64_t parse_int(std::string_view text, std::string_view what) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    throw Error(std::string(what) + ": not a whole number: \"" + std::string(text) + "\"");
  }
  return value;
}

uint64_t parse_uint(std::string_view text, std::string_view what) {
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    throw Error(std::string(what) + ": not a non-negative whole number: \"" + std::string(text) + "\"");
  }
  return value;
}

int64_t parse_byte_size(std::string_view text, std::string_view what, bool allow_unlimited) {
  std::string shown(text);
  if (allow_unlimited && text == "-1") {
    return -1;
  }
  size_t digits = 0;
  while (digits < text.size() && ((text[digits] >= '0' && text[digits] <= '9') || text[digits] == '.')) {
    ++digits;
  }
  if (digits == 0) {
    throw Error(std::string(what) + ": invalid size \"" + shown + "\" (want a number with an optional k, m, g or t)");
  }
  double number = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + digits, number);
  if (ec != std::errc() || end != text.data() + digits) {
    throw Error(std::string(what) + ": invalid size \"" + shown + "\"");
  }
  std::string unit;
  for (char c : text.substr(digits)) {
    unit += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  double scale = 1;
  if (unit.empty() || unit == "b") {
    scale = 1;
  } else if (unit == "k" || unit == "kb" || unit == "kib") {
    scale = 1024.0;
  } else if (unit == "m" || unit == "mb" || unit == "mib") {
    scale = 1024.0 * 1024;
  } else if (unit == "g" || unit == "gb" || unit == "gib") {
    scale = 1024.0 * 1024 * 1024;
  } else if (unit == "t" || unit == "tb" || unit == "tib") {
    scale = 1024.0 * 1024 * 1024 * 1024;
  } else {
    throw Error(std::string(what) + ": unknown size unit in \"" + shown + "\" (want b, k, m, g or t)");
  }
  double bytes = std::floor(number * scale);
  if (bytes > 9.2e18) {
    throw Error(std::string(what) + ": size too large: \"" + shown + "\"");
  }
  return static_cast<int64_t>(bytes);
}

bool is_valid_object_name(std::string_view name) {
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
  return !name.empty() && name.size() <= 253 && alnum(name.front()) &&
         std::all_of(name.begin(), name.end(), [&](char c) { return alnum(c) || c == '_' || c == '.' || c == '-'; });
}

}  // namespace skiff

#include "toml_subset.h"

#include <algorithm>
#include <charconv>

#include "skiff/base/error.h"

namespace skiff::image::toml {

namespace {

bool is_bare_key_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

class Parser {
 public:
  Parser(std::string_view text, const std::string& path) : text_(text), path_(path) {}

  std::vector<Table> parse() {
    std::vector<Table> tables(1);
    tables[0].line = 1;
    for (;;) {
      skip_blank();
      if (at_end()) {
        return tables;
      }
      if (peek() == '\n') {
        next_line();
        continue;
      }
      if (peek() == '[') {
        tables.push_back(parse_header());
      } else {
        Entry entry = parse_entry();
        auto& entries = tables.back().entries;
        if (std::any_of(entries.begin(), entries.end(), [&](const Entry& e) { return e.key == entry.key; })) {
          fail_at(entry.value.line, "key \"" + entry.key + "\" is defined twice in the same table");
        }
        entries.push_back(std::move(entry));
      }
      end_of_line();
    }
  }

 private:
  [[nodiscard]] bool at_end() const { return pos_ >= text_.size(); }
  [[nodiscard]] char peek() const { return at_end() ? '\0' : text_[pos_]; }

  [[noreturn]] void fail_at(int line, const std::string& message) const {
    throw Error(path_ + ":" + std::to_string(line) + ": " + message);
  }
  [[noreturn]] void fail(const std::string& message) const { fail_at(line_, message); }

  void next_line() {
    ++pos_;
    ++line_;
  }

  // Spaces, tabs and a comment, up to (not past) the end of the line. "\r\n" counts as "\n".
  void skip_blank() {
    while (!at_end()) {
      char c = peek();
      if (c == ' ' || c == '\t' || (c == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n')) {
        ++pos_;
      } else if (c == '#') {
        while (!at_end() && peek() != '\n') {
          ++pos_;
        }
      } else {
        return;
      }
    }
  }

  // Blank lines and comments too, inside arrays.
  void skip_blank_lines() {
    for (;;) {
      skip_blank();
      if (peek() != '\n') {
        return;
      }
      next_line();
    }
  }

  void end_of_line() {
    skip_blank();
    if (at_end()) {
      return;
    }
    if (peek() != '\n') {
      fail(std::string("unexpected '") + peek() + "' after the value (one key = value per line)");
    }
    next_line();
  }

  void expect(char c, std::string_view context) {
    if (peek() != c) {
      fail(std::string("expected '") + c + "' " + std::string(context));
    }
    ++pos_;
  }

  std::string parse_key() {
    std::string key;
    for (;;) {
      skip_blank();
      char c = peek();
      if (c == '"') {
        key += parse_basic_string();
      } else if (c == '\'') {
        key += parse_literal_string();
      } else if (is_bare_key_char(c)) {
        while (is_bare_key_char(peek())) {
          key += text_[pos_++];
        }
      } else {
        fail("expected a key");
      }
      skip_blank();
      if (peek() != '.') {
        return key;
      }
      ++pos_;
      key += '.';
    }
  }

  Table parse_header() {
    Table table;
    table.line = line_;
    ++pos_;
    if (peek() == '[') {
      ++pos_;
      table.array_element = true;
    }
    table.name = parse_key();
    expect(']', "to close the table header");
    if (table.array_element) {
      expect(']', "to close the [[array of tables]] header");
    }
    return table;
  }

  Entry parse_entry() {
    Entry entry;
    int line = line_;
    entry.key = parse_key();
    expect('=', "after the key \"" + entry.key + "\"");
    skip_blank();
    entry.value = parse_value();
    entry.value.line = line;
    return entry;
  }

  Value parse_value() {
    Value value;
    value.line = line_;
    char c = peek();
    if (text_.substr(pos_).starts_with("\"\"\"") || text_.substr(pos_).starts_with("'''")) {
      fail("multi-line strings are not supported here");
    }
    if (c == '"') {
      value.string = parse_basic_string();
    } else if (c == '\'') {
      value.string = parse_literal_string();
    } else if (c == '[') {
      value.kind = Value::Kind::kArray;
      value.array = parse_array();
    } else if (text_.substr(pos_).starts_with("true") || text_.substr(pos_).starts_with("false")) {
      value.kind = Value::Kind::kBool;
      value.boolean = c == 't';
      pos_ += value.boolean ? 4 : 5;
      if (is_bare_key_char(peek())) {
        fail("expected true or false");
      }
    } else if ((c >= '0' && c <= '9') || c == '+' || c == '-') {
      value.kind = Value::Kind::kInteger;
      value.integer = parse_integer();
    } else if (c == '{') {
      fail("inline tables are not supported here");
    } else if (at_end() || c == '\n') {
      fail("a value is missing after '='");
    } else {
      fail(std::string("unexpected '") + c + "' where a value should start");
    }
    return value;
  }

  int64_t parse_integer() {
    std::string digits;
    if (peek() == '+' || peek() == '-') {
      if (peek() == '-') {
        digits += '-';
      }
      ++pos_;
    }
    while (!at_end() && ((peek() >= '0' && peek() <= '9') || peek() == '_')) {
      if (peek() != '_') {
        digits += peek();
      }
      ++pos_;
    }
    int64_t out = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
    if (ec != std::errc() || end != digits.data() + digits.size() || is_bare_key_char(peek()) || peek() == '.' ||
        peek() == ':') {
      fail("only whole decimal numbers are supported here");
    }
    return out;
  }

  std::vector<Value> parse_array() {
    std::vector<Value> out;
    ++pos_;
    for (;;) {
      skip_blank_lines();
      if (peek() == ']') {
        ++pos_;
        return out;
      }
      if (at_end()) {
        fail("the array is not closed with ']'");
      }
      out.push_back(parse_value());
      skip_blank_lines();
      if (at_end()) {
        fail("the array is not closed with ']'");
      }
      if (peek() == ',') {
        ++pos_;
      } else if (peek() != ']') {
        fail("expected ',' or ']' in the array");
      }
    }
  }

  std::string parse_literal_string() {
    ++pos_;
    size_t end = text_.find_first_of("'\n", pos_);
    if (end == std::string_view::npos || text_[end] != '\'') {
      fail("the string is not closed with ' on its line");
    }
    std::string out(text_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return out;
  }

  std::string parse_basic_string() {
    ++pos_;
    std::string out;
    for (;;) {
      if (at_end() || peek() == '\n') {
        fail("the string is not closed with \" on its line");
      }
      char c = text_[pos_++];
      if (c == '"') {
        return out;
      }
      if (c != '\\') {
        out += c;
        continue;
      }
      if (at_end()) {
        fail("the string ends in a lone backslash");
      }
      char e = text_[pos_++];
      switch (e) {
        case 'b':
          out += '\b';
          break;
        case 't':
          out += '\t';
          break;
        case 'n':
          out += '\n';
          break;
        case 'f':
          out += '\f';
          break;
        case 'r':
          out += '\r';
          break;
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case 'u':
        case 'U':
          append_utf8(out, parse_hex_escape(e == 'u' ? 4 : 8));
          break;
        default:
          fail(std::string("unknown escape \\") + e + " in a string");
      }
    }
  }

  uint32_t parse_hex_escape(size_t digits) {
    uint32_t cp = 0;
    std::string_view hex = text_.substr(pos_, digits);
    auto [end, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), cp, 16);
    if (hex.size() != digits || ec != std::errc() || end != hex.data() + hex.size() || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      fail("invalid unicode escape in a string");
    }
    pos_ += digits;
    return cp;
  }

  std::string_view text_;
  const std::string& path_;
  size_t pos_ = 0;
  int line_ = 1;
};

}  // namespace

std::vector<Table> parse(std::string_view text, const std::string& path) {
  return Parser(text, path).parse();
}

std::string_view kind_name(Value::Kind kind) {
  switch (kind) {
    case Value::Kind::kString:
      return "string";
    case Value::Kind::kBool:
      return "boolean";
    case Value::Kind::kInteger:
      return "integer";
    case Value::Kind::kArray:
      return "array";
  }
  return "value";
}

}  // namespace skiff::image::toml

#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace skiff::image::toml {

// The part of TOML that containers-registries.conf(5) files use: tables, arrays of tables,
// bare, quoted and dotted keys, basic and literal strings, booleans, integers and arrays of
// them, comments. Other TOML (multi-line strings, floats, dates, inline tables) is an error
// naming the line, never silently misread.
struct Value {
  enum class Kind { kString, kBool, kInteger, kArray };
  Kind kind = Kind::kString;
  std::string string;
  bool boolean = false;
  int64_t integer = 0;
  std::vector<Value> array;
  int line = 0;
};

struct Entry {
  std::string key;  // dotted keys joined with '.'
  Value value;
};

struct Table {
  std::string name;            // "" for the keys before the first header; "registry.mirror"
  bool array_element = false;  // a [[name]] header
  int line = 0;
  std::vector<Entry> entries;
};

// The tables in file order, the root table first. Errors read "<path>:<line>: <what is wrong>".
std::vector<Table> parse(std::string_view text, const std::string& path);

// "string", "boolean", "integer", "array": what a value is, for messages.
std::string_view kind_name(Value::Kind kind);

}  // namespace skiff::image::toml

#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace skiff::json {

// Parses text; a syntax error names what (a file name) with the line and column.
boost::json::value parse(std::string_view text, const std::string& what);
// Reads and parses a file; errors name the path.
boost::json::value parse_file(const std::string& path);
// Serializes with two-space indentation, as runc prints state and spec.
std::string pretty(const boost::json::value& value);

// Typed access to one field of a parsed document. Every error names the field by its path in
// the document ("linux.seccomp.syscalls[3].action") and shows the offending value.
// A "field path" argument is that path for the value being read.
std::string field(std::string_view parent, std::string_view key);
std::string element(std::string_view parent, size_t index);

const boost::json::object& as_object(const boost::json::value& v, std::string_view path);
const boost::json::array& as_array(const boost::json::value& v, std::string_view path);
std::string as_string(const boost::json::value& v, std::string_view path);
bool as_bool(const boost::json::value& v, std::string_view path);
int64_t as_int64(const boost::json::value& v, std::string_view path);
uint64_t as_uint64(const boost::json::value& v, std::string_view path);
// A whole number that fits in [min, max].
int64_t as_int_in(const boost::json::value& v, std::string_view path, int64_t min, int64_t max);
std::vector<std::string> as_string_array(const boost::json::value& v, std::string_view path);

// The member key of obj, or nullptr when it is absent or null.
const boost::json::value* find(const boost::json::object& obj, std::string_view key);

// Throws an Error "<path>: <message> (got <value>)".
[[noreturn]] void invalid(std::string_view path, std::string_view message, const boost::json::value& got);
[[noreturn]] void invalid(std::string_view path, std::string_view message);

}  // namespace skiff::json

#include "skiff/base/json.h"

#include "skiff/base/error.h"
#include "skiff/base/file.h"

namespace skiff::json {

namespace {

std::string location(std::string_view text, size_t offset) {
  size_t line = 1;
  size_t column = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return "line " + std::to_string(line) + " column " + std::to_string(column);
}

void pretty_into(const boost::json::value& v, std::string& out, int indent) {
  auto pad = [&](int n) { out.append(static_cast<size_t>(n) * 2, ' '); };
  switch (v.kind()) {
    case boost::json::kind::object: {
      const auto& obj = v.get_object();
      if (obj.empty()) {
        out += "{}";
        return;
      }
      out += "{\n";
      bool first = true;
      for (const auto& kv : obj) {
        if (!first) {
          out += ",\n";
        }
        first = false;
        pad(indent + 1);
        out += boost::json::serialize(boost::json::value(kv.key()));
        out += ": ";
        pretty_into(kv.value(), out, indent + 1);
      }
      out += "\n";
      pad(indent);
      out += "}";
      return;
    }
    case boost::json::kind::array: {
      const auto& arr = v.get_array();
      if (arr.empty()) {
        out += "[]";
        return;
      }
      out += "[\n";
      for (size_t i = 0; i < arr.size(); ++i) {
        if (i > 0) {
          out += ",\n";
        }
        pad(indent + 1);
        pretty_into(arr[i], out, indent + 1);
      }
      out += "\n";
      pad(indent);
      out += "]";
      return;
    }
    default:
      out += boost::json::serialize(v);
  }
}

}  // namespace

boost::json::value parse(std::string_view text, const std::string& what) {
  boost::json::stream_parser parser;
  boost::system::error_code ec;
  size_t used = parser.write_some(text.data(), text.size(), ec);
  if (!ec && used < text.size()) {
    ec = boost::json::error::extra_data;
  }
  if (!ec) {
    parser.finish(ec);
  }
  if (ec) {
    throw Error(what + ": invalid JSON at " + location(text, used) + ": " + ec.message());
  }
  return parser.release();
}

boost::json::value parse_file(const std::string& path) {
  return parse(read_file(path), path);
}

std::string field(std::string_view parent, std::string_view key) {
  if (parent.empty()) {
    return std::string(key);
  }
  return std::string(parent) + "." + std::string(key);
}

std::string element(std::string_view parent, size_t index) {
  return std::string(parent) + "[" + std::to_string(index) + "]";
}

void invalid(std::string_view path, std::string_view message) {
  throw Error(std::string(path) + ": " + std::string(message));
}

void invalid(std::string_view path, std::string_view message, const boost::json::value& got) {
  std::string shown = boost::json::serialize(got);
  if (shown.size() > 80) {
    shown = shown.substr(0, 77) + "...";
  }
  throw Error(std::string(path) + ": " + std::string(message) + " (got " + shown + ")");
}

const boost::json::object& as_object(const boost::json::value& v, std::string_view path) {
  if (!v.is_object()) {
    invalid(path, "must be an object", v);
  }
  return v.get_object();
}

const boost::json::array& as_array(const boost::json::value& v, std::string_view path) {
  if (!v.is_array()) {
    invalid(path, "must be an array", v);
  }
  return v.get_array();
}

std::string as_string(const boost::json::value& v, std::string_view path) {
  if (!v.is_string()) {
    invalid(path, "must be a string", v);
  }
  return std::string(v.get_string());
}

bool as_bool(const boost::json::value& v, std::string_view path) {
  if (!v.is_bool()) {
    invalid(path, "must be true or false", v);
  }
  return v.get_bool();
}

int64_t as_int64(const boost::json::value& v, std::string_view path) {
  if (v.is_int64()) {
    return v.get_int64();
  }
  if (v.is_uint64() && v.get_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
    return static_cast<int64_t>(v.get_uint64());
  }
  if (v.is_double()) {
    double d = v.get_double();
    if (d == static_cast<double>(static_cast<int64_t>(d))) {
      return static_cast<int64_t>(d);
    }
  }
  invalid(path, "must be a whole number", v);
}

uint64_t as_uint64(const boost::json::value& v, std::string_view path) {
  if (v.is_uint64()) {
    return v.get_uint64();
  }
  if (v.is_int64() && v.get_int64() >= 0) {
    return static_cast<uint64_t>(v.get_int64());
  }
  if (v.is_double()) {
    double d = v.get_double();
    if (d >= 0 && d == static_cast<double>(static_cast<uint64_t>(d))) {
      return static_cast<uint64_t>(d);
    }
  }
  invalid(path, "must be a non-negative whole number", v);
}

int64_t as_int_in(const boost::json::value& v, std::string_view path, int64_t min, int64_t max) {
  int64_t n = as_int64(v, path);
  if (n < min || n > max) {
    invalid(path, "must be between " + std::to_string(min) + " and " + std::to_string(max), v);
  }
  return n;
}

std::vector<std::string> as_string_array(const boost::json::value& v, std::string_view path) {
  std::vector<std::string> out;
  const auto& arr = as_array(v, path);
  out.reserve(arr.size());
  for (size_t i = 0; i < arr.size(); ++i) {
    out.push_back(as_string(arr[i], element(path, i)));
  }
  return out;
}

const boost::json::value* find(const boost::json::object& obj, std::string_view key) {
  const auto* v = obj.if_contains(key);
  if (v == nullptr || v->is_null()) {
    return nullptr;
  }
  return v;
}

std::string pretty(const boost::json::value& value) {
  std::string out;
  pretty_into(value, out, 0);
  out += "\n";
  return out;
}

}  // namespace skiff::json

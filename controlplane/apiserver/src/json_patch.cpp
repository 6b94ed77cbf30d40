#include <string>
#include <vector>

#include "skiff/apiserver/patch.h"
#include "skiff/apiserver/status.h"
#include "skiff/base/strings.h"

namespace skiff::apiserver {

namespace {

// A JSON pointer's reference tokens, unescaped (~1 is '/', ~0 is '~').
std::vector<std::string> pointer_tokens(const std::string& pointer) {
  if (pointer.empty()) {
    return {};
  }
  if (pointer.front() != '/') {
    throw bad_request("json patch: path \"" + pointer + "\" does not start with /");
  }
  std::vector<std::string> tokens = split(std::string_view(pointer).substr(1), '/');
  for (std::string& token : tokens) {
    std::string out;
    for (size_t i = 0; i < token.size(); ++i) {
      if (token[i] == '~' && i + 1 < token.size() && (token[i + 1] == '0' || token[i + 1] == '1')) {
        out += token[i + 1] == '0' ? '~' : '/';
        ++i;
      } else {
        out += token[i];
      }
    }
    token = out;
  }
  return tokens;
}

size_t array_index(const std::string& token, size_t size, bool allow_end, const std::string& path) {
  if (allow_end && token == "-") {
    return size;
  }
  if (token.empty() || token.find_first_not_of("0123456789") != std::string::npos) {
    throw bad_request("json patch: " + path + ": \"" + token + "\" is not an array index");
  }
  size_t index = std::stoul(token);
  if (index > size || (!allow_end && index == size)) {
    throw bad_request("json patch: " + path + ": index " + token + " is out of bounds");
  }
  return index;
}

// The container the last token of path names a member of.
boost::json::value& parent_of(boost::json::value& doc, const std::vector<std::string>& tokens,
                              const std::string& path) {
  boost::json::value* current = &doc;
  for (size_t i = 0; i + 1 < tokens.size(); ++i) {
    if (auto* obj = current->if_object()) {
      auto* next = obj->if_contains(tokens[i]);
      if (!next) {
        throw bad_request("json patch: " + path + ": missing path element \"" + tokens[i] + "\"");
      }
      current = next;
    } else if (auto* arr = current->if_array()) {
      current = &(*arr)[array_index(tokens[i], arr->size(), false, path)];
    } else {
      throw bad_request("json patch: " + path + ": \"" + tokens[i] + "\" is inside a scalar");
    }
  }
  return *current;
}

boost::json::value get_at(boost::json::value& doc, const std::string& path) {
  std::vector<std::string> tokens = pointer_tokens(path);
  if (tokens.empty()) {
    return doc;
  }
  boost::json::value& parent = parent_of(doc, tokens, path);
  if (auto* obj = parent.if_object()) {
    if (auto* v = obj->if_contains(tokens.back())) {
      return *v;
    }
    throw bad_request("json patch: " + path + ": missing value");
  }
  if (auto* arr = parent.if_array()) {
    return (*arr)[array_index(tokens.back(), arr->size(), false, path)];
  }
  throw bad_request("json patch: " + path + ": parent is a scalar");
}

void remove_at(boost::json::value& doc, const std::string& path) {
  std::vector<std::string> tokens = pointer_tokens(path);
  if (tokens.empty()) {
    throw bad_request("json patch: cannot remove the whole document");
  }
  boost::json::value& parent = parent_of(doc, tokens, path);
  if (auto* obj = parent.if_object()) {
    if (!obj->erase(tokens.back())) {
      throw bad_request("json patch: remove " + path + ": missing value");
    }
  } else if (auto* arr = parent.if_array()) {
    arr->erase(arr->begin() + static_cast<std::ptrdiff_t>(array_index(tokens.back(), arr->size(), false, path)));
  } else {
    throw bad_request("json patch: remove " + path + ": parent is a scalar");
  }
}

void add_at(boost::json::value& doc, const std::string& path, boost::json::value value, bool replace) {
  std::vector<std::string> tokens = pointer_tokens(path);
  if (tokens.empty()) {
    doc = std::move(value);
    return;
  }
  boost::json::value& parent = parent_of(doc, tokens, path);
  if (auto* obj = parent.if_object()) {
    if (replace && !obj->contains(tokens.back())) {
      throw bad_request("json patch: replace " + path + ": missing value");
    }
    (*obj)[tokens.back()] = std::move(value);
  } else if (auto* arr = parent.if_array()) {
    size_t index = array_index(tokens.back(), arr->size(), !replace, path);
    if (replace) {
      (*arr)[index] = std::move(value);
    } else {
      arr->insert(arr->begin() + static_cast<std::ptrdiff_t>(index), std::move(value));
    }
  } else {
    throw bad_request("json patch: " + path + ": parent is a scalar");
  }
}

std::string member_string(const boost::json::object& op, const char* name, size_t index) {
  const auto* v = op.if_contains(name);
  if (!v || !v->is_string()) {
    throw bad_request("json patch: operation " + std::to_string(index) + " has no string \"" + name + "\"");
  }
  return std::string(v->as_string());
}

}  // namespace

boost::json::value json_patch(const boost::json::value& target, const boost::json::value& operations) {
  if (!operations.is_array()) {
    throw bad_request("json patch: the patch is not a list of operations");
  }
  boost::json::value doc = target;
  size_t index = 0;
  for (const auto& entry : operations.as_array()) {
    if (!entry.is_object()) {
      throw bad_request("json patch: operation " + std::to_string(index) + " is not an object");
    }
    const auto& op = entry.as_object();
    std::string name = member_string(op, "op", index);
    std::string path = member_string(op, "path", index);
    auto value = [&]() -> boost::json::value {
      const auto* v = op.if_contains("value");
      if (!v) {
        throw bad_request("json patch: " + name + " " + path + " has no value");
      }
      return *v;
    };
    if (name == "add") {
      add_at(doc, path, value(), false);
    } else if (name == "remove") {
      remove_at(doc, path);
    } else if (name == "replace") {
      add_at(doc, path, value(), true);
    } else if (name == "move") {
      std::string from = member_string(op, "from", index);
      boost::json::value moved = get_at(doc, from);
      remove_at(doc, from);
      add_at(doc, path, std::move(moved), false);
    } else if (name == "copy") {
      add_at(doc, path, get_at(doc, member_string(op, "from", index)), false);
    } else if (name == "test") {
      if (get_at(doc, path) != value()) {
        throw ApiError(422, "Invalid", "json patch: test " + path + " failed");
      }
    } else {
      throw bad_request("json patch: unknown operation \"" + name + "\"");
    }
    ++index;
  }
  return doc;
}

}  // namespace skiff::apiserver

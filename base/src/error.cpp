#include "skiff/base/error.h"

#include <cstring>

namespace skiff {

namespace {

std::string format(const std::string& message, int err) {
  if (err == 0) {
    return message;
  }
  return message + ": " + errno_name(err) + " (" + std::strerror(err) + ")";
}

}  // namespace

Error::Error(const std::string& message, int err) : std::runtime_error(format(message, err)), code_(err) {}

std::string errno_name(int err) {
  const char* name = strerrorname_np(err);
  return name != nullptr ? std::string(name) : "errno " + std::to_string(err);
}

void throw_errno(const std::string& context) {
  throw_errno(errno, context);
}

void throw_errno(int err, const std::string& context) {
  throw Error(context, err);
}

}  // namespace skiff

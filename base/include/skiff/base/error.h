#pragma once

#include <cerrno>
#include <stdexcept>
#include <string>

namespace skiff {

// An error with a human-readable context and, when it came from the kernel, its errno.
// what() reads like "mount /proc at /run/x/rootfs/proc: EPERM (Operation not permitted)".
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, int err = 0);

  // The errno this error carries, 0 when it did not come from a system call.
  [[nodiscard]] int code() const { return code_; }

 private:
  int code_;
};

// The symbolic name of an errno value ("EPERM"), or its number when unknown.
std::string errno_name(int err);

// An Error for a failed system call, from errno (or from err when given).
[[noreturn]] void throw_errno(const std::string& context);
[[noreturn]] void throw_errno(int err, const std::string& context);

// Returns rc, or throws an Error with errno and context when rc is negative.
template <typename T>
T check(T rc, const std::string& context) {
  if (rc < 0) {
    throw_errno(context);
  }
  return rc;
}

}  // namespace skiff

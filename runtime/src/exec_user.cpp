#include "skiff/runtime/exec_user.h"

#include "skiff/base/error.h"
#include "skiff/base/strings.h"

namespace skiff::runtime {

User parse_exec_user(std::string_view value) {
  auto parts = split(value, ':');
  if (parts.size() > 2 || parts[0].empty() || (parts.size() == 2 && parts[1].empty())) {
    throw Error("--user: want uid[:gid] as numbers (got \"" + std::string(value) + "\")");
  }
  User user;
  try {
    uint64_t uid = parse_uint(parts[0], "--user uid");
    uint64_t gid = parts.size() == 2 ? parse_uint(parts[1], "--user gid") : 0;
    if (uid >= UINT32_MAX || gid >= UINT32_MAX) {
      throw Error("out of range");
    }
    user.uid = static_cast<uid_t>(uid);
    user.gid = static_cast<gid_t>(gid);
  } catch (const Error&) {
    throw Error("--user: want uid[:gid] as numbers (got \"" + std::string(value) + "\")");
  }
  return user;
}

}  // namespace skiff::runtime

#include "skiff/base/passwd.h"

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/strings.h"

namespace skiff {

std::optional<PasswdEntry> find_passwd_uid(std::string_view passwd_text, uid_t uid) {
  for (const auto& line : split(passwd_text, '\n')) {
    auto fields = split(line, ':');
    if (fields.size() < 7 || fields[0].empty() || fields[0].front() == '#') {
      continue;
    }
    if (fields[2] != std::to_string(uid)) {
      continue;
    }
    PasswdEntry entry;
    entry.name = fields[0];
    entry.uid = uid;
    try {
      entry.gid = static_cast<gid_t>(parse_uint(fields[3], "gid"));
    } catch (const Error&) {
      continue;
    }
    entry.home = fields[5];
    entry.shell = fields[6];
    return entry;
  }
  return std::nullopt;
}

std::optional<PasswdEntry> lookup_passwd_uid(const std::string& path, uid_t uid) {
  try {
    return find_passwd_uid(read_file(path), uid);
  } catch (const Error&) {
    return std::nullopt;
  }
}

std::string user_name(uid_t uid) {
  auto entry = lookup_passwd_uid("/etc/passwd", uid);
  return entry ? entry->name : std::to_string(uid);
}

}  // namespace skiff

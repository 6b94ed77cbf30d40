#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

namespace skiff {

struct PasswdEntry {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
  std::string home;
  std::string shell;
};

// Finds uid in the text of a passwd file (/etc/passwd format). Read as a file rather than
// through NSS: inside a container only the image's own file counts, and the static runtime has
// no NSS modules to load.
std::optional<PasswdEntry> find_passwd_uid(std::string_view passwd_text, uid_t uid);
// The same in a passwd file on disk; none when the file is missing or unreadable.
std::optional<PasswdEntry> lookup_passwd_uid(const std::string& path, uid_t uid);
// The name of uid in /etc/passwd, or the number when it has none.
std::string user_name(uid_t uid);

}  // namespace skiff

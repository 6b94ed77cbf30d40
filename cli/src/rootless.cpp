#include "skiff/cli/rootless.h"

#include <unistd.h>

#include <algorithm>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/passwd.h"
#include "skiff/base/strings.h"

namespace skiff::cli {

namespace {

// usermod's and useradd's defaults.
constexpr uint64_t kRangeSize = 65536;
constexpr uint64_t kFirstStart = 100000;

// The first id after every range in text ("name:start:count" lines).
uint64_t end_of_ranges(std::string_view text) {
  uint64_t end = 0;
  for (const auto& line : split(text, '\n')) {
    auto fields = split(trim(line), ':');
    if (fields.size() != 3) {
      continue;
    }
    try {
      end = std::max(end, parse_uint(fields[1], "start") + parse_uint(fields[2], "count"));
    } catch (const Error&) {
      continue;  // newuidmap skips malformed lines too
    }
  }
  return end;
}

std::string read_if_present(const std::string& path) {
  return path_exists(path) ? read_file(path) : std::string();
}

}  // namespace

std::string missing_subid_advice(std::string_view user, uid_t uid, std::string_view subuid_text,
                                 std::string_view subgid_text) {
  bool has_uids = image::find_subid_range(subuid_text, user, uid).has_value();
  bool has_gids = image::find_subid_range(subgid_text, user, uid).has_value();
  if (has_uids && has_gids) {
    return {};
  }
  uint64_t start = std::max({kFirstStart, end_of_ranges(subuid_text), end_of_ranges(subgid_text)});
  std::string files = !has_uids && !has_gids ? "/etc/subuid and /etc/subgid"
                      : !has_uids            ? "/etc/subuid"
                                             : "/etc/subgid";
  std::string line = std::string(user) + ":" + std::to_string(start) + ":" + std::to_string(kRangeSize);
  std::string range = std::to_string(start) + "-" + std::to_string(start + kRangeSize - 1);
  std::string usermod =
      std::string(!has_uids ? " --add-subuids " + range : "") + (!has_gids ? " --add-subgids " + range : "");
  return "user " + std::string(user) + " has no subordinate id range in " + files +
         ", which rootless skiff needs to store images whose files belong to other users: as root, add a line '" +
         line + "' to " + files + " (or run: usermod" + usermod + " " + std::string(user) + ")";
}

image::UserNamespaceMaps rootless_user_maps() {
  uid_t uid = ::getuid();
  std::string user = user_name(uid);
  std::string advice = missing_subid_advice(user, uid, read_if_present("/etc/subuid"), read_if_present("/etc/subgid"));
  if (!advice.empty()) {
    throw Error(advice);
  }
  return image::rootless_maps_for_caller();
}

}  // namespace skiff::cli

#include "skiff/base/rootless.h"

#include <unistd.h>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/strings.h"

namespace skiff {

namespace {

constexpr std::string_view kInitialUidMap = "0 0 4294967295";

}  // namespace

bool is_non_initial_uid_map(std::string_view uid_map_text) {
  // The kernel pads the columns with spaces: compare the fields, not the text.
  auto lines = split(trim(uid_map_text), '\n');
  if (lines.size() != 1) {
    return true;
  }
  std::string fields;
  for (const auto& field : split(trim(lines.front()), ' ')) {
    if (!field.empty()) {
      fields += (fields.empty() ? "" : " ") + std::string(field);
    }
  }
  return fields != kInitialUidMap;
}

bool in_user_namespace() {
  try {
    return is_non_initial_uid_map(read_file("/proc/self/uid_map"));
  } catch (const Error&) {
    return false;  // a kernel without user namespaces
  }
}

bool running_rootless() {
  return ::geteuid() != 0 || in_user_namespace();
}

}  // namespace skiff

#include <linux/magic.h>
#include <sys/statfs.h>

#include "skiff/base/error.h"
#include "skiff/cgroups/manager.h"

namespace skiff::cgroups {

namespace {

// The file system type of path, or 0 when it cannot be examined (not mounted, not there).
int64_t fs_type(const char* path) {
  struct statfs st {};
  if (::statfs(path, &st) < 0) {
    return 0;
  }
  return static_cast<int64_t>(st.f_type);
}

}  // namespace

Mode detect_mode() {
  int64_t root = fs_type("/sys/fs/cgroup");
  if (root == CGROUP2_SUPER_MAGIC) {
    return Mode::v2;
  }
  // v1 hierarchies sit on a tmpfs at /sys/fs/cgroup (or, rarely, one v1 mount is the whole of it).
  if (root != TMPFS_MAGIC && root != CGROUP_SUPER_MAGIC) {
    throw Error("detect cgroup mode: /sys/fs/cgroup is neither cgroup2 nor a tmpfs of cgroup v1 mounts");
  }
  return fs_type("/sys/fs/cgroup/unified") == CGROUP2_SUPER_MAGIC ? Mode::hybrid : Mode::v1;
}

std::string_view mode_name(Mode mode) {
  switch (mode) {
    case Mode::v1:
      return "v1";
    case Mode::hybrid:
      return "hybrid";
    case Mode::v2:
      return "v2";
  }
  return "unknown";
}

}  // namespace skiff::cgroups

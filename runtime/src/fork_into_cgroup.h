#pragma once

#include <sys/types.h>

namespace skiff::cgroups {
class Manager;
}

namespace skiff::runtime {

struct ForkedChild {
  pid_t pid = 0;  // 0 in the child
  // True when the child was born in the cgroup; otherwise the caller still has to move it.
  bool in_cgroup = false;
};

// Forks a child that starts life in the container's cgroup: clone3 with CLONE_INTO_CGROUP
// (Linux 5.7, cgroup v2), so that no process of the container ever runs outside it and the
// runtime saves the write to cgroup.procs. Falls back to fork where the kernel or the cgroup
// driver cannot do that. what names the child in errors.
ForkedChild fork_into_cgroup(const cgroups::Manager& cgroup, const char* what);

}  // namespace skiff::runtime

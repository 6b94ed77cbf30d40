#pragma once

#include <string>

#include "skiff/runtime/seccomp.h"
#include "skiff/runtime/spec.h"
#include "skiff/runtime/sync.h"

namespace skiff::cgroups {
class Manager;
}

namespace skiff::runtime {

// What the container's first process needs to set itself up.
struct InitConfig {
  const Spec* spec = nullptr;
  std::string id;
  std::string rootfs;
  std::string bundle;
  std::string fifo_path;
  const SeccompProgram* seccomp = nullptr;
  const cgroups::Manager* cgroup = nullptr;
  int console_fd = -1;
  // The runtime's lock on the state dir: the child's copy must go, or the lock outlives create.
  int state_lock_fd = -1;
  int preserve_fds = 0;
  bool no_pivot = false;
  bool no_new_keyring = false;
  // The fork could not be born in the cgroup (cgroup v1): the runtime moves stage 1 and then the
  // container's process there while they work, so that the RCU grace period the kernel waits for
  // on the first cgroup.procs write overlaps with their namespaces and mounts instead of
  // preceding them. The container's process waits for its move before it creates devices (the
  // devices cgroup rules on mknod), and only then makes its new cgroup namespace, rooted at the
  // container's cgroup; stage 1 makes none.
  bool moved_after_clone = false;
};

// Stage 1, in a plain child of the runtime: joins the namespaces given by path, makes the new
// ones (asking the runtime for id maps), forks the container's process as a sibling
// (CLONE_PARENT, so it becomes the runtime's child and PID 1 of a new pid namespace), reports
// its pid and exits. Never returns.
[[noreturn]] void run_init_stage1(const InitConfig& config, const SyncSocket& sync);

// Joins the namespaces of an existing process (exec), user namespace first, mount last.
void join_namespaces_of(pid_t pid, const Linux& linux);

}  // namespace skiff::runtime

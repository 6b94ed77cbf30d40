#include "fork_into_cgroup.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <csignal>
#include <string>

#include "skiff/base/error.h"
#include "skiff/base/unique_fd.h"
#include "skiff/cgroups/manager.h"

namespace skiff::runtime {

namespace {

// -1 with errno when clone3 or CLONE_INTO_CGROUP is unavailable or refused.
pid_t clone3_into(int cgroup_fd) {
  clone_args args{};
  args.flags = CLONE_INTO_CGROUP;
  args.exit_signal = SIGCHLD;
  args.cgroup = static_cast<uint64_t>(cgroup_fd);
  return static_cast<pid_t>(::syscall(SYS_clone3, &args, sizeof(args)));
}

}  // namespace

ForkedChild fork_into_cgroup(const cgroups::Manager& cgroup, const char* what) {
  std::string dir = cgroup.birth_directory();
  if (!dir.empty()) {
    // O_PATH descriptors are refused by CLONE_INTO_CGROUP.
    UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd) {
      pid_t pid = clone3_into(fd.get());
      if (pid >= 0) {
        return {pid, true};
      }
      // Older kernels (ENOSYS, E2BIG, EINVAL) and cgroups the caller may not enter directly
      // (EACCES, EPERM, EBUSY) go the old way; a real problem then shows in add_process.
    }
  }
  pid_t pid = ::fork();
  if (pid < 0) {
    throw_errno(std::string("fork ") + what);
  }
  return {pid, false};
}

}  // namespace skiff::runtime

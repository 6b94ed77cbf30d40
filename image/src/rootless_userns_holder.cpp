#include <fcntl.h>
#include <linux/close_range.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <utility>

#include "rootless_userns_fork.h"
#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/unique_fd.h"
#include "skiff/image/rootless_userns.h"

namespace skiff::image {

namespace {

// The forked holder until it runs its program: killed and reaped when starting it fails.
class StartingHolder {
 public:
  explicit StartingHolder(pid_t pid) : pid_(pid) {}
  StartingHolder(const StartingHolder&) = delete;
  StartingHolder& operator=(const StartingHolder&) = delete;
  ~StartingHolder() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  [[nodiscard]] pid_t pid() const { return pid_; }
  // It runs: from now on it outlives us.
  pid_t release() { return std::exchange(pid_, -1); }
  // It has exited already (and is reaped): its exit code, or 128 + its signal.
  std::optional<int> exited() {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) != pid_) {
      return std::nullopt;
    }
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

 private:
  pid_t pid_;
};

// The holder's side: a session of its own with stdio on /dev/null (it must keep no pipe of the
// caller's open, nor get the terminal's signals), a user namespace, its maps, a mount namespace,
// then program. Errors go to the result pipe; a successful exec closes that pipe unwritten.
[[noreturn]] void holder_main(UserNamespaceFork self, const std::string& program) {
  try {
    check(::setsid(), "namespace holder: setsid");
    UniqueFd null(::open("/dev/null", O_RDWR | O_CLOEXEC));
    if (!null) {
      throw_errno("namespace holder: open /dev/null");
    }
    for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; ++fd) {
      check(::dup2(null.get(), fd), "namespace holder: stdio to /dev/null");
    }
    enter_mapped_user_namespace(self);
    check(::unshare(CLONE_NEWNS), "namespace holder: unshare CLONE_NEWNS");
    // The host's later mounts still arrive; the containers' rootfs mounts never reach the host.
    check(::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr), "namespace holder: make / a slave mount");
    // No fd of the caller's lives on in the holder.
    check(static_cast<int>(::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC)), "namespace holder: close_range");
    sigset_t none;
    sigemptyset(&none);
    check(::sigprocmask(SIG_SETMASK, &none, nullptr), "namespace holder: sigprocmask");
    std::string argv0 = std::filesystem::path(program).filename();
    char* const argv[] = {argv0.data(), nullptr};
    ::execv(program.c_str(), argv);
    throw_errno("namespace holder: exec " + program);
  } catch (const std::exception& e) {
    std::string message = e.what();
    if (::write(self.result.get(), message.data(), message.size()) < 0) {
      // The parent is gone; nobody is left to tell.
    }
  }
  ::_exit(1);
}

}  // namespace

pid_t start_namespace_holder(const UserNamespaceMaps& maps, const std::string& program) {
  UserNamespaceFork fork = fork_for_user_namespace();
  if (fork.pid == 0) {
    holder_main(std::move(fork), program);
  }
  StartingHolder holder(fork.pid);
  // When it failed before unsharing, its error is in the result pipe.
  map_user_namespace(fork, maps);
  std::string error = read_all(fork.result.get(), "namespace holder: result pipe");
  if (!error.empty()) {
    throw Error(error);
  }
  if (auto code = holder.exited()) {
    throw Error("namespace holder: " + program + " exited with " + std::to_string(*code) + " as soon as it started");
  }
  return holder.release();
}

HeldNamespaces open_held_namespaces(pid_t pid) {
  std::string dir = "/proc/" + std::to_string(pid) + "/ns/";
  auto open_ns = [&dir](const char* name) {
    UniqueFd fd(::open((dir + name).c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
      throw_errno("open " + dir + name + " of the rootless namespace holder");
    }
    return fd;
  };
  return {open_ns("user"), open_ns("mnt")};
}

void join_namespaces(const HeldNamespaces& namespaces) {
  // Joining a mount namespace moves the process to its root directory.
  std::string cwd = std::filesystem::current_path();
  check(::setns(namespaces.user.get(), CLONE_NEWUSER), "join the rootless user namespace");
  check(::setns(namespaces.mount.get(), CLONE_NEWNS), "join the rootless mount namespace");
  check(::chdir(cwd.c_str()), "the working directory " + cwd + " in the rootless mount namespace");
}

}  // namespace skiff::image

#include "skiff/base/background_removal.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <csignal>
#include <exception>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/strings.h"

namespace skiff {

namespace {

bool single_threaded() {
  for (const auto& line : split(read_file("/proc/self/status"), '\n')) {
    if (line.starts_with("Threads:")) {
      return trim(line.substr(8)) == "1";
    }
  }
  return false;
}

[[noreturn]] void remove_detached(const std::string& path) {
  ::setsid();
  if (::fork() != 0) {
    ::_exit(0);  // the grandchild goes to init, so nobody has to reap it
  }
  int devnull = ::open("/dev/null", O_RDWR);
  if (devnull >= 0) {
    ::dup2(devnull, STDIN_FILENO);
    ::dup2(devnull, STDOUT_FILENO);
    ::dup2(devnull, STDERR_FILENO);
  }
  ::syscall(SYS_close_range, 3U, UINT_MAX, 0U);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::prctl(PR_SET_NAME, "skiff-rm");
  ::setpriority(PRIO_PROCESS, 0, 19);
  try {
    remove_all(path);
  } catch (const std::exception&) {
    ::_exit(1);
  }
  ::_exit(0);
}

}  // namespace

void remove_all_in_background(const std::string& path) {
  if (!single_threaded()) {
    remove_all(path);
    return;
  }
  pid_t child = ::fork();
  if (child < 0) {
    remove_all(path);
    return;
  }
  if (child == 0) {
    remove_detached(path);
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace skiff

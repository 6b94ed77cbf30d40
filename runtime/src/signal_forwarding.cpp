#include "signal_forwarding.h"

#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "skiff/base/error.h"

namespace skiff::runtime {

ForwardedSignals::ForwardedSignals() {
  sigemptyset(&mask_);
  for (int sig : {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT, SIGALRM, SIGCHLD}) {
    sigaddset(&mask_, sig);
  }
  if (::sigprocmask(SIG_BLOCK, &mask_, &old_) < 0) {
    throw_errno("block the signals to forward");
  }
  fd_.reset(::signalfd(-1, &mask_, SFD_CLOEXEC));
  if (!fd_) {
    int err = errno;
    ::sigprocmask(SIG_SETMASK, &old_, nullptr);
    throw_errno(err, "signalfd");
  }
}

ForwardedSignals::~ForwardedSignals() {
  ::sigprocmask(SIG_SETMASK, &old_, nullptr);
}

int ForwardedSignals::try_reap(pid_t pid) {
  int status = 0;
  pid_t done;
  while ((done = ::waitpid(pid, &status, WNOHANG)) < 0 && errno == EINTR) {
  }
  if (done == pid) {
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
  }
  if (done < 0) {
    throw_errno("wait for pid " + std::to_string(pid));
  }
  return -1;
}

int ForwardedSignals::wait_for(pid_t pid) {
  for (;;) {
    int code = try_reap(pid);
    if (code >= 0) {
      return code;
    }
    signalfd_siginfo info{};
    if (::read(fd_.get(), &info, sizeof info) == static_cast<ssize_t>(sizeof info) && info.ssi_signo != SIGCHLD) {
      ::kill(pid, static_cast<int>(info.ssi_signo));
    }
  }
}

}  // namespace skiff::runtime

#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include "skiff/base/error.h"
#include "skiff/base/log.h"
#include "skiff/runtime/container.h"

namespace skiff::runtime {

namespace {

// Signals a foreground `run` passes on to the container instead of acting on them itself.
constexpr int kForwarded[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT, SIGALRM};

}  // namespace

int Runtime::run(const CreateOptions& options, bool detach) {
  if (detach) {
    create(options);
    try {
      start(options.id);
    } catch (...) {
      try {
        remove(options.id, true);
      } catch (const std::exception& e) {
        log::warning(std::string("cleaning up after a failed start: ") + e.what());
      }
      throw;
    }
    return 0;
  }
  // Blocked before the container exists so that no signal is lost; the container's process
  // resets its own mask.
  sigset_t mask;
  sigemptyset(&mask);
  for (int sig : kForwarded) {
    sigaddset(&mask, sig);
  }
  sigaddset(&mask, SIGCHLD);
  sigset_t old;
  if (::sigprocmask(SIG_BLOCK, &mask, &old) < 0) {
    throw_errno("block signals");
  }
  struct MaskRestore {
    sigset_t old;
    ~MaskRestore() { ::sigprocmask(SIG_SETMASK, &old, nullptr); }
  } restore{old};

  pid_t pid = create(options);
  int exit_code = 0;
  try {
    start(options.id);
    UniqueFd signals(::signalfd(-1, &mask, SFD_CLOEXEC));
    if (!signals) {
      throw_errno("signalfd");
    }
    for (;;) {
      int status = 0;
      pid_t done = ::waitpid(pid, &status, WNOHANG);
      if (done == pid) {
        exit_code = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
        break;
      }
      if (done < 0 && errno == ECHILD) {
        exit_code = 255;
        break;
      }
      signalfd_siginfo info{};
      ssize_t n = ::read(signals.get(), &info, sizeof info);
      if (n != static_cast<ssize_t>(sizeof info)) {
        continue;
      }
      if (info.ssi_signo != SIGCHLD) {
        ::kill(pid, static_cast<int>(info.ssi_signo));
      }
    }
  } catch (...) {
    try {
      remove(options.id, true);
    } catch (const std::exception& e) {
      log::warning(std::string("cleaning up after a failed run: ") + e.what());
    }
    throw;
  }
  remove(options.id, true);
  return exit_code;
}

}  // namespace skiff::runtime

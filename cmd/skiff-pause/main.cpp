// skiff-pause: the infra process of a pod, and the init process of a container run with --init.
//
// Without arguments it holds the pod's shared namespaces (network, IPC, UTS, and PID when the pod
// shares one) for as long as the pod lives. As PID 1 of a shared PID namespace it reaps the
// zombies other containers' processes leave behind. It exits 0 on SIGTERM or SIGINT and otherwise
// sleeps.
//
// `skiff-pause -- COMMAND [ARG...]` is the role of podman's catatonit and docker's tini: PID 1 of
// a container that runs COMMAND as its child, forwards every signal it gets to it, reaps every
// zombie, and exits as the child did (its exit code, or 128 + the signal that killed it). An
// exec failure exits 127 (not found) or 126 (cannot run), as a shell does.
//
// Plain C on purpose: a tiny static binary with no C++ runtime.
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

volatile sig_atomic_t g_stop = 0;

void on_stop(int /*signal*/) {
  g_stop = 1;
}

// Nothing to do here: the main loop reaps after sigsuspend returns.
void on_child(int /*signal*/) {}

void reap() {
  while (waitpid(-1, nullptr, WNOHANG) > 0) {
  }
}

void write_error(const char* what, const char* arg, int err) {
  const char* parts[] = {"skiff-pause: ", what, arg, ": ", strerror(err), "\n"};
  for (const char* part : parts) {
    if (write(STDERR_FILENO, part, strlen(part)) < 0) {
      return;
    }
  }
}

int pause_forever() {
  // Block the signals we handle, so that they arrive only inside sigsuspend: no wake-up is lost
  // between reaping and going back to sleep.
  sigset_t handled;
  sigemptyset(&handled);
  sigaddset(&handled, SIGTERM);
  sigaddset(&handled, SIGINT);
  sigaddset(&handled, SIGCHLD);
  if (sigprocmask(SIG_BLOCK, &handled, nullptr) != 0) {
    return 2;
  }
  struct sigaction stop = {};
  stop.sa_handler = on_stop;
  sigaction(SIGTERM, &stop, nullptr);
  sigaction(SIGINT, &stop, nullptr);
  struct sigaction child = {};
  child.sa_handler = on_child;
  child.sa_flags = SA_NOCLDSTOP;
  sigaction(SIGCHLD, &child, nullptr);

  sigset_t wait_mask;
  sigprocmask(SIG_SETMASK, nullptr, &wait_mask);
  sigdelset(&wait_mask, SIGTERM);
  sigdelset(&wait_mask, SIGINT);
  sigdelset(&wait_mask, SIGCHLD);
  while (g_stop == 0) {
    reap();
    sigsuspend(&wait_mask);
  }
  reap();
  return 0;
}

// The child: its own process group, the terminal's foreground one when there is a terminal (so
// that Ctrl-C reaches it once, from the kernel, not twice), the signal mask it would have had.
[[noreturn]] void exec_child(char** argv, const sigset_t* original_mask) {
  setpgid(0, 0);
  if (isatty(STDIN_FILENO) != 0) {
    signal(SIGTTOU, SIG_IGN);
    tcsetpgrp(STDIN_FILENO, getpgrp());
    signal(SIGTTOU, SIG_DFL);
  }
  sigprocmask(SIG_SETMASK, original_mask, nullptr);
  execvp(argv[0], argv);
  int err = errno;
  write_error("exec ", argv[0], err);
  _exit(err == ENOENT ? 127 : 126);
}

int run_as_init(char** argv) {
  sigset_t all;
  sigset_t original;
  sigfillset(&all);
  if (sigprocmask(SIG_SETMASK, &all, &original) != 0) {
    return 2;
  }
  pid_t child = fork();
  if (child < 0) {
    write_error("fork for ", argv[0], errno);
    return 125;
  }
  if (child == 0) {
    exec_child(argv, &original);
  }
  for (;;) {
    siginfo_t info;
    int sig = sigwaitinfo(&all, &info);
    if (sig < 0) {
      continue;  // EINTR
    }
    if (sig != SIGCHLD) {
      // The child may already be gone (and reaped below); a failed kill is then harmless.
      kill(child, sig);
      continue;
    }
    int status = 0;
    pid_t pid = 0;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
      if (pid == child) {
        // Orphans still alive die with this PID namespace when we exit, as under catatonit.
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && argv[1][0] == '-' && argv[1][1] == 'v') {
    static constexpr char kVersion[] = "skiff-pause " SKIFF_VERSION "\n";
    return write(STDOUT_FILENO, kVersion, sizeof(kVersion) - 1) < 0 ? 1 : 0;
  }
  if (argc > 1 && strcmp(argv[1], "--") == 0) {
    if (argc < 3) {
      static constexpr char kUsage[] = "skiff-pause: usage: skiff-pause [-- COMMAND [ARG...]]\n";
      if (write(STDERR_FILENO, kUsage, sizeof(kUsage) - 1) < 0) {
        return 125;
      }
      return 125;
    }
    return run_as_init(argv + 2);
  }
  return pause_forever();
}

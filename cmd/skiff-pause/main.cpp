// skiff-pause: the infra process of a pod. It holds the pod's shared namespaces (network, IPC,
// UTS, and PID when the pod shares one) for as long as the pod lives. As PID 1 of a shared PID
// namespace it reaps the zombies other containers' processes leave behind. It exits 0 on SIGTERM
// or SIGINT and otherwise sleeps. Plain C on purpose: a tiny static binary with no C++ runtime.
#include <signal.h>
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

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && argv[1][0] == '-' && argv[1][1] == 'v') {
    static const char kVersion[] = "skiff-pause " SKIFF_VERSION "\n";
    return write(STDOUT_FILENO, kVersion, sizeof(kVersion) - 1) < 0 ? 1 : 0;
  }
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

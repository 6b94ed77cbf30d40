#include "monitor.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cstring>
#include <utility>

#include "pod_net.h"
#include "pod_store.h"
#include "skiff/base/clock.h"
#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/strings.h"
#include "skiff/base/unique_fd.h"
#include "skiff/runtime/container.h"
#include "skiff/runtime/state.h"

namespace skiff::pod {

namespace {

// Closes every fd but 0-2 and the two given ones.
void close_other_fds(int keep_a, int keep_b) {
  int lo = std::min(keep_a, keep_b);
  int hi = std::max(keep_a, keep_b);
  auto close_range = [](unsigned first, unsigned last) {
    if (first <= last) {
      ::syscall(SYS_close_range, first, last, 0);
    }
  };
  if (lo < 3) {
    lo = hi;
  }
  if (lo < 3) {
    close_range(3, UINT_MAX);
    return;
  }
  close_range(3, lo - 1);
  if (hi != lo) {
    close_range(lo + 1, hi - 1);
  }
  close_range(hi + 1, UINT_MAX);
}

void redirect_stdio(const std::string& log_path) {
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (null_fd >= 0) {
    ::dup2(null_fd, STDIN_FILENO);
    ::close(null_fd);
  }
  if (log_fd >= 0) {
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    ::close(log_fd);
  }
}

bool send(int fd, const std::string& message) {
  return ::write(fd, message.data(), message.size()) == static_cast<ssize_t>(message.size());
}

// The monitor process itself; never returns into the caller's code.
[[noreturn]] void run_monitor(const MonitorRequest& request, int report_fd) {
  ::prctl(PR_SET_NAME, "skiff-monitor");
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  ::signal(SIGPIPE, SIG_IGN);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  close_other_fds(report_fd, request.lock_fd);
  redirect_stdio(request.log_path);
  if (::chdir("/") != 0) {
    ::_exit(1);
  }
  std::string status_file = status_path(request.bundle);
  runtime::Runtime rt{runtime::StateRoot(request.state_root)};
  ContainerRecord record;
  record.monitor_pid = ::getpid();
  record.monitor_start_time = runtime::process_start_time(record.monitor_pid);
  std::optional<PodSlirp> slirp;
  try {
    // First of all, so that recovery can find this process whatever happens next.
    save_container_record(status_file, record);
    runtime::CreateOptions options;
    options.id = request.runtime_id;
    options.bundle = request.bundle;
    record.pid = rt.create(options);
    rt.start(request.runtime_id);
    if (request.slirp) {
      slirp.emplace(request.slirp_dir, record.pid, request.ports);
    }
    record.state = "running";
    record.started_at = now_rfc3339();
    save_container_record(status_file, record);
  } catch (const std::exception& e) {
    send(report_fd, std::string("error ") + e.what());
    slirp.reset();
    try {
      rt.remove(request.runtime_id, true);
    } catch (const std::exception&) {
    }
    ::_exit(1);
  }
  if (!send(report_fd, "ok " + std::to_string(record.monitor_pid) + " " + std::to_string(record.monitor_start_time) +
                           " " + std::to_string(record.pid))) {
    // The caller is gone before it learnt of this container: nobody would ever stop it.
    slirp.reset();
    try {
      rt.remove(request.runtime_id, true);
    } catch (const std::exception&) {
    }
    ::_exit(1);
  }
  ::close(report_fd);
  ::close(request.lock_fd);

  int status = 0;
  for (;;) {
    int st = 0;
    pid_t r = ::waitpid(-1, &st, 0);
    if (r == record.pid) {
      status = st;
      break;
    }
    if (r < 0 && errno != EINTR) {
      status = W_EXITCODE(255, 0);  // ECHILD: cannot happen while the container is our child
      break;
    }
  }
  // The pod's network goes with its infra; before reaping orphans, as slirp4netns is our child.
  slirp.reset();
  // Orphans the container left behind were reparented to us: reap them.
  while (::waitpid(-1, nullptr, WNOHANG) > 0) {
  }
  record.state = "exited";
  record.finished_at = now_rfc3339();
  record.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  try {
    record.oom_killed = rt.stats(request.runtime_id).oom_kill > 0;
  } catch (const std::exception&) {
  }
  try {
    save_container_record(status_file, record);
  } catch (const std::exception&) {
  }
  try {
    rt.remove(request.runtime_id, true);
  } catch (const std::exception& e) {
    std::string line = std::string("skiff-monitor: delete ") + request.runtime_id + ": " + e.what() + "\n";
    send(STDERR_FILENO, line);
  }
  ::_exit(0);
}

}  // namespace

std::string status_path(const std::string& bundle) {
  return bundle + "/status.json";
}

MonitorLaunch::MonitorLaunch(const MonitorRequest& request)
    : runtime_id_(request.runtime_id), log_path_(request.log_path) {
  int fds[2];
  check(::pipe2(fds, O_CLOEXEC), "pipe for the monitor of " + request.runtime_id);
  report_.reset(fds[0]);
  UniqueFd write_end(fds[1]);
  detacher_ = check(::fork(), "fork the monitor of " + request.runtime_id);
  if (detacher_ == 0) {
    // The first child only detaches the monitor: a new session, and a parent that exits at once
    // so the monitor is reparented and outlives the caller.
    if (::setsid() < 0) {
      ::_exit(1);
    }
    pid_t monitor = ::fork();
    if (monitor != 0) {
      ::_exit(monitor < 0 ? 1 : 0);
    }
    run_monitor(request, write_end.get());
  }
}

MonitorLaunch::MonitorLaunch(MonitorLaunch&& other) noexcept
    : runtime_id_(std::move(other.runtime_id_)),
      log_path_(std::move(other.log_path_)),
      detacher_(std::exchange(other.detacher_, 0)),
      report_(std::move(other.report_)) {}

MonitorLaunch::~MonitorLaunch() {
  report_.reset();
  reap_detacher();
}

void MonitorLaunch::reap_detacher() {
  if (detacher_ > 0) {
    int wstatus = 0;
    while (::waitpid(detacher_, &wstatus, 0) < 0 && errno == EINTR) {
    }
    detacher_ = 0;
  }
}

MonitorHandle MonitorLaunch::wait() {
  reap_detacher();
  std::string reply = read_all(report_.get(), "the monitor of " + runtime_id_);
  report_.reset();
  if (reply.rfind("ok ", 0) == 0) {
    auto fields = split(reply.substr(3), ' ');
    if (fields.size() == 3) {
      MonitorHandle handle;
      handle.monitor_pid = static_cast<pid_t>(parse_int(fields[0], "monitor pid"));
      handle.monitor_start_time = parse_uint(fields[1], "monitor start time");
      handle.container_pid = static_cast<pid_t>(parse_int(fields[2], "container pid"));
      return handle;
    }
  }
  if (reply.rfind("error ", 0) == 0) {
    throw Error(reply.substr(6));
  }
  throw Error("the monitor of " + runtime_id_ + " exited before it reported (see " + log_path_ + ")");
}

bool wait_monitor_exit(const std::string& bundle, std::optional<std::chrono::milliseconds> timeout) {
  auto record = load_container_record(status_path(bundle));
  if (!record || !monitor_alive(*record)) {
    return true;
  }
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, record->monitor_pid, 0)));
  if (!pidfd) {
    if (errno == ESRCH) {
      return true;
    }
    throw_errno("pidfd_open monitor " + std::to_string(record->monitor_pid));
  }
  // The pid may have been reused between reading the record and pidfd_open.
  if (!monitor_alive(*record)) {
    return true;
  }
  pollfd pfd{pidfd.get(), POLLIN, 0};
  int ms = timeout ? static_cast<int>(timeout->count()) : -1;
  for (;;) {
    int r = ::poll(&pfd, 1, ms);
    if (r > 0) {
      return true;
    }
    if (r == 0) {
      return false;
    }
    if (errno != EINTR) {
      throw_errno("poll monitor " + std::to_string(record->monitor_pid));
    }
  }
}

}  // namespace skiff::pod

#include "monitor.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <utility>

#include "pod_store.h"
#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/strings.h"
#include "skiff/base/unique_fd.h"

namespace skiff::pod {

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

std::string MonitorLaunch::read_report() {
  // "ok …" ends with a newline: a created container that waits for its start still holds the
  // pipe's write end (until its exec), so EOF only ends an error report.
  std::string reply;
  char buffer[4096];
  for (;;) {
    ssize_t n = ::read(report_.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      throw_errno("read the report of the monitor of " + runtime_id_);
    }
    if (n == 0) {
      return reply;
    }
    reply.append(buffer, static_cast<size_t>(n));
    if (reply.rfind("ok ", 0) == 0 && reply.back() == '\n') {
      return reply;
    }
  }
}

MonitorHandle MonitorLaunch::wait() {
  reap_detacher();
  std::string reply = read_report();
  report_.reset();
  if (reply.rfind("ok ", 0) == 0) {
    auto fields = split(reply.substr(3, reply.size() - 4), ' ');
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

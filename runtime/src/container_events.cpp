// `skiff-runtime events`: a container's cgroup figures, and its OOM kills as they happen.
#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <limits>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/log.h"
#include "skiff/runtime/container.h"

namespace skiff::runtime {

namespace {

using Clock = std::chrono::steady_clock;

// After the kernel signals an OOM, how long (and how often) to re-read the counter: v1's
// notification can come before the kill is counted.
constexpr std::chrono::milliseconds kRecheckWindow{1000};
constexpr std::chrono::milliseconds kRecheckEvery{20};
// Without a kernel notification, how often to look at the counter.
constexpr std::chrono::milliseconds kFallbackTick{250};

// runc prints an unlimited memory limit as the largest counter (as cgroup v2's "max" reads).
uint64_t limit_or_max(uint64_t limit) {
  return limit == 0 ? std::numeric_limits<uint64_t>::max() : limit;
}

boost::json::object memory_entry(uint64_t limit, uint64_t usage, uint64_t max, uint64_t failcnt) {
  return {{"limit", limit_or_max(limit)}, {"usage", usage}, {"max", max}, {"failcnt", failcnt}};
}

boost::json::object stats_json(const cgroups::Stats& s) {
  boost::json::object pids{{"current", s.pids_current}};
  if (s.pids_limit != 0) {
    pids["limit"] = s.pids_limit;  // runc leaves it out when unlimited
  }
  boost::json::object hugetlb;
  for (const auto& [size, h] : s.hugetlb) {
    hugetlb[size] = boost::json::object{{"usage", h.usage}, {"max", h.max_usage}, {"failcnt", h.failcnt}};
  }
  return {
      {"cpu",
       {{"usage", {{"total", s.cpu_usage_nanos}, {"kernel", s.cpu_system_nanos}, {"user", s.cpu_user_nanos}}},
        {"throttling",
         {{"periods", s.cpu_periods},
          {"throttledPeriods", s.cpu_throttled_periods},
          {"throttledTime", s.cpu_throttled_nanos}}}}},
      {"memory",
       {{"cache", s.memory_cache},
        {"usage", memory_entry(s.memory_limit, s.memory_usage, s.memory_max_usage, s.memory_failcnt)},
        {"swap", memory_entry(s.swap_limit, s.swap_usage, s.swap_max_usage, s.swap_failcnt)},
        {"oom_kill", s.oom_kill}}},
      {"pids", std::move(pids)},
      {"blkio", boost::json::object()},
      {"hugetlb", std::move(hugetlb)},
  };
}

// A file descriptor that becomes readable when the cgroup may have recorded an OOM kill, or an
// invalid one when the kernel offers no notification here (the caller then polls).
// v1: an eventfd registered on memory.oom_control through cgroup.event_control, signalled when
// the cgroup runs out of memory and when it is removed. v2: inotify on memory.events, which the
// kernel marks modified whenever one of its counters (oom_kill among them) changes.
UniqueFd oom_notifier(const cgroups::Manager& cgroup) {
  std::string v1 = cgroup.directory("memory");
  if (!v1.empty()) {
    UniqueFd efd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    UniqueFd control(::open((v1 + "/memory.oom_control").c_str(), O_RDONLY | O_CLOEXEC));
    if (!efd || !control) {
      log::debug("OOM notification for " + v1 + ": " + errno_name(errno) + "; polling instead");
      return {};
    }
    try {
      // The registration keeps what it needs; the control fd may be closed afterwards.
      write_existing_file(v1 + "/cgroup.event_control",
                          std::to_string(efd.get()) + " " + std::to_string(control.get()));
    } catch (const Error& e) {
      log::debug(std::string("OOM notification: ") + e.what() + "; polling instead");
      return {};
    }
    return efd;
  }
  std::string v2 = cgroup.directory("unified");
  if (v2.empty() || !path_exists(v2 + "/memory.events")) {
    return {};
  }
  UniqueFd ifd(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
  if (!ifd || ::inotify_add_watch(ifd.get(), (v2 + "/memory.events").c_str(), IN_MODIFY) < 0) {
    log::debug("OOM notification: inotify on " + v2 + "/memory.events: " + errno_name(errno) + "; polling instead");
    return {};
  }
  return ifd;
}

// Empties a non-blocking notifier so that poll waits for the next notification.
void drain(int fd) {
  char buf[4096];
  while (::read(fd, buf, sizeof buf) > 0) {
  }
}

// A pidfd that becomes readable when the container's process exits; invalid when it is gone.
UniqueFd container_pidfd(const ContainerState& state) {
  UniqueFd fd(static_cast<int>(::syscall(SYS_pidfd_open, state.pid, 0)));
  if (fd && process_start_time(state.pid) != state.pid_start_time) {
    fd.reset();  // the pid now belongs to another process
  }
  return fd;
}

}  // namespace

boost::json::object event_json(const Event& event) {
  boost::json::object out{{"type", event.type == Event::Type::oom ? "oom" : "stats"}, {"id", event.id}};
  if (event.type == Event::Type::stats) {
    out["data"] = stats_json(event.stats);
  }
  return out;
}

cgroups::Stats Runtime::stats(const std::string& id) {
  ContainerDir dir = ContainerDir::open(root_, id, ContainerDir::Lock::none);
  ContainerState state = dir.load_state();
  auto cgroup = cgroups::load_manager(state.cgroup);
  if (!cgroup->enabled()) {
    throw Error("no stats for container \"" + id + "\": " + std::string(cgroups::kNoRootlessCgroup));
  }
  return cgroup->stats();
}

void Runtime::events(const std::string& id, std::chrono::nanoseconds interval,
                     const std::function<void(const Event&)>& sink) {
  if (interval <= std::chrono::nanoseconds::zero()) {
    throw Error("events of container \"" + id + "\": the interval must be greater than 0");
  }
  ContainerDir dir = ContainerDir::open(root_, id, ContainerDir::Lock::none);
  ContainerState state = dir.load_state();
  if (container_status(dir, state) == Status::stopped) {
    throw Error("container \"" + id + "\" is not running");
  }
  auto cgroup = cgroups::load_manager(state.cgroup);
  if (!cgroup->enabled()) {
    throw Error("no events for container \"" + id + "\": " + std::string(cgroups::kNoRootlessCgroup));
  }
  UniqueFd notifier = oom_notifier(*cgroup);
  UniqueFd pidfd = container_pidfd(state);
  // Kills before this call are history: only the ones counted from now on become events.
  uint64_t reported = cgroup->stats().oom_kill;
  auto next_stats = Clock::now() + interval;
  auto recheck_until = Clock::time_point::min();
  for (;;) {
    auto now = Clock::now();
    auto timeout = next_stats - now;
    if (now < recheck_until || !notifier) {
      timeout = std::min<Clock::duration>(timeout, notifier ? kRecheckEvery : kFallbackTick);
    }
    int timeout_ms =
        static_cast<int>(std::clamp<int64_t>(std::chrono::ceil<std::chrono::milliseconds>(timeout).count(), 0, 60000));
    pollfd fds[2] = {{notifier.get(), POLLIN, 0}, {pidfd.get(), POLLIN, 0}};
    if (::poll(fds, 2, timeout_ms) < 0 && errno != EINTR) {
      throw_errno("events of container \"" + id + "\": poll");
    }
    if ((fds[0].revents & POLLIN) != 0) {
      drain(notifier.get());
      recheck_until = Clock::now() + kRecheckWindow;
    }
    // The order matters: a container found stopped has its last OOM kill counted already (the
    // kernel counts it before the victim can exit), so the final read below still reports it.
    bool gone = fds[1].revents != 0 || !pidfd || !root_.exists(id);
    if (!gone) {
      try {
        gone = container_status(dir, dir.load_state()) == Status::stopped;
      } catch (const Error&) {
        gone = !root_.exists(id);  // deleted meanwhile; anything else is a real error
        if (!gone) {
          throw;
        }
      }
    }
    cgroups::Stats stats;
    try {
      stats = cgroup->stats();
    } catch (const Error& e) {
      if (gone) {
        return;  // deleted: its cgroup went with it
      }
      throw;
    }
    for (; reported < stats.oom_kill; ++reported) {
      sink({Event::Type::oom, id, {}});
    }
    if (Clock::now() >= next_stats) {
      sink({Event::Type::stats, id, stats});
      next_stats += interval;
      // A slow reader does not make the stats events bunch up: skip the ticks it missed.
      if (next_stats <= Clock::now()) {
        next_stats = Clock::now() + interval;
      }
    }
    if (gone) {
      return;
    }
  }
}

}  // namespace skiff::runtime

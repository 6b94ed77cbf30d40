#pragma once

// The per-container monitor (conmon's role). MonitorLaunch double-forks a process that leaves
// the caller's session, becomes a child subreaper, creates and starts the container through the
// runtime library (so the container's process is its child), reports "started" or the runtime's
// error verbatim through a pipe, then serves the container until it has ended for good: it owns
// its stdio (pipes, or the pty master that the runtime sends through a console socket), writes
// its output to a CRI log with size rotation, serves attach clients (attach.h), records how each
// run ended in status.json, deletes the runtime container, and restarts it as its restart policy
// says (not after the user stopped it: stop_marker). The loop is in monitor_loop.cpp.
//
// The monitor keeps a copy of the pod lock's fd until the caller has heard from it: a pod whose
// creator was killed stays locked until every monitor it forked has either reported (and written
// its pid to status.json, where recovery finds it) or, finding the caller gone (EPIPE), torn its
// container down again. So recovery never races a container that is still being made.

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "skiff/base/unique_fd.h"
#include "skiff/netns/pod_network.h"
#include "skiff/pod/cri_log.h"
#include "skiff/pod/restart_policy.h"

namespace skiff::pod {

struct MonitorRequest {
  std::string state_root;  // the runtime's
  std::string runtime_id;
  std::string bundle;    // holds config.json; status.json goes here too
  std::string log_path;  // the container's stdout and stderr, in the CRI log format
  int lock_fd = -1;      // kept open until the handshake is over
  LogRotation log_rotation;
  // The infra of a slirp4netns pod: once the container runs, the monitor starts slirp4netns for
  // it (files in slirp_dir, the pod's dir) and publishes ports before it reports "started"; it
  // stops slirp4netns when the container has ended.
  bool slirp = false;
  std::string slirp_dir;
  std::string slirp_netns;  // the namespace to serve; empty: the container's /proc/<pid>/ns/net
  std::vector<netns::PortMapping> ports;

  RestartPolicy restart;
  // The user stopped the container when this file exists: it is not restarted.
  std::string stop_marker;
  // stdin: a pipe fed by attach clients (-i); tty: the config's process.terminal, the pty
  // master received through a console socket in the bundle (-t).
  bool interactive = false;
  bool tty = false;
  // Where attach clients connect; empty: no attach socket.
  std::string attach_socket;
  // Reports once the container is created, and starts it when the first attach client has
  // connected (so that it sees all of the output).
  bool start_on_attach = false;
  // Runs in the monitor once the container has ended for good (network, mounts to release).
  std::function<void()> on_exit;
};

struct MonitorHandle {
  pid_t monitor_pid = 0;
  uint64_t monitor_start_time = 0;
  pid_t container_pid = 0;
};

// A monitor that has been forked and has not reported yet, so that several (a pod's containers)
// create their containers at the same time. Dropped without wait(), it closes its end of the
// pipe: the monitor then finds its caller gone and tears its container down.
class MonitorLaunch {
 public:
  explicit MonitorLaunch(const MonitorRequest& request);
  MonitorLaunch(const MonitorLaunch&) = delete;
  MonitorLaunch& operator=(const MonitorLaunch&) = delete;
  MonitorLaunch(MonitorLaunch&& other) noexcept;
  MonitorLaunch& operator=(MonitorLaunch&&) = delete;
  ~MonitorLaunch();

  // Waits for the monitor's report. Throws the runtime's error verbatim when the container could
  // not be created or started.
  MonitorHandle wait();

 private:
  void reap_detacher();
  std::string read_report();

  std::string runtime_id_;
  std::string log_path_;
  pid_t detacher_ = 0;  // the first child, which only detaches the monitor and exits
  UniqueFd report_;
};

std::string status_path(const std::string& bundle);

// The monitor process; never returns into the caller's code (monitor_loop.cpp).
[[noreturn]] void run_monitor(const MonitorRequest& request, int report_fd);

// Waits until the monitor recorded in bundle's status.json has exited (it records the container's
// end first), or until timeout. True when it is gone.
bool wait_monitor_exit(const std::string& bundle, std::optional<std::chrono::milliseconds> timeout);

}  // namespace skiff::pod

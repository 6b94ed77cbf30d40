#include "teardown.h"

#include <signal.h>

#include <functional>

#include "monitor.h"
#include "pod_net.h"
#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/log.h"
#include "skiff/cgroups/manager.h"
#include "skiff/runtime/container.h"

namespace skiff::pod {

namespace {

// How long a monitor may take to notice its container died, record it and delete it: a bound
// for a broken host, not a timing expectation.
constexpr std::chrono::seconds kMonitorExitBound{30};

class FirstError {
 public:
  void run(const std::string& what, const std::function<void()>& step) {
    try {
      step();
    } catch (const std::exception& e) {
      log::warning("pod teardown: " + what + ": " + e.what());
      if (!first_) {
        first_ = Error(what + ": " + e.what());
      }
    }
  }
  void rethrow() const {
    if (first_) {
      throw *first_;
    }
  }

 private:
  std::optional<Error> first_;
};

}  // namespace

void stop_container(const PodManagerOptions& options, const PodLayout& layout, const std::string& name, int stop_signal,
                    std::chrono::milliseconds grace) {
  std::string bundle = layout.bundle(name);
  auto record = load_container_record(status_path(bundle));
  if (!record || !monitor_alive(*record)) {
    return;
  }
  runtime::Runtime rt{runtime::StateRoot(options.state_root)};
  std::string id = layout.runtime_id(name);
  try {
    rt.kill(id, stop_signal, false);
  } catch (const Error&) {
    // It exited meanwhile (or is being deleted by its monitor).
  }
  if (wait_monitor_exit(bundle, grace)) {
    return;
  }
  try {
    rt.kill(id, SIGKILL, true);
  } catch (const Error&) {
  }
  if (!wait_monitor_exit(bundle, kMonitorExitBound)) {
    throw Error("container " + id + ": its monitor did not exit after SIGKILL");
  }
}

void teardown_pod(const PodManagerOptions& options, const PodLayout& layout) {
  FirstError errors;
  std::optional<PodRecord> record;
  if (path_exists(layout.record())) {
    errors.run("read " + layout.record(), [&] { record = load_record(layout); });
  }
  if (record) {
    std::vector<std::string> names;
    for (const auto& c : record->spec.init_containers) {
      names.push_back(c.name);
    }
    for (const auto& c : record->spec.containers) {
      names.push_back(c.name);
    }
    names.emplace_back();  // the infra last: with a shared PID namespace its end kills the rest
    runtime::Runtime rt{runtime::StateRoot(options.state_root)};
    for (const auto& name : names) {
      std::string id = layout.runtime_id(name);
      errors.run("stop monitor of " + id, [&] {
        auto status = load_container_record(status_path(layout.bundle(name)));
        if (status && monitor_alive(*status)) {
          ::kill(status->monitor_pid, SIGKILL);
          // Its slirp4netns holder dies with it: once it has, the pid file read below names the
          // slirp4netns the holder started, or none was started (or it ends by its exit fd).
          if (!wait_monitor_exit(layout.bundle(name), kMonitorExitBound)) {
            throw Error("container " + id + ": its monitor did not exit after SIGKILL");
          }
        }
      });
      // force: also a directory without state.json, left by a create that was killed.
      errors.run("delete container " + id, [&] { rt.remove(id, true); });
    }
    // A slirp4netns whose monitor was killed above dies by itself once it notices its exit fd
    // closed; this makes sure it is gone before the pod is.
    errors.run("stop slirp4netns", [&] { kill_pod_slirp(layout.dir()); });
    if (!record->cgroup.is_null()) {
      errors.run("remove pod cgroup " + record->cgroup_path, [&] {
        auto cgroup = cgroups::load_manager(record->cgroup);
        cgroup->kill_all(SIGKILL);
        cgroup->destroy();
      });
    }
    errors.run("detach pod network", [&] { disconnect_pod(options.bridge, record->spec); });
  }
  errors.run("remove " + layout.dir(), [&] { remove_all(layout.dir()); });
  errors.rethrow();
}

}  // namespace skiff::pod

#pragma once

#include <sys/types.h>

#include <boost/json/value.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "skiff/cgroups/manager.h"
#include "skiff/runtime/spec.h"
#include "skiff/runtime/state.h"

namespace skiff::runtime {

struct CreateOptions {
  std::string id;
  std::string bundle = ".";
  std::string pid_file;
  std::string console_socket;
  int preserve_fds = 0;
  bool no_pivot = false;
  bool no_new_keyring = false;
  bool systemd_cgroup = false;
};

struct ExecOptions {
  std::string id;
  Process process;
  std::string pid_file;
  std::string console_socket;
  int preserve_fds = 0;
  bool detach = false;
};

struct ContainerSummary {
  ContainerState state;
  Status status = Status::stopped;
};

// One event of `skiff-runtime events` (container_events.cpp).
struct Event {
  enum class Type { stats, oom };
  Type type = Type::stats;
  std::string id;
  cgroups::Stats stats;  // for stats events
};

// runc's JSON for an event: {"type":"stats","id":...,"data":{"cpu":...,"memory":...}} or
// {"type":"oom","id":...}.
boost::json::object event_json(const Event& event);

// One runtime state root and the OCI lifecycle on it. skiff-runtime's commands, and later the
// CLI and the agent, call these directly.
class Runtime {
 public:
  explicit Runtime(StateRoot root) : root_(std::move(root)) {}

  [[nodiscard]] const StateRoot& root() const { return root_; }

  // create: the container's process is set up and waits for start. Returns its pid.
  pid_t create(const CreateOptions& options);
  // start: lets the created container's process exec the user's program; runs poststart hooks.
  void start(const std::string& id);
  // create + start; unless detach, waits for the container, forwards signals to it, deletes it
  // and returns its exit code (128 + signal when killed).
  int run(const CreateOptions& options, bool detach);
  // The OCI state document.
  boost::json::object state(const std::string& id);
  // Sends signal to the container's process, or with all to every process in its cgroup.
  void kill(const std::string& id, int signal, bool all);
  // delete: removes a stopped (or created) container; force kills a running one first.
  void remove(const std::string& id, bool force);
  void pause(const std::string& id);
  void resume(const std::string& id);
  // Merges patch (a linux.resources object) into the container's resources and applies it.
  void update(const std::string& id, const boost::json::object& patch);
  // The host pids of every process in the container.
  std::vector<pid_t> pids(const std::string& id);
  std::vector<ContainerSummary> list();
  // Runs a new process in a running container. Returns its exit code, or 0 with detach.
  int exec(const ExecOptions& options);
  // The figures of the container's cgroup (events --stats); also for a stopped container whose
  // cgroup is still there (until delete), since its counters tell why it stopped.
  cgroups::Stats stats(const std::string& id);
  // events: calls sink with a stats event every interval, and with an oom event for each OOM kill
  // the container's cgroup records from now on, until the container stops or is deleted.
  void events(const std::string& id, std::chrono::nanoseconds interval, const std::function<void(const Event&)>& sink);

 private:
  StateRoot root_;
};

// Parses a signal as runc does: "9", "KILL", "SIGKILL", "kill"; throws naming the value.
int parse_signal(const std::string& value);

}  // namespace skiff::runtime

#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "skiff/base/error.h"
#include "skiff/netns/pod_network.h"
#include "skiff/pod/pod_spec.h"

namespace skiff::pod {

struct PodManagerOptions {
  // Pods live under <state_root>/pods/<id>; the runtime's containers directly under state_root
  // (so `skiff-runtime --root <state_root> list` shows them). Empty: /run/skiff as root,
  // $XDG_RUNTIME_DIR/skiff otherwise.
  std::string state_root;
  // The skiff-pause binary. Empty: $SKIFF_PAUSE, next to the running binary, $PATH, the build dir.
  std::string pause_path;
  // The parent of pod cgroups: relative to the caller's own cgroup, or absolute.
  std::string cgroup_parent = "skiff";
  netns::BridgeNetworkConfig bridge;
};

enum class ContainerState { created, running, exited, unknown };
std::string_view container_state_name(ContainerState state);

struct ContainerStatus {
  std::string name;
  bool init = false;
  ContainerState state = ContainerState::unknown;
  pid_t pid = 0;
  int exit_code = 0;  // 128 + signal for a signal death
  bool oom_killed = false;
  std::string started_at;  // RFC 3339
  std::string finished_at;
  int restart_count = 0;
  std::string log_path;
};

struct PodStatus {
  std::string id;
  std::string state;  // "creating", "running", "stopped"
  std::string created_at;
  std::string hostname;
  NetworkMode network_mode = NetworkMode::none;  // as resolved at create
  bool share_pid = false;
  pid_t infra_pid = 0;
  std::string cgroup;  // the pod cgroup's path, as given to the runtime (cgroupsPath)
  std::optional<netns::PodNetworkStatus> network;
  std::vector<ContainerStatus> containers;  // init containers first
};

// Whether this build links the netns module, which NetworkMode::bridge needs.
bool bridge_networking_available();

// An init container that did not exit 0: the pod was not created.
class ContainerFailed : public Error {
 public:
  ContainerFailed(const std::string& message, int exit_code) : Error(message), exit_code_(exit_code) {}
  [[nodiscard]] int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

// The pods of one node (one state root). Every command locks the pod it changes, so that
// several processes may use the same state root at once; each holds no state of its own beyond
// the options.
class PodManager {
 public:
  explicit PodManager(PodManagerOptions options = {});

  [[nodiscard]] const std::string& state_root() const { return options_.state_root; }

  // Makes the pod: state dir, cgroup, infra container, network, /etc files; runs the init
  // containers in order (each must exit 0), then starts the containers. On any failure the
  // half-made pod is removed and the error rethrown (ContainerFailed for an init container).
  PodStatus create_pod(const PodSpec& spec);
  // Sends each running container its stop signal, SIGKILLs what is left after grace, then stops
  // the infra container. Stopping a stopped pod is fine.
  void stop_pod(const std::string& id, std::chrono::milliseconds grace);
  // Starts a stopped pod again as create did (a new infra and network, the init containers run
  // again, then the containers), as the kubelet re-creates a sandbox; a running pod is left as
  // it is. On failure the pod is left stopped.
  PodStatus start_pod(const std::string& id);
  // Removes a stopped pod (force stops it first): network, cgroup, containers, state dir.
  void remove_pod(const std::string& id, bool force);
  PodStatus pod_status(const std::string& id);
  // The id of the pod with this id (its name) or unique id prefix; ENOENT, in podman's words,
  // when there is none.
  std::string resolve(const std::string& name_or_prefix);
  std::vector<PodStatus> list_pods();
  // Removes every pod whose creation was interrupted (its creator killed). With wait, waits for
  // creations in progress to finish or die first; without, skips them. Returns the ids removed.
  std::vector<std::string> recover(bool wait = true);

 private:
  PodManagerOptions options_;
};

}  // namespace skiff::pod

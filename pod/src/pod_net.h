#pragma once

// The pod's network, as far as the pod module does it itself: loopback for network mode none,
// netns::attach_pod/detach_pod for bridge, and the /etc files every container binds.

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pod_store.h"
#include "skiff/base/unique_fd.h"
#include "skiff/netns/pod_network.h"
#include "skiff/pod/pod_spec.h"

namespace skiff::pod {

// Sets lo up in the network namespace at netns_path (from a short-lived child that joins it).
void bring_up_loopback(const std::string& netns_path);
// Sets lo up in the caller's own network namespace; 0, or a nonzero step number (for a child's
// exit status).
int set_loopback_up();

// The slirp4netns of a pod, held by the infra's monitor, so it lives exactly as long as the
// infra and not as long as the CLI that made the pod. slirp4netns itself runs under a small holder
// process (skiff-slirp) that has joined the pod's user namespace: sandboxed, slirp4netns must be
// started by a process with capabilities there (as podman starts it from its own user namespace),
// and the monitor cannot join it itself (it would become "root" to the runtime library). The
// holder ends slirp4netns and exits when this object is stopped or destroyed, or when the monitor
// dies (a pipe closes); slirp4netns ends when the holder dies (its exit fd). The holder writes
// <pod_dir>/slirp4netns.pid, through which teardown finds a slirp4netns left behind.
class PodSlirp {
 public:
  // Starts slirp4netns on the infra's network namespace (netns_path when given: a standalone
  // container's bind-mounted one, which a process of the caller may open where the container's
  // /proc/<pid>/ns, once it runs as another user, is refused) and publishes ports; returns once
  // both are done. Throws with slirp4netns's own reason.
  PodSlirp(const std::string& pod_dir, pid_t infra_pid, const std::vector<netns::PortMapping>& ports,
           const std::string& netns_path = {});
  ~PodSlirp();
  PodSlirp(const PodSlirp&) = delete;
  PodSlirp& operator=(const PodSlirp&) = delete;
  // Ends slirp4netns and waits for the holder. Idempotent.
  void stop();

 private:
  pid_t holder_ = -1;
  UniqueFd keep_alive_;  // the holder runs until this write end closes
};

std::string slirp_pid_file(const std::string& pod_dir);
// Kills the slirp4netns named by the pod's pid file (if it is still that process) and waits until
// it has exited. For teardown after a monitor was killed; nothing to do when there is no file.
void kill_pod_slirp(const std::string& pod_dir);

// What slirp4netns --configure gives a network namespace: tap0 at 10.0.2.100/24, the gateway
// 10.0.2.2, and ports published through its API socket.
netns::PodNetworkStatus slirp_network_status(const std::vector<netns::PortMapping>& ports);

// Connects the pod per its network mode; nullopt for none and host. slirp4netns is started by
// the infra's monitor (PodSlirp); this only describes what it gave the pod.
std::optional<netns::PodNetworkStatus> connect_pod(const netns::BridgeNetworkConfig& config, const PodSpec& spec,
                                                   pid_t infra_pid);
// Idempotent; also for a half-connected pod.
void disconnect_pod(const netns::BridgeNetworkConfig& config, const PodSpec& spec);

// Writes <pod>/etc/{hosts,hostname,resolv.conf}. The one place to switch over to the netns
// module's etc files API once it exists.
void write_pod_etc_files(const PodLayout& layout, const PodSpec& spec,
                         const std::optional<netns::PodNetworkStatus>& network);

}  // namespace skiff::pod

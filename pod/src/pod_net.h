#pragma once

// The pod's network, as far as the pod module does it itself: loopback for network mode none,
// netns::attach_pod/detach_pod for bridge, and the /etc files every container binds.

#include <sys/types.h>

#include <optional>
#include <string>

#include "pod_store.h"
#include "skiff/netns/pod_network.h"
#include "skiff/pod/pod_spec.h"

namespace skiff::pod {

// Sets lo up in the network namespace at netns_path (from a short-lived child that joins it).
void bring_up_loopback(const std::string& netns_path);

// Connects the pod per its network mode; nullopt unless bridge.
std::optional<netns::PodNetworkStatus> connect_pod(const netns::BridgeNetworkConfig& config, const PodSpec& spec,
                                                   pid_t infra_pid);
// Idempotent; also for a half-connected pod.
void disconnect_pod(const netns::BridgeNetworkConfig& config, const PodSpec& spec);

// Writes <pod>/etc/{hosts,hostname,resolv.conf}. The one place to switch over to the netns
// module's etc files API once it exists.
void write_pod_etc_files(const PodLayout& layout, const PodSpec& spec,
                         const std::optional<netns::PodNetworkStatus>& network);

}  // namespace skiff::pod

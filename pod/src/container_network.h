#pragma once

// The network of a standalone container. Bridge and none containers get a network namespace of
// their own, bind-mounted at <dir>/netns (so that it outlives each run of the container and a
// restart keeps its address), connected to the node's bridge for bridge mode; host uses the
// host's; container:<other> joins the other one's.

#include <optional>
#include <string>
#include <vector>

#include "container_store.h"
#include "skiff/netns/pod_network.h"
#include "skiff/pod/container_manager.h"

namespace skiff::pod {

// Makes the namespace and connects it; writes network.json and the /etc files (<dir>/etc).
// nullopt for none and host.
std::optional<netns::PodNetworkStatus> connect_container(const netns::BridgeNetworkConfig& config,
                                                         const ContainerLayout& layout, const ContainerRunSpec& spec);
// Undoes connect_container; idempotent, also for what a crash half way through left.
void disconnect_container(const netns::BridgeNetworkConfig& config, const ContainerLayout& layout,
                          const ContainerRunSpec& spec);
// Writes <dir>/etc/{hosts,hostname,resolv.conf} for the container's address (if any), with
// nameservers in resolv.conf (empty: the host's).
void write_container_etc_files(const ContainerLayout& layout, const std::string& hostname,
                               const std::optional<netns::PodNetworkStatus>& network,
                               const std::vector<std::string>& nameservers = {});

}  // namespace skiff::pod

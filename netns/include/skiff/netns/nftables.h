#pragma once

#include <string>
#include <vector>

#include "skiff/netns/pod_network.h"

namespace skiff::netns {

// skiff's own nftables table (family inet, named "skiff"), through libnftables: nothing outside
// it is read or changed, and deleting it removes every rule skiff made.

// Creates the table, its chains and the masquerade rule for traffic leaving the pod subnets
// (not for pod-to-pod traffic on the bridge). Idempotent.
void ensure_base_rules(const BridgeNetworkConfig& config);

// DNAT rules for one pod's published ports (prerouting for traffic from outside, output for the
// host's own connections to its loopback or addresses), and the hairpin masquerade that lets a pod
// reach its own published port. Every rule carries the pod id (a comment), so that
// remove_port_mappings finds them without other state. Refuses a (protocol, host ip, host port)
// that another pod already has, naming that pod; adds nothing then.
void add_port_mappings(const BridgeNetworkConfig& config, const std::string& pod_id, const std::string& pod_ip4,
                       const std::string& pod_ip6, const std::vector<PortMapping>& ports);

// Removes every rule of pod_id. Idempotent.
void remove_port_mappings(const std::string& pod_id);

// Removes skiff's table entirely (tests, `system prune`).
void delete_table();

}  // namespace skiff::netns

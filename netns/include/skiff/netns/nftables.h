#pragma once

#include <string>
#include <vector>

#include "skiff/netns/pod_network.h"

namespace skiff::netns {

// skiff's own nftables table (family inet, named "skiff"), through libnftables: nothing outside
// it is read or changed, and deleting it removes every rule skiff made. Every change is one nft
// transaction, and calls from several skiff processes are serialised by a lock file
// (/run/skiff/nftables.lock).
//
// Layout: nat chains postrouting (masquerade), prerouting and output ("fib daddr type local" jumps
// to hostports), a regular chain hostports with one DNAT rule per published port and address
// family, and a filter input chain. Localhost publishing works as in podman's netavark: DNAT in
// nat output, route_localnet=1 on the bridge only, and masquerade of 127.0.0.0/8 sources; the
// input chain drops new connections from the bridge to 127.0.0.0/8, which route_localnet would
// otherwise let pods make to the host's loopback services (CVE-2020-8558). IPv6 has no
// route_localnet: [::1]:port is not published, the host's other IPv6 addresses are.

// Creates the table and its chains, and (re)writes the base rules: masquerade for traffic from
// the pod subnets to destinations outside them (not pod-to-pod), masquerade of DNATed traffic
// into the subnets from a pod (hairpin) or from 127.0.0.0/8, the jumps to the DNAT chain and the
// loopback guard. Idempotent; published ports are kept.
void ensure_base_rules(const BridgeNetworkConfig& config);

// DNAT rules for one pod's published ports: the same rules serve traffic from outside
// (prerouting), from pods (hairpin) and the host's own connections to its loopback or addresses
// (output). pod_ip4/pod_ip6 may carry a prefix length ("10.88.0.5/16"); an empty one means the pod
// has no address of that family. A mapping without host_ip is published on every local address of
// each family the pod has. Every rule carries the comment "skiff-pod:<pod_id>", so that
// remove_port_mappings finds them without other state. Replaces the pod's earlier mappings, makes
// the base rules too, and sets route_localnet on the bridge when an IPv4 mapping can be reached
// over loopback. Refuses a (protocol, host ip, host port) that another pod already has ("host port
// tcp/8080 is already published by pod X"), and then changes nothing.
void add_port_mappings(const BridgeNetworkConfig& config, const std::string& pod_id, const std::string& pod_ip4,
                       const std::string& pod_ip6, const std::vector<PortMapping>& ports);

// Removes every rule of pod_id. Idempotent.
void remove_port_mappings(const std::string& pod_id);

// Removes skiff's table entirely (tests, `system prune`). Idempotent.
void delete_table();

}  // namespace skiff::netns

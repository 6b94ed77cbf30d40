#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace skiff::netns {

// A host port published to a pod: traffic to host_ip:host_port (any local address when
// host_ip is empty) goes to the pod's address at container_port.
struct PortMapping {
  std::string protocol = "tcp";  // "tcp" or "udp"
  std::string host_ip;
  uint16_t host_port = 0;
  uint16_t container_port = 0;
};

// The node's pod network: one bridge, one subnet per address family, an IPAM state dir.
struct BridgeNetworkConfig {
  std::string bridge = "skiff0";
  std::string subnet4 = "10.88.0.0/16";
  std::string subnet6 = "fd88:5c1f::/64";  // empty: IPv4 only
  uint32_t mtu = 1500;
  std::string state_dir = "/var/lib/skiff/network";  // IPAM allocations, one file per address
};

// What a pod got: its addresses (with prefix length), gateways and the host end of its veth.
struct PodNetworkStatus {
  std::string interface = "eth0";
  std::string address4;  // "10.88.0.5/16"
  std::string gateway4;  // "10.88.0.1"
  std::string address6;  // empty when IPv4 only
  std::string gateway6;
  std::string host_veth;  // "veth" + a short hash of the pod id
  std::vector<PortMapping> ports;
};

// Connects a pod's network namespace (netns_path: /proc/<pid>/ns/net of its infra process, or a
// bind-mounted file) to the bridge: makes the bridge if missing, a veth pair with one end named
// eth0 inside the pod, addresses from the IPAM, default routes, loopback up; then masquerade for
// egress and the port mappings in skiff's own nftables table. Each step is undone if a later one
// fails. Refuses a host port another pod has published, naming both.
PodNetworkStatus attach_pod(const BridgeNetworkConfig& config, const std::string& pod_id, const std::string& netns_path,
                            const std::vector<PortMapping>& ports);

// Undoes attach_pod for pod_id: port mappings, the veth, the addresses in the IPAM. Idempotent,
// and works from what is left after a crash half way through attach_pod (it finds everything by
// the pod id), so that recovery can call it blindly.
void detach_pod(const BridgeNetworkConfig& config, const std::string& pod_id);

}  // namespace skiff::netns

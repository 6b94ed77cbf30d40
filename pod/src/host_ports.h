#pragma once

// Host ports picked by the kernel for mappings published without one (`-p 80`, `-p 127.0.0.1::80`),
// as podman picks them: a port free on the mapping's host address right now, for its protocol.

#include <vector>

#include "skiff/netns/pod_network.h"

namespace skiff::pod {

// Sets host_port of every mapping that has none (0) to a free port; the others are left alone.
void assign_free_host_ports(std::vector<netns::PortMapping>& ports);

}  // namespace skiff::pod

#include "skiff/netns/pod_network.h"

#include <fcntl.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <exception>
#include <functional>
#include <utility>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/log.h"
#include "skiff/base/strings.h"
#include "skiff/base/unique_fd.h"
#include "skiff/netns/in_netns.h"
#include "skiff/netns/ipam.h"
#include "skiff/netns/netlink.h"
#include "skiff/netns/nftables.h"

namespace skiff::netns {

namespace {

// 8 hex digits of FNV-1a over the pod id: stable across builds and compilers (std::hash is not),
// so that detach_pod of a later skiffd finds the veth an earlier one made.
std::string pod_hash(const std::string& pod_id) {
  uint32_t hash = 2166136261U;
  for (unsigned char c : pod_id) {
    hash = (hash ^ c) * 16777619U;
  }
  std::array<char, 9> text{};
  std::snprintf(text.data(), text.size(), "%08x", hash);
  return text.data();
}

std::string host_veth_name(const std::string& pod_id) {
  return "veth" + pod_hash(pod_id);
}

// The allocator of each configured subnet, with its state in a directory of its own under
// state_dir ("10.88.0.0_16"), so that a changed subnet never meets the old one's allocations.
std::vector<Ipam> subnet_ipams(const BridgeNetworkConfig& config) {
  std::vector<Ipam> result;
  auto add = [&](const std::string& subnet, int family, const char* field) {
    if (subnet.empty()) {
      return;
    }
    std::string dir_name = subnet;
    std::replace(dir_name.begin(), dir_name.end(), '/', '_');
    Ipam& ipam = result.emplace_back(subnet, config.state_dir + "/" + dir_name);
    if (ipam.family() != family) {
      throw Error(std::string(field) + " " + subnet + ": not an " + (family == AF_INET ? "IPv4" : "IPv6") + " subnet");
    }
  };
  add(config.subnet4, AF_INET, "subnet4");
  add(config.subnet6, AF_INET6, "subnet6");
  if (result.empty()) {
    throw Error("pod network " + config.bridge + ": neither subnet4 nor subnet6 is set");
  }
  return result;
}

// Writes a sysctl of the calling thread's network namespace unless it has the value already
// (a read-only /proc/sys is then no obstacle).
void ensure_sysctl(const std::string& path, const std::string& value) {
  if (trim(read_file(path)) != value) {
    write_existing_file(path, value);
  }
}

// Steps to take back, newest first, when the work they undo is not finished.
class Undo {
 public:
  Undo() = default;
  Undo(const Undo&) = delete;
  Undo& operator=(const Undo&) = delete;
  ~Undo() {
    for (auto it = steps_.rbegin(); it != steps_.rend(); ++it) {
      try {
        it->second();
      } catch (const std::exception& e) {
        log::warning("undo " + it->first + ": " + e.what());
      }
    }
  }

  void push(std::string what, std::function<void()> step) { steps_.emplace_back(std::move(what), std::move(step)); }
  void dismiss() { steps_.clear(); }

 private:
  std::vector<std::pair<std::string, std::function<void()>>> steps_;
};

std::string without_prefix(const std::string& cidr) {
  return cidr.substr(0, cidr.find('/'));
}

PodNetworkStatus attach(const BridgeNetworkConfig& config, const std::string& pod_id, const std::string& netns_path,
                        const std::vector<PortMapping>& ports) {
  UniqueFd pod_netns(::open(netns_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!pod_netns) {
    throw_errno("open network namespace " + netns_path);
  }
  std::vector<Ipam> ipams = subnet_ipams(config);

  ensure_sysctl("/proc/sys/net/ipv4/ip_forward", "1");
  if (!config.subnet6.empty()) {
    ensure_sysctl("/proc/sys/net/ipv6/conf/all/forwarding", "1");
  }
  Netlink host;
  host.ensure_bridge(config.bridge, config.mtu);
  for (const Ipam& ipam : ipams) {
    host.add_address(config.bridge, ipam.gateway() + "/" + std::to_string(ipam.prefix_length()));
  }

  PodNetworkStatus status;
  status.host_veth = host_veth_name(pod_id);
  status.ports = ports;
  // Refused before anything is changed: undoing would take the addresses and veth of a pod that
  // works. A crashed attach leaves this too; detach_pod clears it.
  if (host.find_link(status.host_veth)) {
    throw Error("veth " + status.host_veth + " exists: the pod is attached already (or a failed attach left it; " +
                "detach the pod first)");
  }

  Undo undo;
  for (Ipam& ipam : ipams) {
    undo.push("address of " + pod_id + " in " + ipam.subnet(), [&ipam, &pod_id] { ipam.release(pod_id); });
    std::string address = ipam.allocate(pod_id) + "/" + std::to_string(ipam.prefix_length());
    if (ipam.family() == AF_INET) {
      status.address4 = address;
      status.gateway4 = ipam.gateway();
    } else {
      status.address6 = address;
      status.gateway6 = ipam.gateway();
    }
  }

  // Deleting the host end takes the peer with it, wherever it is by then.
  undo.push("veth " + status.host_veth, [&status] { Netlink().delete_link(status.host_veth); });
  host.create_veth(status.host_veth, status.interface, config.mtu, pod_netns.get());
  host.set_master(status.host_veth, config.bridge);
  // As CNI's hairpinMode: with br_netfilter, a pod's connection to its own published port through
  // a host address is DNATed back to it and must leave through the port it came in on.
  host.set_hairpin(status.host_veth, true);
  host.set_up(status.host_veth);
  in_netns(pod_netns.get(), [&] {
    Netlink pod;
    for (const std::string* address : {&status.address4, &status.address6}) {
      if (!address->empty()) {
        pod.add_address(status.interface, *address);
      }
    }
    pod.set_up("lo");
    pod.set_up(status.interface);
    for (const std::string* gateway : {&status.gateway4, &status.gateway6}) {
      if (!gateway->empty()) {
        pod.add_default_route(*gateway, status.interface);
      }
    }
  });

  ensure_base_rules(config);
  if (!ports.empty()) {
    // The last step: when it refuses a port, it has added nothing, so it needs no undo.
    add_port_mappings(config, pod_id, without_prefix(status.address4), without_prefix(status.address6), ports);
  }
  undo.dismiss();
  return status;
}

}  // namespace

PodNetworkStatus attach_pod(const BridgeNetworkConfig& config, const std::string& pod_id, const std::string& netns_path,
                            const std::vector<PortMapping>& ports) {
  if (pod_id.empty()) {
    throw Error("attach pod: empty pod id");
  }
  try {
    return attach(config, pod_id, netns_path, ports);
  } catch (const std::exception& e) {
    throw Error("attach pod " + pod_id + " to bridge " + config.bridge + ": " + e.what());
  }
}

void detach_pod(const BridgeNetworkConfig& config, const std::string& pod_id) {
  if (pod_id.empty()) {
    throw Error("detach pod: empty pod id");
  }
  // Every step is tried whatever happened to the ones before, so that recovery frees as much as
  // it can; the first failure is reported.
  std::exception_ptr failure;
  auto attempt = [&](const std::function<void()>& step) {
    try {
      step();
    } catch (...) {
      if (!failure) {
        failure = std::current_exception();
      }
    }
  };
  attempt([&] { remove_port_mappings(pod_id); });
  attempt([&] { Netlink().delete_link(host_veth_name(pod_id)); });
  std::vector<Ipam> ipams;
  attempt([&] { ipams = subnet_ipams(config); });
  for (Ipam& ipam : ipams) {
    attempt([&] { ipam.release(pod_id); });
  }
  if (failure) {
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& e) {
      throw Error("detach pod " + pod_id + " from bridge " + config.bridge + ": " + e.what());
    }
  }
}

}  // namespace skiff::netns

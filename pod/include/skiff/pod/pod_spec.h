#pragma once

#include <sys/types.h>

#include <boost/json/object.hpp>
#include <csignal>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "skiff/netns/pod_network.h"

namespace skiff::pod {

// A bind mount from the host into one container (Kubernetes' hostPath volumes, for now).
struct VolumeMount {
  std::string source;  // host path
  std::string destination;
  bool readonly = false;
};

// One container of a pod: what the kubelet takes from a Pod's containers[] after the image has
// been resolved to a rootfs directory.
struct ContainerSpec {
  std::string name;  // a DNS label: [a-z0-9-], unique within the pod
  std::string rootfs;
  bool readonly_rootfs = false;
  std::vector<std::string> args;
  std::vector<std::string> env;  // "K=V"; PATH gets a default when missing
  std::string working_dir = "/";
  uid_t uid = 0;
  gid_t gid = 0;
  int stop_signal = SIGTERM;
  std::vector<VolumeMount> mounts;
  // linux.resources of the container's own cgroup (OCI JSON), below the pod's.
  boost::json::object resources;
};

enum class NetworkMode {
  none,         // a network namespace of the pod's own with only lo up
  bridge,       // netns::attach_pod: a veth on the node's bridge, an address, port mappings
  host,         // the host's network namespace
  slirp4netns,  // user-mode networking (rootless): tap0 at 10.0.2.100, ports through its API
  automatic,    // "auto": none as root, slirp4netns rootless (resolve_network_mode)
};
std::string_view network_mode_name(NetworkMode mode);
NetworkMode parse_network_mode(std::string_view name);
// What automatic means for this caller; the other modes are returned as they are.
NetworkMode resolve_network_mode(NetworkMode mode, bool rootless);

struct PodSpec {
  std::string id;          // [A-Za-z0-9.-], no '_' (it separates the pod from the container in runtime ids)
  std::string hostname;    // the pod's id when empty
  bool share_pid = false;  // shareProcessNamespace: one PID namespace, the infra process its PID 1
  NetworkMode network = NetworkMode::automatic;
  std::vector<netns::PortMapping> ports;  // bridge and slirp4netns only
  std::vector<std::string> dns_servers;   // resolv.conf; the host's when empty
  std::vector<std::string> dns_searches;
  // linux.resources (OCI JSON) of the pod cgroup, which parents every container's cgroup.
  boost::json::object resources;
  std::vector<ContainerSpec> init_containers;  // run to completion, in order, before containers
  std::vector<ContainerSpec> containers;
};

// Checks ids, names (unique, valid) and what each mode allows (automatic resolved for the
// calling user); throws naming the field.
void validate_pod_spec(const PodSpec& spec);

boost::json::object pod_spec_to_json(const PodSpec& spec);
PodSpec pod_spec_from_json(const boost::json::object& json);

}  // namespace skiff::pod

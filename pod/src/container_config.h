#pragma once

// The OCI config.json of a standalone container: runtime::default_spec() with the image's config
// applied (image/runtime_spec_from_image.h), then the run spec's overrides.

#include <sys/types.h>

#include <boost/json/object.hpp>
#include <optional>
#include <string>

#include "container_store.h"
#include "skiff/image/image_config.h"
#include "skiff/pod/container_manager.h"

namespace skiff::pod {

// A pod's infra, whose namespaces a container of the pod joins by their /proc/<pid>/ns paths.
struct PodJoin {
  pid_t infra_pid = 0;
  bool share_pid = false;
  bool host_network = false;  // the pod uses the host's network namespace
};

struct ContainerConfigInputs {
  const ContainerRunSpec* spec = nullptr;
  const image::ImageConfig* image = nullptr;
  ContainerLayout layout;
  std::string rootfs;  // the mounted overlay
  std::string cgroups_path;
  std::string netns_path;  // the namespace to join; empty: a new one (never used) or host
  std::string store_root;  // named volumes live under it (volumes.h)
  std::optional<PodJoin> pod;
};

boost::json::object standalone_config(const ContainerConfigInputs& inputs);

// Points config's network, IPC and UTS namespaces (and PID when the pod shares it) at the infra's,
// and drops the hostname, which the infra's UTS namespace carries. At create, and again at each
// start: a restarted pod has a new infra.
void join_pod_namespaces(boost::json::object& config, const PodJoin& pod);

// The default capability set (docker's and containerd's) with cap_add and cap_drop applied;
// names with or without "CAP_", "ALL" in either list. Throws naming an unknown capability.
std::vector<std::string> effective_capabilities(const std::vector<std::string>& add,
                                                const std::vector<std::string>& drop);

}  // namespace skiff::pod

#pragma once

// The OCI config.json of a standalone container: runtime::default_spec() with the image's config
// applied (image/runtime_spec_from_image.h), then the run spec's overrides.

#include <boost/json/object.hpp>
#include <string>

#include "container_store.h"
#include "skiff/image/image_config.h"
#include "skiff/pod/container_manager.h"

namespace skiff::pod {

struct ContainerConfigInputs {
  const ContainerRunSpec* spec = nullptr;
  const image::ImageConfig* image = nullptr;
  ContainerLayout layout;
  std::string rootfs;  // the mounted overlay
  std::string cgroups_path;
  std::string netns_path;  // the namespace to join; empty: a new one (never used) or host
  std::string store_root;  // named volumes live under it (volumes.h)
};

boost::json::object standalone_config(const ContainerConfigInputs& inputs);

// The default capability set (docker's and containerd's) with cap_add and cap_drop applied;
// names with or without "CAP_", "ALL" in either list. Throws naming an unknown capability.
std::vector<std::string> effective_capabilities(const std::vector<std::string>& add,
                                                const std::vector<std::string>& drop);

}  // namespace skiff::pod

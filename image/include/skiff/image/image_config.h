#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "skiff/image/digest.h"

namespace skiff::image {

// An image config blob (the OCI image config, which Docker's config is a superset of): the
// platform it was built for, how to run it, and the digests of its uncompressed layers. History
// and Docker's build-time fields (container_config, Healthcheck, OnBuild…) are not kept.
struct ImageConfig {
  std::string architecture;
  std::string os;
  std::string variant;

  // config.*: empty when the image does not set them.
  std::string user;
  std::vector<std::string> env;  // "KEY=VALUE"
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::string working_dir;
  std::vector<std::string> exposed_ports;  // "80/tcp", sorted
  std::vector<std::string> volumes;        // "/data", sorted
  std::string stop_signal;
  std::map<std::string, std::string> labels;

  // rootfs.diff_ids: one per layer, bottom first.
  std::vector<Digest> diff_ids;
};

// Parses and validates a config blob; errors name what (the config's digest) and the field
// ("config.Env[2]", "rootfs.diff_ids[0]").
ImageConfig parse_image_config(std::string_view document, std::string_view what);

}  // namespace skiff::image

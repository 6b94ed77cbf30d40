#pragma once

#include <string>
#include <vector>

#include "skiff/image/reference.h"
#include "skiff/image/registry_endpoint.h"

namespace skiff::image {

// registries.conf in the TOML format containers-registries.conf(5) documents (version 2), the
// subset that matters for pulling: [[registry]] with prefix, location, insecure, blocked, and
// [[registry.mirror]] with location and insecure. CA directories follow podman's certs.d layout.
class RegistriesConfig {
 public:
  // No file: every registry is used directly over https with the system CAs.
  RegistriesConfig() = default;
  // Parses the file at path; errors name the path, the line and the key. A missing file is an
  // empty configuration.
  static RegistriesConfig load(const std::string& path, const std::string& certs_dir);
  // The default paths: /etc/containers/registries.conf and /etc/containers/certs.d as root,
  // $XDG_CONFIG_HOME/containers/… first when rootless.
  static RegistriesConfig load_default();

  // Where to fetch ref from, in order: its registry's mirrors, then the registry itself.
  // Throws when the registry is blocked.
  [[nodiscard]] std::vector<RegistryEndpoint> endpoints_for(const Reference& ref) const;
};

}  // namespace skiff::image

#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "skiff/image/reference.h"
#include "skiff/image/registry_endpoint.h"

namespace skiff::image {

// registries.conf in the TOML format containers-registries.conf(5) documents (version 2), the
// subset that matters for pulling: top-level unqualified-search-registries, [[registry]] with
// prefix, location, insecure, blocked, mirror-by-digest-only, and [[registry.mirror]] with
// location, insecure, pull-from-mirror. CA directories follow podman's certs.d layout.
class RegistriesConfig {
 public:
  // No file: every registry is used directly over https with the system CAs.
  RegistriesConfig() = default;
  // Parses the file at path; errors name the path, the line and the key. A missing file is an
  // empty configuration.
  static RegistriesConfig load(const std::string& path, const std::string& certs_dir);
  // The same with several certs.d directories, searched in order for a host's CA dir.
  static RegistriesConfig load_with_certs_dirs(const std::string& path, std::vector<std::string> certs_dirs);
  // The default paths: /etc/containers/registries.conf and /etc/containers/certs.d as root;
  // rootless, $XDG_CONFIG_HOME/containers/registries.conf (~/.config by default) when it exists,
  // and ~/.config/containers/certs.d before /etc/containers/certs.d. /etc/docker/certs.d is
  // searched last in both cases, as podman does.
  static RegistriesConfig load_default();

  // Where to fetch ref from, in order: its registry's mirrors, then the registry itself. The
  // repository to request at an endpoint is its path_prefix joined with ref.repository.
  // Throws when the registry is blocked.
  [[nodiscard]] std::vector<RegistryEndpoint> endpoints_for(const Reference& ref) const;

  // Makes every endpoint of registry ("host[:port]", as references name it) plain HTTP, mirrors
  // included: `skiff pull --tls-verify=false`.
  void mark_insecure(std::string_view registry) { insecure_registries_.emplace_back(registry); }

  // The registries that short names are looked up in ("unqualified-search-registries").
  [[nodiscard]] const std::vector<std::string>& unqualified_search_registries() const { return search_registries_; }

  // Where the configuration came from ("" when there was no file), for messages.
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  struct Location {
    std::string host;         // host[:port]
    std::string path_prefix;  // the location's repository path, less the prefix's own
    bool insecure = false;
    // A mirror's pull-from-mirror: used for references by digest, by tag, or both.
    bool for_digests = true;
    bool for_tags = true;
  };
  struct Registry {
    std::string prefix;  // "example.com/ns", or "*.example.com"
    Location location;
    bool blocked = false;
    std::vector<Location> mirrors;
    int line = 0;
  };

  [[nodiscard]] const Registry* find_registry(const Reference& ref) const;
  [[nodiscard]] RegistryEndpoint endpoint(const Location& location) const;
  // endpoints_for before mark_insecure applies.
  [[nodiscard]] std::vector<RegistryEndpoint> configured_endpoints(const Reference& ref) const;

  std::string path_;
  std::vector<std::string> certs_dirs_;
  std::vector<std::string> search_registries_;
  std::vector<Registry> registries_;
  std::vector<std::string> insecure_registries_;
};

}  // namespace skiff::image

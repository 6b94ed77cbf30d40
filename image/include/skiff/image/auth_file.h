#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "skiff/image/reference.h"
#include "skiff/image/registry_endpoint.h"

namespace skiff::image {

// Registry credentials from an auth.json in podman's format or a docker config.json (the same
// "auths" object): {"auths": {"quay.io": {"auth": base64("user:password"), "identitytoken": …}}}.
// Keys are a registry ("host[:port]"), a repository scope ("quay.io/team/app"), or docker's
// legacy URL ("https://index.docker.io/v1/" is docker.io). Credential helpers (credsStore,
// credHelpers) are not consulted.

// The files searched when no path is given, podman's order: $REGISTRY_AUTH_FILE,
// $XDG_RUNTIME_DIR/containers/auth.json (/run/containers/<uid>/auth.json without it),
// $XDG_CONFIG_HOME/containers/auth.json (~/.config by default), ~/.docker/config.json.
std::vector<std::string> default_auth_files();

// The credentials for ref in one file: the most specific key wins ("registry/ns/repo", then
// "registry/ns", then "registry"). None when the file has no entry with credentials. A missing
// file is none too; an unreadable or malformed one, or an entry whose auth is not base64 of
// "user:password", is an error naming the file and the key.
std::optional<Credentials> credentials_from_file(const std::string& path, const Reference& ref);
// The same for a whole registry ("docker.io", "127.0.0.1:5000"): registry-wide keys only.
std::optional<Credentials> registry_credentials_from_file(const std::string& path, std::string_view registry);

// With explicit_path (--authfile), that file alone, which must exist; otherwise the first of
// default_auth_files() that has credentials for ref.
std::optional<Credentials> find_credentials(const Reference& ref, const std::string& explicit_path = "");

}  // namespace skiff::image

#pragma once

#include <optional>
#include <string>

namespace skiff::image {

// One place to fetch a repository from: the registry itself or one of its mirrors.
struct RegistryEndpoint {
  // host[:port] as it appears in references ("registry-1.docker.io", "127.0.0.1:5000").
  std::string host;
  // Plain http instead of https (registries.conf's insecure = true).
  bool plain_http = false;
  // A directory of extra CA certificates (*.crt) for this host, podman's certs.d/<host>/ layout;
  // empty for the system CAs only.
  std::string ca_dir;
  // The repository path prefix a mirror serves the repository under (registries.conf's
  // location "mirror.example.com/library-cache" makes this "library-cache"); empty otherwise.
  std::string path_prefix;
};

// Credentials for one registry, from an auth.json or the command line.
struct Credentials {
  std::string username;
  std::string password;
  // A refresh token (auth.json's identitytoken), used instead of the password when set.
  std::string identity_token;
};

}  // namespace skiff::image

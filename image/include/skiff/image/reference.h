#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "skiff/image/digest.h"

namespace skiff::image {

// An image reference as users write it, normalised the way docker and podman do:
// "busybox" -> docker.io/library/busybox:latest; "host:port/ns/name:tag"; "name@sha256:…".
struct Reference {
  std::string registry;    // "docker.io", "127.0.0.1:5000"
  std::string repository;  // "library/busybox"
  std::string tag;         // "latest" unless a digest alone was given
  std::optional<Digest> digest;

  // Parses text; errors quote it and say what is wrong (empty, uppercase repository, bad tag…).
  static Reference parse(std::string_view text);

  // The full normalised name: "docker.io/library/busybox:1.36", "…@sha256:…".
  [[nodiscard]] std::string str() const;
  // registry/repository, no tag or digest.
  [[nodiscard]] std::string name() const;
  // What a manifest request asks for: the digest when there is one, else the tag.
  [[nodiscard]] std::string manifest_reference() const;

  friend bool operator==(const Reference&, const Reference&) = default;
};

// The host that serves a registry name: docker.io's API lives at registry-1.docker.io.
std::string registry_api_host(std::string_view registry);

}  // namespace skiff::image

#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "skiff/image/manifest.h"
#include "skiff/image/registries_config.h"
#include "skiff/image/registry_endpoint.h"
#include "skiff/image/store.h"
#include "skiff/image/store_image.h"

namespace skiff::image {

struct PullOptions {
  // The platform to pick from an index; this machine's when none.
  std::optional<Platform> platform;
  // Mirrors, insecure registries and CA dirs; the default configuration uses every registry
  // directly over https.
  RegistriesConfig registries;
  // Credentials for the image's registry; when none, auth_file is consulted.
  std::optional<Credentials> credentials;
  // An auth.json (containers-auth.json(5)); empty for none.
  std::string auth_file;
  // Layers downloaded and unpacked at once.
  int parallelism = 3;
  LayerProgressCallback progress;
};

// Pulls reference ("busybox", "127.0.0.1:5000/app:1", "…@sha256:…") into store: the endpoints
// from the registries config in order (mirrors first), the manifest (an index picks
// options.platform), the config (verified, size-capped), then store_image(). Layers whose chain
// id is already in the store are not fetched; a partial download left by an interrupted pull
// resumes where it stopped. Returns the stored image. Errors name the image and what failed
// (for a layer, its digest); when every endpoint fails, each one's error is listed.
ImageRecord pull(std::string_view reference, Store& store, const PullOptions& options);

}  // namespace skiff::image

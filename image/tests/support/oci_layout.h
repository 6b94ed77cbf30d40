#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "skiff/image/digest.h"

namespace skiff::testing {

// One layer's files: path inside the layer -> content (parent directories are made).
using LayerFiles = std::map<std::string, std::string>;

struct OciBlob {
  image::Digest digest;
  uint64_t size = 0;
};

struct OciLayoutImage {
  std::string dir;
  std::string tag;
  // The skopeo source: "oci:<dir>:<tag>".
  std::string source;
  OciBlob manifest;
  OciBlob config;
  // gzip'ed tars, in order, and the digests of their uncompressed tars.
  std::vector<OciBlob> layers;
  std::vector<image::Digest> diff_ids;
  // The OCI image index the tag points to, when the image was made with as_index.
  OciBlob index;
};

// Writes an OCI image layout into dir (created if needed) holding one image for this machine's
// platform whose layers hold layers' files (tar'ed with `tar`, gzip'ed), tagged tag in
// index.json (org.opencontainers.image.ref.name). With as_index the tag names an image index
// listing the manifest (push it with skopeo's --all). Several images may share one dir.
OciLayoutImage make_oci_layout(const std::string& dir, const std::vector<LayerFiles>& layers, const std::string& tag,
                               bool as_index = false);

// This machine's GOARCH name ("amd64", "arm64").
std::string host_goarch();

}  // namespace skiff::testing

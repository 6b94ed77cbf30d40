#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "skiff/image/digest.h"

namespace skiff::image {

namespace media_type {
inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kOciConfig = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view kOciLayer = "application/vnd.oci.image.layer.v1.tar";
inline constexpr std::string_view kOciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr std::string_view kOciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";
inline constexpr std::string_view kDockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kDockerConfig = "application/vnd.docker.container.image.v1+json";
inline constexpr std::string_view kDockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";
}  // namespace media_type

// The largest manifest or index accepted (containers/image uses 4 MiB too) and the largest
// image config.
inline constexpr uint64_t kMaxManifestBytes = 4ULL << 20;
inline constexpr uint64_t kMaxConfigBytes = 8ULL << 20;

struct Platform {
  std::string os;            // "linux"
  std::string architecture;  // GOARCH names: "amd64", "arm64"
  std::string variant;       // "v8", "v7"; empty when none

  // This machine's platform.
  static Platform host();
  // "linux/arm64/v8"; parse accepts the same form (a --platform argument).
  [[nodiscard]] std::string str() const;
  static Platform parse(std::string_view text);
};

struct Descriptor {
  std::string media_type;
  Digest digest;
  uint64_t size = 0;
  std::optional<Platform> platform;  // in an index
  std::map<std::string, std::string> annotations;
};

// An image manifest (OCI or Docker schema2).
struct ImageManifest {
  std::string media_type;
  Descriptor config;
  std::vector<Descriptor> layers;
};

// An image index (OCI) or manifest list (Docker).
struct ImageIndex {
  std::string media_type;
  std::vector<Descriptor> manifests;
};

// True for the media types of an index or manifest list.
bool is_index_media_type(std::string_view media_type);
// True for the media types of an image manifest (OCI or Docker schema2).
bool is_image_manifest_media_type(std::string_view media_type);
// True for the layer media types a manifest may list (tar, tar+gzip, tar+zstd).
bool is_layer_media_type(std::string_view media_type);
// The media type of a manifest document: the Content-Type the registry sent, else its own
// mediaType field, else what its shape says (a "manifests" array is an index).
std::string manifest_media_type(std::string_view document, std::string_view content_type);

// Parse and validate; errors name the document (what) and the field.
ImageManifest parse_image_manifest(std::string_view document, std::string_view media_type, std::string_view what);
ImageIndex parse_image_index(std::string_view document, std::string_view media_type, std::string_view what);

// The manifest in index that fits want (os, architecture and, when want has one, variant; an
// arm64 entry without a variant fits v8). The error lists the platforms the index offers.
const Descriptor& select_platform(const ImageIndex& index, const Platform& want, std::string_view what);

}  // namespace skiff::image

#pragma once

// Putting one image into the store from anywhere its blobs can be read: a registry (pull.h) or an
// OCI layout on disk (import). Layers run in parallel, each as one stream: blob source -> the
// partial download file -> sha256 of the blob -> decompress -> sha256 of the diff -> tar unpack
// into a staging dir; a layer is committed only when both digests match.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "skiff/image/byte_source.h"
#include "skiff/image/digest.h"
#include "skiff/image/manifest.h"
#include "skiff/image/store.h"

namespace skiff::image {

enum class LayerState {
  waiting,      // queued behind other layers
  present,      // its chain id was already in the store: skipped
  downloading,  // bytes flowing (from the network, or from a stored blob)
  done,         // committed
  failed,
};

struct LayerProgress {
  size_t index = 0;   // in the manifest, bottom first
  Digest digest;      // of the layer blob
  uint64_t done = 0;  // compressed bytes read so far
  uint64_t total = 0;
  LayerState state = LayerState::waiting;
};

// Called from the layer worker threads, one call at a time.
using LayerProgressCallback = std::function<void(const LayerProgress&)>;

// Where an image's blobs come from.
class BlobFetcher {
 public:
  BlobFetcher() = default;
  BlobFetcher(const BlobFetcher&) = delete;
  BlobFetcher& operator=(const BlobFetcher&) = delete;
  virtual ~BlobFetcher() = default;
  // The bytes of blob from offset on (offset > 0 resumes a partial download). Called from
  // several threads at once.
  virtual std::unique_ptr<ByteSource> open(const Descriptor& blob, uint64_t offset) = 0;
};

struct StoreImageOptions {
  // The image's name in errors ("docker.io/library/busybox:latest").
  std::string what;
  // Names and repository digests to give the image (ImageRecord).
  std::vector<std::string> names;
  std::vector<std::string> digests;
  // Layers fetched and unpacked at once.
  int parallelism = 3;
  LayerProgressCallback progress;
};

// Stores the image whose manifest (verified against manifest_digest, parsed as
// manifest_media_type) and config document (verified against the manifest's config
// descriptor) are given: its layers not already present, then the manifest and config blobs,
// then the index entry. Errors name the image, the layer digest and what failed.
ImageRecord store_image(Store& store, std::string_view manifest_document, std::string_view manifest_media_type,
                        const Digest& manifest_digest, std::string_view config_document, BlobFetcher& fetcher,
                        const StoreImageOptions& options);

}  // namespace skiff::image

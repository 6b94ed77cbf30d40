#pragma once

#include <string>
#include <vector>

#include "skiff/image/store.h"
#include "skiff/image/store_image.h"

namespace skiff::cli {

struct RootfsImportOptions {
  std::string name;                  // a reference to give the image; empty for none
  std::vector<std::string> changes;  // --change instructions
  std::string message;               // the history entry's comment
  image::LayerProgressCallback progress;
};

// Stores the tarball at path (plain, gzip or zstd) as a one-layer image of this machine's
// platform, as podman import does: its blob as given, its diff id hashed from the decompressed
// stream, a config made for it with the changes applied.
image::ImageRecord import_rootfs_tarball(image::Store& store, const std::string& path,
                                         const RootfsImportOptions& options);

}  // namespace skiff::cli

#pragma once

// Import and export of images in the docker-archive format (`docker save`, `podman save
// --format docker-archive`): a tar holding manifest.json ([{"Config", "RepoTags", "Layers"}]),
// the image config, and each layer as an uncompressed tar.

#include <string>
#include <string_view>
#include <vector>

#include "skiff/image/oci_layout.h"
#include "skiff/image/store.h"

namespace skiff::image {

// Imports one image of the docker archive at path (a plain, gzip or zstd tar) into store:
// options.ref_name picks it by one of its RepoTags when the archive holds several. Each layer is
// verified against the config's diff_ids while it is unpacked; the image is stored with an OCI
// manifest made for it (layers as uncompressed tar blobs, or the compressed blobs a producer put
// in the archive). Errors name the archive, the member and what failed.
ImageRecord import_docker_archive(Store& store, const std::string& path, const ImportOptions& options);

// Writes an image of store (a name or an id) as a docker archive at path: its config as
// <id hex>.json, every layer decompressed from its stored blob as <diff id hex>.tar (checked
// against the diff id as it is written), and manifest.json naming repo_tags, or the image's own
// names when repo_tags is empty. Written beside path and renamed into place when complete.
void export_docker_archive(const Store& store, std::string_view image, const std::string& path,
                           const std::vector<std::string>& repo_tags = {});

}  // namespace skiff::image

#pragma once

// Import and export of images as OCI image layouts (image-layout.md of the OCI image spec): a
// directory holding oci-layout, index.json and blobs/sha256/<hex>, or the same as a tar archive
// (what `podman save --format oci-archive` and skopeo's oci-archive: transport write).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "skiff/image/manifest.h"
#include "skiff/image/store.h"
#include "skiff/image/store_image.h"

namespace skiff::image {

// The index.json annotation naming an image in a layout ("latest", "busybox:1.36", or a full
// reference), and containerd's annotation holding the full reference.
inline constexpr std::string_view kRefNameAnnotation = "org.opencontainers.image.ref.name";
inline constexpr std::string_view kContainerdNameAnnotation = "io.containerd.image.name";

// Which image of an archive to import, and how to store it. Shared by the docker-archive import.
struct ImportOptions {
  // An OCI layout: the ref name in index.json; a docker archive: one of its RepoTags. Empty when
  // the archive holds exactly one image.
  std::string ref_name;
  // The platform to pick from an image index; this machine's when none.
  std::optional<Platform> platform;
  // The names to give the image (references, normalised when stored). Empty: the names the
  // archive gives it (a layout's ref name when it is a reference rather than a bare tag,
  // containerd's name annotation; a docker archive's RepoTags).
  std::vector<std::string> names;
  int parallelism = 3;
  LayerProgressCallback progress;
};

// Imports one image from the OCI layout in dir into store: its blobs are verified against their
// digests and its layers unpacked as a pull does (store_image). Errors name the layout, the
// descriptor and what failed; an unknown ref name lists the ones the layout has.
ImageRecord import_oci_layout(Store& store, const std::string& dir, const ImportOptions& options);
// The same from a tar archive of a layout (plain, gzip or zstd), extracted below the store's tmp/.
ImageRecord import_oci_archive(Store& store, const std::string& archive, const ImportOptions& options);

// Writes an image of store (a name or an id, as Store::image takes) into the OCI layout at dir,
// made when missing; a layout already there keeps its other images, and an entry with the same
// ref_name is replaced. The blobs are the stored ones, so the manifest digest is unchanged.
// ref_name empty: the image's first name, or no ref name when it has none.
void export_oci_layout(const Store& store, std::string_view image, const std::string& dir, std::string_view ref_name);
// The same as a tar archive at path (written beside it and renamed into place when complete).
void export_oci_archive(const Store& store, std::string_view image, const std::string& path, std::string_view ref_name);

}  // namespace skiff::image

#pragma once

#include <string>

namespace skiff::cli {

enum class ArchiveFormat {
  docker_archive,  // manifest.json at the top (docker save, podman save)
  oci_archive,     // an OCI image layout: oci-layout and index.json
};

// Which kind of image archive path is (plain, gzip or zstd tar), from the names at its top.
// Errors name the archive and say what was expected.
ArchiveFormat detect_archive_format(const std::string& path);

}  // namespace skiff::cli

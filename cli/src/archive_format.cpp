#include "archive_format.h"

#include <archive.h>
#include <archive_entry.h>

#include <memory>
#include <string_view>

#include "skiff/base/error.h"

namespace skiff::cli {

ArchiveFormat detect_archive_format(const std::string& path) {
  std::unique_ptr<archive, decltype(&archive_read_free)> reader(archive_read_new(), archive_read_free);
  archive_read_support_filter_all(reader.get());
  archive_read_support_format_tar(reader.get());
  if (archive_read_open_filename(reader.get(), path.c_str(), 1 << 16) != ARCHIVE_OK) {
    throw Error(path + ": " + archive_error_string(reader.get()), archive_errno(reader.get()));
  }
  archive_entry* entry = nullptr;
  while (true) {
    int rc = archive_read_next_header(reader.get(), &entry);
    if (rc == ARCHIVE_EOF) {
      break;
    }
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
      throw Error(path + ": not an image archive (" + archive_error_string(reader.get()) +
                      "); want a docker-archive or oci-archive tar, as skiff save writes",
                  archive_errno(reader.get()));
    }
    std::string_view name = archive_entry_pathname(entry);
    while (name.starts_with("./")) {
      name.remove_prefix(2);
    }
    if (name == "manifest.json") {
      return ArchiveFormat::docker_archive;
    }
    if (name == "oci-layout") {
      return ArchiveFormat::oci_archive;
    }
  }
  throw Error(path +
              ": not an image archive: it holds neither manifest.json (docker-archive) nor oci-layout "
              "(oci-archive)");
}

}  // namespace skiff::cli

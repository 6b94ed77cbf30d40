#include "rootfs_import.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <boost/json.hpp>
#include <cerrno>
#include <limits>

#include "skiff/base/clock.h"
#include "skiff/base/error.h"
#include "skiff/base/unique_fd.h"
#include "skiff/cli/image_changes.h"
#include "skiff/image/layer_unpack.h"
#include "skiff/image/manifest.h"
#include "skiff/image/reference.h"

namespace skiff::cli {

namespace {

class FdSource : public image::ByteSource {
 public:
  FdSource(UniqueFd fd, std::string what) : fd_(std::move(fd)), what_(std::move(what)) {}
  size_t read(std::span<std::byte> buffer) override {
    while (true) {
      ssize_t n = ::read(fd_.get(), buffer.data(), buffer.size());
      if (n < 0 && errno == EINTR) {
        continue;
      }
      return static_cast<size_t>(check(n, "read " + what_));
    }
  }

 private:
  UniqueFd fd_;
  std::string what_;
};

std::unique_ptr<FdSource> open_at(const std::string& path, uint64_t offset) {
  UniqueFd fd(check(::open(path.c_str(), O_RDONLY | O_CLOEXEC), "open " + path));
  check(::lseek(fd.get(), static_cast<off_t>(offset), SEEK_SET), "seek " + path);
  return std::make_unique<FdSource>(std::move(fd), path);
}

class FileFetcher : public image::BlobFetcher {
 public:
  explicit FileFetcher(std::string path) : path_(std::move(path)) {}
  std::unique_ptr<image::ByteSource> open(const image::Descriptor& /*blob*/, uint64_t offset) override {
    return open_at(path_, offset);
  }

 private:
  std::string path_;
};

image::Compression sniff_compression(const std::string& path) {
  auto source = open_at(path, 0);
  std::array<std::byte, 4> magic{};
  size_t got = 0;
  while (got < magic.size()) {
    size_t n = source->read(std::span(magic).subspan(got));
    if (n == 0) {
      break;
    }
    got += n;
  }
  auto byte = [&](size_t i) { return std::to_integer<unsigned>(magic[i]); };
  if (got >= 2 && byte(0) == 0x1f && byte(1) == 0x8b) {
    return image::Compression::gzip;
  }
  if (got == 4 && byte(0) == 0x28 && byte(1) == 0xb5 && byte(2) == 0x2f && byte(3) == 0xfd) {
    return image::Compression::zstd;
  }
  return image::Compression::none;
}

std::string_view layer_media_type(image::Compression compression) {
  switch (compression) {
    case image::Compression::gzip:
      return image::media_type::kOciLayerGzip;
    case image::Compression::zstd:
      return image::media_type::kOciLayerZstd;
    case image::Compression::none:
      break;
  }
  return image::media_type::kOciLayer;
}

struct LayerDigests {
  image::Digest blob;
  uint64_t blob_size;
  image::Digest diff;
};

LayerDigests hash_layer(const std::string& path, image::Compression compression) {
  auto file = open_at(path, 0);
  image::HashingSource blob(*file);
  auto decompressed = image::decompress(compression, blob, std::numeric_limits<uint64_t>::max());
  image::HashingSource diff(*decompressed);
  std::array<std::byte, 1 << 16> buffer{};
  while (diff.read(buffer) > 0) {
  }
  // Whatever follows the compressed stream still belongs to the blob.
  while (blob.read(buffer) > 0) {
  }
  auto diff_id = diff.finish();
  return LayerDigests{.blob = blob.finish(), .blob_size = blob.bytes(), .diff = diff_id};
}

}  // namespace

image::ImageRecord import_rootfs_tarball(image::Store& store, const std::string& path,
                                         const RootfsImportOptions& options) {
  auto compression = sniff_compression(path);
  auto layer = hash_layer(path, compression);
  std::string created = now_rfc3339();
  auto platform = image::Platform::host();

  boost::json::object run_config;
  for (const auto& change : options.changes) {
    apply_change(run_config, change);
  }
  boost::json::object config{
      {"created", created},
      {"architecture", platform.architecture},
      {"os", platform.os},
      {"config", run_config},
      {"rootfs", {{"type", "layers"}, {"diff_ids", boost::json::array{layer.diff.str()}}}},
      {"history",
       boost::json::array{
           {{"created", created}, {"created_by", "skiff import " + path}, {"comment", options.message}}}},
  };
  if (!platform.variant.empty()) {
    config["variant"] = platform.variant;
  }
  std::string config_document = boost::json::serialize(config);
  boost::json::object manifest{
      {"schemaVersion", 2},
      {"mediaType", image::media_type::kOciManifest},
      {"config",
       {{"mediaType", image::media_type::kOciConfig},
        {"digest", image::Digest::of(config_document).str()},
        {"size", config_document.size()}}},
      {"layers",
       boost::json::array{
           {{"mediaType", layer_media_type(compression)}, {"digest", layer.blob.str()}, {"size", layer.blob_size}}}},
  };
  std::string manifest_document = boost::json::serialize(manifest);

  image::StoreImageOptions store_options;
  store_options.what = "import " + path;
  if (!options.name.empty()) {
    store_options.names.push_back(image::Reference::parse(options.name).str());
  }
  store_options.progress = options.progress;
  FileFetcher fetcher(path);
  return image::store_image(store, manifest_document, image::media_type::kOciManifest,
                            image::Digest::of(manifest_document), config_document, fetcher, store_options);
}

}  // namespace skiff::cli

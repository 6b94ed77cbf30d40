#include "skiff/image/docker_archive.h"

#include <sys/stat.h>

#include <boost/json.hpp>
#include <map>
#include <set>

#include "extracted_archive.h"
#include "file_source.h"
#include "image_names.h"
#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/json.h"
#include "skiff/image/digest.h"
#include "skiff/image/layer_unpack.h"
#include "skiff/image/manifest.h"
#include "skiff/image/reference.h"
#include "tar_writer.h"

namespace skiff::image {

namespace {

// One entry of manifest.json.
struct ArchiveImage {
  std::string config;
  std::vector<std::string> repo_tags;
  std::vector<std::string> layers;
};

std::vector<ArchiveImage> read_archive_manifest(const ExtractedArchive& archive, const std::string& what) {
  if (!archive.contains("manifest.json")) {
    throw Error(what + ": no manifest.json (not a docker archive)");
  }
  std::string name = what + " manifest.json";
  boost::json::value doc = json::parse(read_file(archive.path("manifest.json")), name);
  std::vector<ArchiveImage> images;
  const auto& entries = json::as_array(doc, name);
  for (size_t i = 0; i < entries.size(); ++i) {
    std::string path = json::element(name, i);
    const auto& entry = json::as_object(entries[i], path);
    const auto* config = json::find(entry, "Config");
    const auto* layers = json::find(entry, "Layers");
    if (config == nullptr || layers == nullptr) {
      json::invalid(path, "needs Config and Layers");
    }
    ArchiveImage image{.config = json::as_string(*config, json::field(path, "Config")),
                       .layers = json::as_string_array(*layers, json::field(path, "Layers"))};
    if (const auto* tags = json::find(entry, "RepoTags")) {
      image.repo_tags = json::as_string_array(*tags, json::field(path, "RepoTags"));
    }
    images.push_back(std::move(image));
  }
  return images;
}

// Whether tag, as an archive writes it ("busybox:1.36", "docker.io/library/busybox:1.36"),
// names the same image as want.
bool same_name(const std::string& tag, const std::string& want) {
  if (tag == want) {
    return true;
  }
  try {
    return Reference::parse(tag).str() == Reference::parse(want).str();
  } catch (const Error&) {
    return false;
  }
}

const ArchiveImage& choose_image(const std::vector<ArchiveImage>& images, const std::string& ref_name,
                                 const std::string& what) {
  std::string names;
  for (const ArchiveImage& image : images) {
    for (const std::string& tag : image.repo_tags) {
      if (!ref_name.empty() && same_name(tag, ref_name)) {
        return image;
      }
      names += (names.empty() ? "" : ", ") + tag;
    }
  }
  if (ref_name.empty() && images.size() == 1) {
    return images.front();
  }
  if (images.empty()) {
    throw Error(what + ": manifest.json lists no image");
  }
  throw Error(what + ": " +
              (ref_name.empty() ? "holds " + std::to_string(images.size()) + " images, name one"
                                : "no image tagged " + ref_name) +
              " (it has: " + (names.empty() ? "no tags" : names) + ")");
}

std::vector<Digest> diff_ids_of(std::string_view config, const std::string& what) {
  boost::json::value doc = json::parse(config, what);
  const auto& root = json::as_object(doc, what);
  const auto* rootfs = json::find(root, "rootfs");
  if (rootfs == nullptr) {
    json::invalid(json::field(what, "rootfs"), "is missing");
  }
  std::string path = json::field(json::field(what, "rootfs"), "diff_ids");
  const auto* ids = json::find(json::as_object(*rootfs, json::field(what, "rootfs")), "diff_ids");
  if (ids == nullptr) {
    json::invalid(path, "is missing");
  }
  std::vector<Digest> out;
  std::vector<std::string> texts = json::as_string_array(*ids, path);
  for (size_t i = 0; i < texts.size(); ++i) {
    out.push_back(Digest::parse(texts[i], json::element(path, i)));
  }
  return out;
}

uint64_t file_size(const std::string& path) {
  struct stat st {};
  check(::stat(path.c_str(), &st), "stat " + path);
  return static_cast<uint64_t>(st.st_size);
}

Digest hash_file(const std::string& path) {
  FileSource file(path);
  HashingSource hashing(file);
  std::vector<std::byte> buffer(1 << 20);
  while (hashing.read(buffer) > 0) {
  }
  return hashing.finish();
}

// The archive's layer files, by the digest the manifest made for them gives each one.
class ArchiveFetcher : public BlobFetcher {
 public:
  void add(const Digest& digest, std::string path) { files_.emplace(digest, std::move(path)); }
  std::unique_ptr<ByteSource> open(const Descriptor& blob, uint64_t offset) override {
    return std::make_unique<FileSource>(files_.at(blob.digest), offset);
  }

 private:
  std::map<Digest, std::string> files_;
};

boost::json::object descriptor_json(std::string_view media_type, const Digest& digest, uint64_t size) {
  return {{"mediaType", media_type}, {"digest", digest.str()}, {"size", size}};
}

}  // namespace

ImageRecord import_docker_archive(Store& store, const std::string& path, const ImportOptions& options) {
  std::string what = "docker archive " + path;
  // Held while the extracted copy sits in tmp/, which gc empties only when no writer holds it.
  StoreLock lock = store.lock_shared();
  ExtractedArchive archive(path, store.root() + "/tmp");
  std::vector<ArchiveImage> images = read_archive_manifest(archive, what);
  const ArchiveImage& image = choose_image(images, options.ref_name, what);

  std::string config_path = archive.path(image.config);
  if (file_size(config_path) > kMaxConfigBytes) {
    throw Error(what + ": config " + image.config + " is larger than the " + std::to_string(kMaxConfigBytes) +
                " bytes allowed");
  }
  std::string config = read_file(config_path);
  std::vector<Digest> diff_ids = diff_ids_of(config, what + " config " + image.config);
  if (diff_ids.size() != image.layers.size()) {
    throw Error(what + ": the config lists " + std::to_string(diff_ids.size()) + " diff_ids but manifest.json " +
                std::to_string(image.layers.size()) + " layers");
  }

  // Docker writes layers as plain tars, whose digest is the diff id that unpacking verifies; a
  // compressed layer (some producers write them) is hashed here to name its blob.
  ArchiveFetcher fetcher;
  boost::json::array layers;
  for (size_t i = 0; i < image.layers.size(); ++i) {
    std::string file = archive.path(image.layers[i]);
    Compression compression = sniff_compression(file);
    Digest digest = compression == Compression::none ? diff_ids[i] : hash_file(file);
    std::string_view media_type = compression == Compression::none   ? media_type::kOciLayer
                                  : compression == Compression::gzip ? media_type::kOciLayerGzip
                                                                     : media_type::kOciLayerZstd;
    layers.push_back(descriptor_json(media_type, digest, file_size(file)));
    fetcher.add(digest, file);
  }
  boost::json::object manifest{{"schemaVersion", 2},
                               {"mediaType", media_type::kOciManifest},
                               {"config", descriptor_json(media_type::kOciConfig, Digest::of(config), config.size())},
                               {"layers", std::move(layers)}};
  std::string manifest_document = boost::json::serialize(manifest);

  StoreImageOptions store_options;
  store_options.what = what;
  store_options.names = normalise_names(options.names.empty() ? image.repo_tags : options.names);
  store_options.parallelism = options.parallelism;
  store_options.progress = options.progress;
  return store_image(store, manifest_document, media_type::kOciManifest, Digest::of(manifest_document), config, fetcher,
                     store_options);
}

void export_docker_archive(const Store& store, std::string_view image, const std::string& path,
                           const std::vector<std::string>& repo_tags) {
  // gc waits for holders, so the blobs read below stay while the archive is written.
  StoreLock lock = store.lock_shared();
  ImageRecord record = store.image(image);
  std::string what = "export " + std::string(image) + " to " + path;
  std::string config = store.read_blob(record.id, kMaxConfigBytes);
  TarWriter tar(path);
  std::string config_name = std::string(record.id.hex()) + ".json";
  tar.add_file(config_name, config);
  boost::json::array layer_names;
  std::set<Digest> written;
  for (const Digest& chain_id : record.layers) {
    LayerRecord layer = store.layer(chain_id);
    std::string name = std::string(layer.diff_id.hex()) + ".tar";
    layer_names.emplace_back(name);
    if (!written.insert(layer.diff_id).second) {
      continue;
    }
    try {
      std::unique_ptr<ByteSource> blob = store.open_blob(layer.blob);
      std::unique_ptr<ByteSource> tar_stream =
          decompress(compression_of_media_type(layer.media_type), *blob, layer.diff_size);
      HashingSource hashing(*tar_stream);
      tar.add_file(name, layer.diff_size, hashing);
      if (Digest got = hashing.finish(); got != layer.diff_id) {
        throw Error("decompresses to " + got.str() + ", not its diff id " + layer.diff_id.str());
      }
    } catch (const Error& e) {
      throw Error(what + ": layer blob " + layer.blob.str() + ": " + e.what(), e.code());
    }
  }
  boost::json::array tags;
  for (const std::string& tag : repo_tags.empty() ? record.names : repo_tags) {
    tags.emplace_back(tag);
  }
  boost::json::array manifest{
      boost::json::object{{"Config", config_name}, {"RepoTags", std::move(tags)}, {"Layers", std::move(layer_names)}}};
  tar.add_file("manifest.json", boost::json::serialize(manifest));
  tar.commit();
}

}  // namespace skiff::image

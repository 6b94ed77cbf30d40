#include "skiff/image/oci_layout.h"

#include <sys/stat.h>

#include <boost/json.hpp>
#include <filesystem>
#include <set>

#include "extracted_archive.h"
#include "file_source.h"
#include "image_names.h"
#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/json.h"
#include "tar_writer.h"

namespace skiff::image {

namespace {

constexpr std::string_view kLayoutFile = R"({"imageLayoutVersion":"1.0.0"})";

std::string blob_file(const std::string& dir, const Digest& digest) {
  return dir + "/blobs/sha256/" + std::string(digest.hex());
}

// A manifest, index or config of a layout, read whole after checking its size, and verified.
std::string read_layout_blob(const std::string& dir, const Descriptor& desc, uint64_t max_bytes,
                             std::string_view what) {
  std::string path = blob_file(dir, desc.digest);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    throw_errno(std::string(what) + ": blob " + desc.digest.str());
  }
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    throw Error(std::string(what) + ": blob " + desc.digest.str() + " is larger than the " + std::to_string(max_bytes) +
                " bytes allowed");
  }
  std::string data = read_file(path);
  if (Digest digest = Digest::of(data); digest != desc.digest) {
    throw Error(std::string(what) + ": blob " + path + " does not match its digest " + desc.digest.str() +
                " (it hashes to " + digest.str() + ")");
  }
  return data;
}

// A layout's blobs, read from their files; store_image verifies them as it reads.
class LayoutFetcher : public BlobFetcher {
 public:
  explicit LayoutFetcher(std::string dir) : dir_(std::move(dir)) {}
  std::unique_ptr<ByteSource> open(const Descriptor& blob, uint64_t offset) override {
    return std::make_unique<FileSource>(blob_file(dir_, blob.digest), offset);
  }

 private:
  std::string dir_;
};

std::string ref_name_of(const Descriptor& desc) {
  auto it = desc.annotations.find(std::string(kRefNameAnnotation));
  return it == desc.annotations.end() ? std::string() : it->second;
}

const Descriptor& choose_image(const ImageIndex& index, const std::string& ref_name, const std::string& what) {
  std::string names;
  for (const Descriptor& desc : index.manifests) {
    if (!ref_name.empty() && ref_name_of(desc) == ref_name) {
      return desc;
    }
    names += (names.empty() ? "" : ", ") + (ref_name_of(desc).empty() ? desc.digest.str() : ref_name_of(desc));
  }
  if (ref_name.empty() && index.manifests.size() == 1) {
    return index.manifests.front();
  }
  if (index.manifests.empty()) {
    throw Error(what + ": index.json lists no image");
  }
  throw Error(what + ": " +
              (ref_name.empty() ? "holds " + std::to_string(index.manifests.size()) + " images, name one"
                                : "no image named " + ref_name) +
              " (it has: " + names + ")");
}

// The names a layout gives an image: containerd's full name, else the ref name when it is a
// reference ("busybox:1.36", "registry/app:1") rather than a bare tag ("latest").
std::vector<std::string> names_from_layout(const Descriptor& desc) {
  if (auto it = desc.annotations.find(std::string(kContainerdNameAnnotation)); it != desc.annotations.end()) {
    return {it->second};
  }
  std::string ref = ref_name_of(desc);
  if (ref.find_first_of(":/") != std::string::npos) {
    return {ref};
  }
  return {};
}

ImageRecord import_layout(Store& store, const std::string& dir, const std::string& what, const ImportOptions& options) {
  std::string index_path = dir + "/index.json";
  if (!path_exists(dir + "/oci-layout")) {
    throw Error(what + ": not an OCI image layout (no oci-layout file)");
  }
  ImageIndex index = parse_image_index(read_file(index_path), media_type::kOciIndex, what + " index.json");
  const Descriptor& chosen = choose_image(index, options.ref_name, what);
  Descriptor manifest_desc = chosen;
  if (is_index_media_type(chosen.media_type)) {
    std::string index_what = what + " image index " + chosen.digest.str();
    std::string document = read_layout_blob(dir, chosen, kMaxManifestBytes, index_what);
    ImageIndex platforms = parse_image_index(document, chosen.media_type, index_what);
    manifest_desc = select_platform(platforms, options.platform.value_or(Platform::host()), index_what);
  }
  std::string manifest_what = what + " manifest " + manifest_desc.digest.str();
  std::string manifest_document = read_layout_blob(dir, manifest_desc, kMaxManifestBytes, manifest_what);
  ImageManifest manifest = parse_image_manifest(manifest_document, manifest_desc.media_type, manifest_what);
  std::string config = read_layout_blob(dir, manifest.config, kMaxConfigBytes, manifest_what + " config");

  StoreImageOptions store_options;
  store_options.what = what;
  store_options.names = normalise_names(options.names.empty() ? names_from_layout(chosen) : options.names);
  store_options.parallelism = options.parallelism;
  store_options.progress = options.progress;
  LayoutFetcher fetcher(dir);
  return store_image(store, manifest_document, manifest_desc.media_type, manifest_desc.digest, config, fetcher,
                     store_options);
}

// What an export writes: the stored manifest, and the blobs it references.
struct ExportedImage {
  ImageRecord record;
  std::string manifest_document;
  std::vector<Descriptor> blobs;  // manifest, config and layers; each digest once
  std::string ref_name;
};

ExportedImage collect(const Store& store, std::string_view image, std::string_view ref_name) {
  ExportedImage out{.record = store.image(image)};
  const ImageRecord& record = out.record;
  out.manifest_document = store.read_blob(record.manifest, kMaxManifestBytes);
  ImageManifest manifest = parse_image_manifest(out.manifest_document, record.manifest_media_type,
                                                "image " + std::string(image) + " manifest " + record.manifest.str());
  out.blobs.push_back(
      {.media_type = record.manifest_media_type, .digest = record.manifest, .size = out.manifest_document.size()});
  std::set<Digest> seen{record.manifest};
  if (seen.insert(manifest.config.digest).second) {
    out.blobs.push_back(manifest.config);
  }
  for (const Descriptor& layer : manifest.layers) {
    if (seen.insert(layer.digest).second) {
      out.blobs.push_back(layer);
    }
  }
  out.ref_name = !ref_name.empty() ? std::string(ref_name) : record.names.empty() ? "" : record.names.front();
  return out;
}

boost::json::object index_entry(const ExportedImage& image) {
  boost::json::object entry{{"mediaType", image.record.manifest_media_type},
                            {"digest", image.record.manifest.str()},
                            {"size", image.manifest_document.size()}};
  if (!image.ref_name.empty()) {
    entry["annotations"] = boost::json::object{{kRefNameAnnotation, image.ref_name}};
  }
  return entry;
}

boost::json::object new_index() {
  return {{"schemaVersion", 2}, {"mediaType", media_type::kOciIndex}, {"manifests", boost::json::array()}};
}

// Copies a stored blob into a layout unless it is there already (blobs are named by content).
void copy_blob(const Store& store, const Descriptor& blob, const std::string& dir) {
  std::string target = blob_file(dir, blob.digest);
  struct stat st {};
  if (::stat(target.c_str(), &st) == 0 && static_cast<uint64_t>(st.st_size) == blob.size) {
    return;
  }
  std::string temp = target + ".tmp";
  std::error_code ec;
  std::filesystem::copy_file(store.blob_path(blob.digest), temp, std::filesystem::copy_options::overwrite_existing, ec);
  if (ec) {
    throw Error("copy blob " + blob.digest.str() + " to " + temp + ": " + ec.message(), ec.value());
  }
  check(::rename(temp.c_str(), target.c_str()), "rename " + temp + " to " + target);
}

}  // namespace

ImageRecord import_oci_layout(Store& store, const std::string& dir, const ImportOptions& options) {
  return import_layout(store, dir, "OCI layout " + dir, options);
}

ImageRecord import_oci_archive(Store& store, const std::string& archive, const ImportOptions& options) {
  // Held while the extracted copy sits in tmp/, which gc empties only when no writer holds it.
  StoreLock lock = store.lock_shared();
  ExtractedArchive extracted(archive, store.root() + "/tmp");
  return import_layout(store, extracted.dir(), "OCI archive " + archive, options);
}

void export_oci_layout(const Store& store, std::string_view image, const std::string& dir, std::string_view ref_name) {
  ExportedImage exported = collect(store, image, ref_name);
  mkdir_all(dir + "/blobs/sha256");
  if (!path_exists(dir + "/oci-layout")) {
    write_file_atomic(dir + "/oci-layout", kLayoutFile);
  }
  for (const Descriptor& blob : exported.blobs) {
    copy_blob(store, blob, dir);
  }
  // The index last: a reader never sees an entry whose blobs are missing.
  std::string index_path = dir + "/index.json";
  boost::json::object index = new_index();
  if (path_exists(index_path)) {
    index = json::as_object(json::parse_file(index_path), index_path);
  }
  boost::json::array kept;
  if (const auto* manifests = json::find(index, "manifests")) {
    for (const auto& entry : json::as_array(*manifests, json::field(index_path, "manifests"))) {
      const auto* annotations = entry.is_object() ? json::find(entry.as_object(), "annotations") : nullptr;
      const auto* name = annotations != nullptr && annotations->is_object()
                             ? json::find(annotations->as_object(), kRefNameAnnotation)
                             : nullptr;
      bool replaced =
          !exported.ref_name.empty() && name != nullptr && name->is_string() && name->as_string() == exported.ref_name;
      if (!replaced) {
        kept.push_back(entry);
      }
    }
  }
  kept.push_back(index_entry(exported));
  index["manifests"] = std::move(kept);
  write_file_atomic(index_path, boost::json::serialize(index));
}

void export_oci_archive(const Store& store, std::string_view image, const std::string& path,
                        std::string_view ref_name) {
  StoreLock lock = store.lock_shared();
  ExportedImage exported = collect(store, image, ref_name);
  TarWriter tar(path);
  tar.add_file("oci-layout", kLayoutFile);
  tar.add_directory("blobs");
  tar.add_directory("blobs/sha256");
  for (const Descriptor& blob : exported.blobs) {
    FileSource source(store.blob_path(blob.digest));
    tar.add_file("blobs/sha256/" + std::string(blob.digest.hex()), blob.size, source);
  }
  boost::json::object index = new_index();
  index["manifests"] = boost::json::array{index_entry(exported)};
  tar.add_file("index.json", boost::json::serialize(index));
  tar.commit();
}

}  // namespace skiff::image

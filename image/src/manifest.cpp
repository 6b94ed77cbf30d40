#include "skiff/image/manifest.h"

#include <algorithm>
#include <array>

#include "skiff/base/error.h"
#include "skiff/base/json.h"
#include "skiff/base/strings.h"

namespace skiff::image {

namespace {

// Docker's schema 1 manifests: registries still answer with them for very old images.
constexpr std::string_view kDockerSchema1 = "application/vnd.docker.distribution.manifest.v1+json";
constexpr std::string_view kDockerSchema1Signed = "application/vnd.docker.distribution.manifest.v1+prettyjws";

constexpr std::array kLayerMediaTypes{
    media_type::kOciLayer,
    media_type::kOciLayerGzip,
    media_type::kOciLayerZstd,
    media_type::kDockerLayerGzip,
};

[[noreturn]] void reject_schema1(std::string_view what) {
  throw Error(std::string(what) +
              ": Docker schema 1 manifests are not supported (deprecated since 2017; push the image again with a "
              "current docker, podman or skopeo to get a schema 2 or OCI manifest)");
}

std::string_view without_parameters(std::string_view content_type) {
  return trim(content_type.substr(0, content_type.find(';')));
}

std::string prefixed(std::string_view what, std::string_view path) {
  return std::string(what) + ": " + std::string(path);
}

boost::json::object parse_document(std::string_view document, std::string_view what) {
  if (document.size() > kMaxManifestBytes) {
    throw Error(std::string(what) + ": larger than the " + std::to_string(kMaxManifestBytes >> 20) + " MiB limit");
  }
  auto value = json::parse(document, std::string(what));
  return json::as_object(value, std::string(what));
}

// schemaVersion must be 2; mediaType, when the document has one, must be what the registry said.
void check_header(const boost::json::object& doc, std::string_view media_type, std::string_view what) {
  const auto* version = json::find(doc, "schemaVersion");
  if (version == nullptr) {
    json::invalid(prefixed(what, "schemaVersion"), "is missing");
  }
  int64_t schema = json::as_int64(*version, prefixed(what, "schemaVersion"));
  if (schema == 1) {
    reject_schema1(what);
  }
  if (schema != 2) {
    json::invalid(prefixed(what, "schemaVersion"), "must be 2", *version);
  }
  if (const auto* declared = json::find(doc, "mediaType")) {
    std::string text = json::as_string(*declared, prefixed(what, "mediaType"));
    if (text != media_type) {
      json::invalid(prefixed(what, "mediaType"),
                    "differs from the media type it was served as (" + std::string(media_type) + ")", *declared);
    }
  }
}

Platform parse_platform(const boost::json::value& value, std::string_view path) {
  const auto& obj = json::as_object(value, path);
  Platform platform;
  for (auto [key, target] : {std::pair{"os", &platform.os}, std::pair{"architecture", &platform.architecture}}) {
    const auto* field = json::find(obj, key);
    if (field == nullptr) {
      json::invalid(json::field(path, key), "is missing");
    }
    *target = json::as_string(*field, json::field(path, key));
  }
  if (const auto* variant = json::find(obj, "variant")) {
    platform.variant = json::as_string(*variant, json::field(path, "variant"));
  }
  return platform;
}

Descriptor parse_descriptor(const boost::json::value& value, const std::string& path) {
  const auto& obj = json::as_object(value, path);
  auto required = [&](std::string_view key) -> const boost::json::value& {
    const auto* field = json::find(obj, key);
    if (field == nullptr) {
      json::invalid(json::field(path, key), "is missing");
    }
    return *field;
  };
  std::string media_type = json::as_string(required("mediaType"), json::field(path, "mediaType"));
  std::string digest_path = json::field(path, "digest");
  Digest digest = Digest::parse(json::as_string(required("digest"), digest_path), digest_path);
  const auto& size = required("size");
  std::string size_path = json::field(path, "size");
  if (json::as_int64(size, size_path) < 0) {
    json::invalid(size_path, "must not be negative", size);
  }
  Descriptor desc{
      .media_type = std::move(media_type), .digest = std::move(digest), .size = json::as_uint64(size, size_path)};
  if (const auto* platform = json::find(obj, "platform")) {
    desc.platform = parse_platform(*platform, json::field(path, "platform"));
  }
  if (const auto* annotations = json::find(obj, "annotations")) {
    std::string annotations_path = json::field(path, "annotations");
    for (const auto& kv : json::as_object(*annotations, annotations_path)) {
      desc.annotations[std::string(kv.key())] = json::as_string(kv.value(), json::field(annotations_path, kv.key()));
    }
  }
  return desc;
}

const boost::json::value& required_member(const boost::json::object& doc, std::string_view key, std::string_view what) {
  const auto* field = json::find(doc, key);
  if (field == nullptr) {
    json::invalid(prefixed(what, key), "is missing");
  }
  return *field;
}

}  // namespace

bool is_index_media_type(std::string_view media_type) {
  return media_type == media_type::kOciIndex || media_type == media_type::kDockerManifestList;
}

bool is_image_manifest_media_type(std::string_view media_type) {
  return media_type == media_type::kOciManifest || media_type == media_type::kDockerManifest;
}

bool is_layer_media_type(std::string_view media_type) {
  return std::find(kLayerMediaTypes.begin(), kLayerMediaTypes.end(), media_type) != kLayerMediaTypes.end();
}

std::string manifest_media_type(std::string_view document, std::string_view content_type) {
  std::string_view served = without_parameters(content_type);
  if (is_index_media_type(served) || is_image_manifest_media_type(served) || served == kDockerSchema1 ||
      served == kDockerSchema1Signed) {
    return std::string(served);
  }
  // Registries and files without a precise type ("application/json", "text/plain"): the
  // document says what it is.
  boost::json::value value;
  try {
    value = json::parse(document, "manifest");
  } catch (const Error&) {
    return std::string(served);
  }
  if (!value.is_object()) {
    return std::string(served);
  }
  const auto& doc = value.get_object();
  if (const auto* declared = json::find(doc, "mediaType"); declared != nullptr && declared->is_string()) {
    return std::string(declared->get_string());
  }
  if (const auto* version = json::find(doc, "schemaVersion");
      version != nullptr && version->is_int64() && version->get_int64() == 1) {
    return std::string(kDockerSchema1);
  }
  if (json::find(doc, "manifests") != nullptr) {
    return std::string(media_type::kOciIndex);
  }
  if (json::find(doc, "config") != nullptr || json::find(doc, "layers") != nullptr) {
    return std::string(media_type::kOciManifest);
  }
  return std::string(served);
}

ImageManifest parse_image_manifest(std::string_view document, std::string_view media_type, std::string_view what) {
  if (media_type == kDockerSchema1 || media_type == kDockerSchema1Signed) {
    reject_schema1(what);
  }
  if (!is_image_manifest_media_type(media_type)) {
    throw Error(std::string(what) + ": media type \"" + std::string(media_type) + "\" is not an image manifest (" +
                std::string(media_type::kOciManifest) + " or " + std::string(media_type::kDockerManifest) + ")");
  }
  auto doc = parse_document(document, what);
  check_header(doc, media_type, what);
  ImageManifest manifest{.media_type = std::string(media_type),
                         .config = parse_descriptor(required_member(doc, "config", what), prefixed(what, "config"))};
  if (manifest.config.media_type != media_type::kOciConfig && manifest.config.media_type != media_type::kDockerConfig) {
    throw Error(prefixed(what, "config.mediaType") + ": \"" + manifest.config.media_type +
                "\" is not an image config (" + std::string(media_type::kOciConfig) + " or " +
                std::string(media_type::kDockerConfig) + ")");
  }
  if (manifest.config.size > kMaxConfigBytes) {
    throw Error(prefixed(what, "config.size") + ": " + std::to_string(manifest.config.size) +
                " bytes is larger than the " + std::to_string(kMaxConfigBytes >> 20) + " MiB limit of an image config");
  }
  std::string layers_path = prefixed(what, "layers");
  const auto& layers = json::as_array(required_member(doc, "layers", what), layers_path);
  for (size_t i = 0; i < layers.size(); ++i) {
    std::string path = json::element(layers_path, i);
    Descriptor layer = parse_descriptor(layers[i], path);
    if (!is_layer_media_type(layer.media_type)) {
      throw Error(path + ".mediaType: \"" + layer.media_type +
                  "\" is not a layer media type this can unpack (tar, tar+gzip or tar+zstd)");
    }
    manifest.layers.push_back(std::move(layer));
  }
  return manifest;
}

ImageIndex parse_image_index(std::string_view document, std::string_view media_type, std::string_view what) {
  if (!is_index_media_type(media_type)) {
    throw Error(std::string(what) + ": media type \"" + std::string(media_type) + "\" is not an image index (" +
                std::string(media_type::kOciIndex) + " or " + std::string(media_type::kDockerManifestList) + ")");
  }
  auto doc = parse_document(document, what);
  check_header(doc, media_type, what);
  ImageIndex index;
  index.media_type = std::string(media_type);
  std::string manifests_path = prefixed(what, "manifests");
  const auto& manifests = json::as_array(required_member(doc, "manifests", what), manifests_path);
  for (size_t i = 0; i < manifests.size(); ++i) {
    // Entries of other media types (artifacts, signatures) are kept: the spec says to ignore
    // what is unknown, and select_platform only picks image manifests.
    index.manifests.push_back(parse_descriptor(manifests[i], json::element(manifests_path, i)));
  }
  return index;
}

const Descriptor& select_platform(const ImageIndex& index, const Platform& want, std::string_view what) {
  std::vector<const Descriptor*> candidates;
  for (const auto& desc : index.manifests) {
    if (is_image_manifest_media_type(desc.media_type) && desc.platform && desc.platform->os == want.os &&
        desc.platform->architecture == want.architecture) {
      candidates.push_back(&desc);
    }
  }
  auto with_variant = [&](std::string_view variant) -> const Descriptor* {
    for (const auto* desc : candidates) {
      if (desc->platform->variant == variant) {
        return desc;
      }
    }
    return nullptr;
  };
  if (want.variant.empty() && !candidates.empty()) {
    return *candidates.front();
  }
  if (const auto* exact = with_variant(want.variant)) {
    return *exact;
  }
  // arm64 images rarely name their variant: an arm64 entry without one is v8.
  if (want.architecture == "arm64" && want.variant == "v8") {
    if (const auto* plain = with_variant("")) {
      return *plain;
    }
  }
  // An arm vN machine runs code for older arm variants too; take the newest one offered.
  if (want.architecture == "arm" && want.variant.size() == 2 && want.variant[0] == 'v') {
    for (char v = static_cast<char>(want.variant[1] - 1); v >= '5'; --v) {
      if (const auto* older = with_variant(std::string("v") + v)) {
        return *older;
      }
    }
  }
  std::vector<std::string> offered;
  for (const auto& desc : index.manifests) {
    if (is_image_manifest_media_type(desc.media_type) && desc.platform) {
      std::string text = desc.platform->str();
      if (std::find(offered.begin(), offered.end(), text) == offered.end()) {
        offered.push_back(text);
      }
    }
  }
  std::string list;
  for (const auto& text : offered) {
    list += (list.empty() ? "" : ", ") + text;
  }
  throw Error(std::string(what) + ": no image for platform " + want.str() + "; the index offers " +
              (offered.empty() ? std::string("no platform-specific images") : list));
}

}  // namespace skiff::image

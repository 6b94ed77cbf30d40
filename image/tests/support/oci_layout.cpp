#include "oci_layout.h"

#include <sys/utsname.h>

#include <algorithm>
#include <boost/json.hpp>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/json.h"
#include "skiff/base/subprocess.h"
#include "skiff/image/manifest.h"
#include "test_support.h"

namespace skiff::testing {

namespace {

std::string run_checked(const std::vector<std::string>& args, const std::string& cwd, std::optional<std::string> input,
                        const std::string& what) {
  SubprocessOptions options;
  options.args = args;
  options.cwd = cwd;
  options.input = std::move(input);
  SubprocessResult result = run_subprocess(options);
  if (!result.ok()) {
    throw Error(what + ": " + args[0] + " " + result.describe() + ": " + result.err);
  }
  return result.out;
}

OciBlob write_blob(const std::string& dir, std::string_view data) {
  OciBlob blob{image::Digest::of(data), data.size()};
  write_file(dir + "/blobs/sha256/" + std::string(blob.digest.hex()), data);
  return blob;
}

boost::json::object descriptor(std::string_view media_type, const OciBlob& blob) {
  return {{"mediaType", media_type}, {"digest", blob.digest.str()}, {"size", blob.size}};
}

}  // namespace

std::string host_goarch() {
  utsname name{};
  ::uname(&name);
  std::string machine = name.machine;
  if (machine == "x86_64") {
    return "amd64";
  }
  if (machine == "aarch64") {
    return "arm64";
  }
  return machine;
}

OciLayoutImage make_oci_layout(const std::string& dir, const std::vector<LayerFiles>& layers, const std::string& tag,
                               bool as_index) {
  namespace mt = image::media_type;
  OciLayoutImage image{.dir = dir,
                       .tag = tag,
                       .source = "oci:" + dir + ":" + tag,
                       .manifest = {image::Digest::of(""), 0},
                       .config = {image::Digest::of(""), 0},
                       .layers = {},
                       .diff_ids = {},
                       .index = {image::Digest::of(""), 0}};
  mkdir_all(dir + "/blobs/sha256");
  write_file(dir + "/oci-layout", R"({"imageLayoutVersion":"1.0.0"})");

  boost::json::array layer_descriptors;
  boost::json::array diff_ids;
  for (size_t i = 0; i < layers.size(); ++i) {
    TempDir staging("skiff-layer-");
    for (const auto& [path, content] : layers[i]) {
      std::string full = staging.path() + "/" + path;
      mkdir_all(full.substr(0, full.rfind('/')));
      write_file(full, content);
    }
    std::string what = "layer " + std::to_string(i) + " of " + image.source;
    std::string tar = run_checked({"tar", "--sort=name", "--owner=0", "--group=0", "--numeric-owner", "-cf", "-", "."},
                                  staging.path(), std::nullopt, what);
    std::string gz = run_checked({"gzip", "-n", "-c"}, staging.path(), tar, what);
    image.diff_ids.push_back(image::Digest::of(tar));
    image.layers.push_back(write_blob(dir, gz));
    layer_descriptors.push_back(descriptor(mt::kOciLayerGzip, image.layers.back()));
    diff_ids.emplace_back(image.diff_ids.back().str());
  }

  boost::json::object config{{"architecture", host_goarch()},
                             {"os", "linux"},
                             {"config", {{"Cmd", boost::json::array{"/bin/sh"}}}},
                             {"rootfs", {{"type", "layers"}, {"diff_ids", std::move(diff_ids)}}}};
  image.config = write_blob(dir, boost::json::serialize(config));
  boost::json::object manifest{{"schemaVersion", 2},
                               {"mediaType", mt::kOciManifest},
                               {"config", descriptor(mt::kOciConfig, image.config)},
                               {"layers", std::move(layer_descriptors)}};
  image.manifest = write_blob(dir, boost::json::serialize(manifest));

  boost::json::object entry = descriptor(mt::kOciManifest, image.manifest);
  if (as_index) {
    boost::json::object listed = descriptor(mt::kOciManifest, image.manifest);
    listed["platform"] = {{"os", "linux"}, {"architecture", host_goarch()}};
    boost::json::object index{
        {"schemaVersion", 2}, {"mediaType", mt::kOciIndex}, {"manifests", boost::json::array{std::move(listed)}}};
    image.index = write_blob(dir, boost::json::serialize(index));
    entry = descriptor(mt::kOciIndex, image.index);
  }
  entry["annotations"] = {{"org.opencontainers.image.ref.name", tag}};

  std::string index_path = dir + "/index.json";
  boost::json::object top{{"schemaVersion", 2}, {"manifests", boost::json::array{}}};
  if (path_exists(index_path)) {
    top = json::parse_file(index_path).as_object();
  }
  // A tag made again replaces its earlier entry.
  auto& entries = top["manifests"].as_array();
  auto stale = std::remove_if(entries.begin(), entries.end(), [&](const boost::json::value& e) {
    const auto* annotations = e.as_object().if_contains("annotations");
    const auto* name =
        annotations != nullptr ? annotations->as_object().if_contains("org.opencontainers.image.ref.name") : nullptr;
    return name != nullptr && name->is_string() && name->as_string() == tag;
  });
  entries.erase(stale, entries.end());
  entries.push_back(std::move(entry));
  write_file(index_path, boost::json::serialize(top));
  return image;
}

}  // namespace skiff::testing

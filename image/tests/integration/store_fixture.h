#pragma once

// What the pull, rootfs and run-image tests share: a store in a temp dir, a registries.conf for a
// TestRegistry, and an fsck of the store.

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "skiff/base/file.h"
#include "skiff/image/image_config.h"
#include "skiff/image/pull.h"
#include "skiff/image/registries_config.h"
#include "skiff/image/store.h"
#include "test_registry.h"
#include "test_support.h"

namespace skiff::image::testing {

// registries.conf for registry: plain http unless it runs TLS, then its CA in a certs.d dir.
inline RegistriesConfig registries_for(const skiff::testing::TestRegistry& registry, const std::string& dir,
                                       const std::string& mirror_host = "") {
  auto certs = dir + "/certs.d";
  mkdir_all(certs + "/" + registry.host());
  bool tls = !registry.ca_dir().empty();
  if (tls) {
    write_file(certs + "/" + registry.host() + "/ca.crt", read_file(registry.ca_dir() + "/ca.crt"));
  }
  std::string conf =
      "[[registry]]\nlocation = \"" + registry.host() + "\"\ninsecure = " + (tls ? "false" : "true") + "\n";
  if (!mirror_host.empty()) {
    conf += "[[registry.mirror]]\nlocation = \"" + mirror_host + "\"\ninsecure = true\n";
  }
  write_file(dir + "/registries.conf", conf);
  return RegistriesConfig::load(dir + "/registries.conf", certs);
}

// Checks everything the store promises: each blob hashes to its name, each layer's record
// matches its dir name and its parent's chain id, each image's config, manifest and layers are
// there and its layers are the chain ids of its config's diff ids. Returns the problems found.
inline std::vector<std::string> fsck(const Store& store) {
  std::vector<std::string> problems;
  for (const auto& entry : std::filesystem::directory_iterator(store.root() + "/blobs/sha256")) {
    auto name = entry.path().filename().string();
    if (Digest::of(read_file(entry.path())).hex() != name) {
      problems.push_back("blob " + name + " does not hash to its name");
    }
  }
  for (const auto& entry : std::filesystem::directory_iterator(store.root() + "/layers")) {
    auto name = entry.path().filename().string();
    auto chain = Digest::parse("sha256:" + name, name);
    if (!store.has_layer(chain) || !std::filesystem::is_directory(store.layer_dir(chain))) {
      problems.push_back("layer " + name + " has no layer.json or no diff dir");
      continue;
    }
    auto record = store.layer(chain);
    if (chain_id(record.parent, record.diff_id) != chain) {
      problems.push_back("layer " + name + ": parent and diff id do not give its chain id");
    }
  }
  for (const auto& image : store.images()) {
    try {
      auto config = parse_image_config(store.read_blob(image.id, kMaxConfigBytes), image.id.str());
      (void)store.read_blob(image.manifest, kMaxManifestBytes);
      if (chain_ids(config.diff_ids) != image.layers) {
        problems.push_back("image " + image.short_id() + ": layers are not its config's chain ids");
      }
      for (const auto& layer : image.layers) {
        if (!store.has_layer(layer)) {
          problems.push_back("image " + image.short_id() + ": layer " + layer.str() + " missing");
        }
      }
    } catch (const Error& e) {
      problems.push_back("image " + image.short_id() + ": " + e.what());
    }
  }
  return problems;
}

// A store in a temp dir.
class StoreDir {
 public:
  StoreDir() : dir_("skiff-store-test-"), store_(std::make_unique<Store>(dir_.path() + "/store", false)) {}
  Store& store() { return *store_; }
  [[nodiscard]] std::string path() const { return dir_.path(); }
  [[nodiscard]] std::string root() const { return dir_.path() + "/store"; }

 private:
  skiff::testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

}  // namespace skiff::image::testing

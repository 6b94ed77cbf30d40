// A rootless store for real: pulls into $XDG_DATA_HOME/skiff from inside the user's namespace,
// owners mapped through its subordinate range, overlay metadata in user.* xattrs, device nodes
// refused, and rmi + gc (which only the namespace's root may do) emptying the store.

#include <dirent.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <boost/json.hpp>
#include <filesystem>

#include "layer_test_support.h"
#include "oci_layout.h"
#include "rootless_fixture.h"
#include "skiff/image/manifest.h"
#include "skiff/image/oci_layout.h"
#include "skiff/image/rootfs.h"

namespace skiff::image {
namespace {

using testing::layer_holding;
using testing::owner_of;
using testing::xattr_value;

class RootlessStore : public testing::RootlessImageTest {};

// The names in dir, or the errno name when it cannot be listed.
std::string entries_of(const std::string& dir) {
  std::error_code ec;
  std::string names;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    names += (names.empty() ? "" : " ") + it->path().filename().string();
  }
  return ec ? errno_name(ec.value()) : names;
}

// An OCI layout in dir, tagged latest, of one gzip'ed layer holding the character device
// dev/null (1:3): an image no rootless store can unpack.
void write_device_node_layout(const std::string& dir) {
  namespace mt = media_type;
  std::string tar = testing::TarBuilder().node("dev/null", AE_IFCHR, makedev(1, 3), {.mode = 0666}).finish();
  std::string layer = testing::gzip(tar);
  mkdir_all(dir + "/blobs/sha256");
  auto blob = [&](std::string_view media, const std::string& data) {
    auto digest = Digest::of(data);
    write_file(dir + "/blobs/sha256/" + std::string(digest.hex()), data);
    return boost::json::object{{"mediaType", media}, {"digest", digest.str()}, {"size", data.size()}};
  };
  boost::json::object config{
      {"architecture", skiff::testing::host_goarch()},
      {"os", "linux"},
      {"rootfs", boost::json::object{{"type", "layers"}, {"diff_ids", boost::json::array{Digest::of(tar).str()}}}}};
  boost::json::object manifest{{"schemaVersion", 2},
                               {"mediaType", mt::kOciManifest},
                               {"config", blob(mt::kOciConfig, boost::json::serialize(config))},
                               {"layers", boost::json::array{blob(mt::kOciLayerGzip, layer)}}};
  auto entry = blob(mt::kOciManifest, boost::json::serialize(manifest));
  entry["annotations"] = boost::json::object{{kRefNameAnnotation, "latest"}};
  write_file(dir + "/oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
  write_file(dir + "/index.json", boost::json::serialize(boost::json::object{
                                      {"schemaVersion", 2}, {"manifests", boost::json::array{entry}}}));
}

TEST_F(RootlessStore, PullsIntoTheUsersDataHomeWithOwnersMappedThroughItsRange) {
  auto seen = in_user_namespace([] {
    Store store(Store::default_root(), true);
    auto busybox = pull(busybox_name(), store, pull_options());
    auto layered = pull(layered_name(), store, pull_options());
    std::string out = "rootless " + std::to_string(static_cast<int>(Store::running_rootless())) + "\n";
    out += "root " + store.root() + "\n";
    out += "uid " + std::to_string(::getuid()) + ":" + std::to_string(::getgid()) + "\n";
    out += "bin/busybox " + owner_of(store.layer_dir(busybox.layers.at(0)) + "/bin/busybox") + "\n";
    out += "home/app " + owner_of(store.layer_dir(busybox.layers.at(0)) + "/home/app") + "\n";
    out += "data/owned " + owner_of(layer_holding(store, layered, "data/owned") + "/data/owned") + "\n";
    for (const auto& problem : testing::fsck(store)) {
      out += "fsck: " + problem + "\n";
    }
    return out;
  });
  EXPECT_EQ(seen, "rootless 1\nroot " + store_root() +
                      "\nuid 0:0\nbin/busybox 0:0\nhome/app 1000:1000\ndata/owned 1234:5678\n");

  // From outside: the user's own ids for the image's root, its subordinate ids for the others.
  Store store(store_root(), true);
  auto busybox = store.image(busybox_name());
  auto layered = store.image(layered_name());
  auto own = std::to_string(::getuid()) + ":" + std::to_string(::getgid());
  EXPECT_EQ(owner_of(store.layer_dir(busybox.layers.at(0)) + "/bin/busybox"), own);
  EXPECT_EQ(owner_of(store.layer_dir(busybox.layers.at(0)) + "/home/app"),
            std::to_string(outside_uid(1000)) + ":" + std::to_string(outside_gid(1000)));
  auto owned = std::to_string(outside_uid(1234)) + ":" + std::to_string(outside_gid(5678));
  EXPECT_EQ(owned, std::to_string(maps_.uids[1].outside + 1233) + ":" + std::to_string(maps_.gids[1].outside + 5677));
  EXPECT_EQ(owner_of(layer_holding(store, layered, "data/owned") + "/data/owned"), owned);
  EXPECT_EQ(owner_of(layer_holding(store, layered, "data/owned-dir") + "/data/owned-dir"), owned);
  // A dir a subordinate id owns (0750) is closed to the user outside its namespace.
  EXPECT_EQ(entries_of(layer_holding(store, layered, "data/owned-dir") + "/data/owned-dir"), "EACCES");
  EXPECT_EQ(owner_of(store.blob_path(layered.manifest)), own);
}

TEST_F(RootlessStore, WhiteoutsAreCharacterDevicesAndOpaqueDirsUserXattrs) {
  auto seen = in_user_namespace([] {
    Store store(Store::default_root(), true);
    pull(layered_name(), store, pull_options());
    return std::string("pulled");
  });
  ASSERT_EQ(seen, "pulled");

  Store store(store_root(), true);
  auto layered = store.image(layered_name());
  ASSERT_EQ(layered.layers.size(), 4U);
  // Layer 3 deletes gone.txt, layer 4 makes dir/ opaque (tests/images/build-test-images.sh).
  auto third = store.layer_dir(layered.layers[2]);
  auto fourth = store.layer_dir(layered.layers[3]);
  struct stat st {};
  ASSERT_EQ(::lstat((third + "/data/gone.txt").c_str(), &st), 0) << errno_name(errno);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(0, 0));
  EXPECT_EQ(owner_of(third + "/data/gone.txt"), std::to_string(::getuid()) + ":" + std::to_string(::getgid()));
  EXPECT_EQ(xattr_value(fourth + "/data/dir", "user.overlay.opaque"), "y");
  EXPECT_EQ(entries_of(fourth + "/data/dir"), "c");
  EXPECT_EQ(xattr_value(third + "/data", "user.overlay.opaque"), "ENODATA");
  // No whiteout made of a .wh. file is left as a plain file.
  EXPECT_EQ(owner_of(third + "/data/.wh.gone.txt"), "ENOENT");
  EXPECT_EQ(owner_of(fourth + "/data/dir/.wh..wh..opq"), "ENOENT");
}

TEST_F(RootlessStore, AnImageWithADeviceNodeIsRefusedWithAClearError) {
  skiff::testing::TempDir layout("skiff-devnode-");
  write_device_node_layout(layout.path());
  registry().push("oci:" + layout.path() + ":latest", "test/devnode:latest");
  auto name = registry_host() + "/test/devnode:latest";

  auto seen = in_user_namespace([&] {
    Store store(Store::default_root(), true);
    try {
      pull(name, store, pull_options());
      return std::string("pulled");
    } catch (const Error& e) {
      std::string out = e.what();
      out += store.find_image(name) ? "\nstored" : "\nnot stored";
      out += store.layers().empty() ? "\nno layers" : "\nlayers";
      return out;
    }
  });
  EXPECT_NE(seen.find(name), std::string::npos) << seen;
  EXPECT_NE(seen.find("entry dev/null: a device node (1:3) cannot be created rootless"), std::string::npos) << seen;
  EXPECT_NE(seen.find("\nnot stored\nno layers"), std::string::npos) << seen;
}

TEST_F(RootlessStore, RmiAndGcInsideTheNamespaceLeaveAnEmptyStore) {
  auto seen = in_user_namespace([] {
    Store store(Store::default_root(), true);
    pull(busybox_name(), store, pull_options());
    pull(layered_name(), store, pull_options());
    auto rootfs = Rootfs::create(store, "c1", layered_name());
    rootfs.mount();
    std::string out = "mounted " + std::to_string(static_cast<int>(rootfs.mounted())) + "\n";
    rootfs.remove();
    out += "rmi busybox " +
           std::to_string(static_cast<int>(store.remove_image(busybox_name(), false).removed.has_value()));
    out += "\nrmi layered " +
           std::to_string(static_cast<int>(store.remove_image(layered_name(), false).removed.has_value()));
    auto gc = store.gc();
    out += "\ngc layers " + std::to_string(gc.layers) + "\n";
    return out;
  });
  // busybox's layer is layered's bottom layer: four layers in all.
  EXPECT_EQ(seen, "mounted 1\nrmi busybox 1\nrmi layered 1\ngc layers 4\n");

  Store store(store_root(), true);
  EXPECT_TRUE(store.images().empty());
  EXPECT_TRUE(store.layers().empty());
  EXPECT_TRUE(store.containers().empty());
  for (const char* dir : {"/blobs/sha256", "/layers", "/containers", "/tmp"}) {
    EXPECT_EQ(entries_of(store_root() + dir), "") << dir;
  }
}

}  // namespace
}  // namespace skiff::image

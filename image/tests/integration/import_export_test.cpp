// Import and export of OCI layouts, OCI archives and docker archives, against the test images
// (tests/images/build-test-images.sh) and against what skopeo and podman read and write.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include <boost/json.hpp>
#include <filesystem>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/json.h"
#include "skiff/base/strings.h"
#include "skiff/base/subprocess.h"
#include "skiff/image/docker_archive.h"
#include "skiff/image/oci_layout.h"
#include "skiff/image/store.h"
#include "test_images.h"
#include "test_support.h"

namespace skiff::image {
namespace {

using testing::TempDir;
using testing::test_image_layout;

std::string run_ok(const std::vector<std::string>& args) {
  SubprocessOptions options;
  options.args = args;
  options.timeout = std::chrono::minutes(5);
  SubprocessResult result = run_subprocess(options);
  if (!result.ok()) {
    throw Error(args[0] + " " + args[1] + ": " + result.describe() + ": " + result.err);
  }
  return result.out;
}

std::string skopeo(std::vector<std::string> args) {
  args.insert(args.begin(), {"skopeo", "--insecure-policy"});
  return run_ok(args);
}

// podman with a store of its own (vfs: no mounts to clean up), so the host's stays untouched.
class Podman {
 public:
  std::string run(std::vector<std::string> args) const {
    args.insert(args.begin(),
                {"podman", "--root", dir_.path() + "/root", "--runroot", dir_.path() + "/runroot", "--tmpdir",
                 dir_.path() + "/tmp", "--storage-driver", "vfs", "--events-backend", "none"});
    return run_ok(args);
  }

 private:
  TempDir dir_{"skiff-podman-"};
};

// The manifest digest a layout's index.json tags latest.
std::string layout_manifest_digest(const std::string& layout) {
  auto index = json::parse_file(layout + "/index.json");
  return std::string(index.at("manifests").at(0).at("digest").as_string());
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "no error";
}

std::vector<Digest> diff_ids(const Store& store, const ImageRecord& image) {
  std::vector<Digest> out;
  for (const Digest& chain_id : image.layers) {
    out.push_back(store.layer(chain_id).diff_id);
  }
  return out;
}

std::string xattr_of(const std::string& path, const std::string& name) {
  std::string value(256, '\0');
  ssize_t n = ::lgetxattr(path.c_str(), name.c_str(), value.data(), value.size());
  return n < 0 ? "<none>" : value.substr(0, static_cast<size_t>(n));
}

class ImportExportTest : public ::testing::Test {
 protected:
  TempDir dir_{"skiff-import-export-"};
  Store store_{dir_.path() + "/store", false};

  ImageRecord import_test_image(const std::string& name, const std::string& as) {
    return import_oci_layout(store_, test_image_layout(name), {.names = {as}});
  }
};

TEST_F(ImportExportTest, ImportsALayoutWithEveryKindOfLayerEntry) {
  ImageRecord image = import_test_image("layered", "skiff.test/layered:1");
  EXPECT_EQ(image.names, std::vector<std::string>{"skiff.test/layered:1"});
  EXPECT_EQ(image.manifest.str(), layout_manifest_digest(test_image_layout("layered")));
  ASSERT_EQ(image.layers.size(), 4U);
  EXPECT_EQ(store_.image("skiff.test/layered:1").id, image.id);

  std::string files = store_.layer_dir(image.layers[1]) + "/data";
  EXPECT_EQ(read_file(files + "/keep.txt"), "kept\n");
  EXPECT_EQ(xattr_of(files + "/keep.txt", "user.skiff"), "layered");
  struct stat hard1 {};
  struct stat hard2 {};
  struct stat setuid {};
  struct stat owned {};
  ASSERT_EQ(::lstat((files + "/hard1").c_str(), &hard1), 0);
  ASSERT_EQ(::lstat((files + "/hard2").c_str(), &hard2), 0);
  EXPECT_EQ(hard1.st_ino, hard2.st_ino);
  ASSERT_EQ(::lstat((files + "/setuid").c_str(), &setuid), 0);
  EXPECT_EQ(setuid.st_mode & 07777, 04755U);
  ASSERT_EQ(::lstat((files + "/owned").c_str(), &owned), 0);
  EXPECT_EQ(owned.st_uid, 1234U);
  EXPECT_EQ(owned.st_gid, 5678U);
  EXPECT_EQ(std::filesystem::read_symlink(files + "/link"), "keep.txt");

  // Layer 3 deletes gone.txt: an overlay whiteout, a 0/0 character device.
  struct stat gone {};
  ASSERT_EQ(::lstat((store_.layer_dir(image.layers[2]) + "/data/gone.txt").c_str(), &gone), 0);
  EXPECT_TRUE(S_ISCHR(gone.st_mode));
  EXPECT_EQ(gone.st_rdev, 0U);
  // Layer 4 makes dir/ opaque.
  std::string opaque = store_.layer_dir(image.layers[3]) + "/data/dir";
  EXPECT_EQ(xattr_of(opaque, "trusted.overlay.opaque"), "y");
  EXPECT_EQ(read_file(opaque + "/c"), "opaque\n");
}

TEST_F(ImportExportTest, ImportPicksThePlatformFromAnIndex) {
  ImportOptions host{.names = {"skiff.test/multi:host"}};
  ImageRecord picked = import_oci_layout(store_, test_image_layout("multiarch"), host);
  std::string marker = store_.layer_dir(picked.layers.back()) + "/etc/skiff-platform";
  EXPECT_EQ(read_file(marker), "linux/" + Platform::host().architecture + "\n");

  ImportOptions arm{.platform = Platform::parse("linux/arm64"), .names = {"skiff.test/multi:arm"}};
  ImageRecord arm64 = import_oci_layout(store_, test_image_layout("multiarch"), arm);
  EXPECT_EQ(read_file(store_.layer_dir(arm64.layers.back()) + "/etc/skiff-platform"), "linux/arm64\n");
  // The busybox layer below is shared.
  EXPECT_EQ(arm64.layers.front(), picked.layers.front());

  std::string error = error_of(
      [&] { import_oci_layout(store_, test_image_layout("multiarch"), {.platform = Platform::parse("linux/s390x")}); });
  EXPECT_NE(error.find("linux/arm64"), std::string::npos) << error;
}

TEST_F(ImportExportTest, ImportsZstdLayers) {
  ImageRecord image = import_test_image("zstd", "skiff.test/zstd:1");
  ASSERT_EQ(image.layers.size(), 1U);
  EXPECT_EQ(store_.layer(image.layers[0]).media_type, media_type::kOciLayerZstd);
  EXPECT_TRUE(path_exists(store_.layer_dir(image.layers[0]) + "/bin/busybox"));
  // The same files as the gzip'ed busybox: the same diff id.
  ImageRecord gzip = import_test_image("busybox", "skiff.test/busybox:1");
  EXPECT_EQ(diff_ids(store_, image), diff_ids(store_, gzip));
}

TEST_F(ImportExportTest, ImportNamesTheImageItIsAskedFor) {
  std::string error = error_of([&] { import_oci_layout(store_, test_image_layout("busybox"), {.ref_name = "v9"}); });
  EXPECT_NE(error.find("no image named v9 (it has: latest)"), std::string::npos) << error;
  // Without names the ref name "latest" is a tag, not a name: the image is stored unnamed.
  ImageRecord image = import_oci_layout(store_, test_image_layout("busybox"), {.ref_name = "latest"});
  EXPECT_TRUE(image.names.empty());
  EXPECT_EQ(store_.image(image.id.str()).id, image.id);
}

TEST_F(ImportExportTest, ACorruptBlobFailsTheImportAndStoresNothing) {
  std::string layout = dir_.path() + "/corrupt";
  std::filesystem::copy(test_image_layout("busybox"), layout, std::filesystem::copy_options::recursive);
  auto index = json::parse_file(layout + "/index.json");
  std::string manifest_digest(index.at("manifests").at(0).at("digest").as_string());
  auto manifest = json::parse_file(layout + "/blobs/sha256/" + manifest_digest.substr(7));
  std::string layer(manifest.at("layers").at(0).at("digest").as_string());
  std::string blob_path = layout + "/blobs/sha256/" + layer.substr(7);
  std::string blob = read_file(blob_path);
  blob[blob.size() / 2] = static_cast<char>(blob[blob.size() / 2] ^ 0x55);
  write_file(blob_path, blob);

  std::string error = error_of([&] { import_oci_layout(store_, layout, {.names = {"skiff.test/corrupt:1"}}); });
  EXPECT_NE(error.find(layer), std::string::npos) << error;
  EXPECT_TRUE(store_.images().empty());
  EXPECT_FALSE(store_.has_blob(Digest::parse(layer, "layer")));
}

TEST_F(ImportExportTest, ExportedLayoutKeepsTheManifestAndSkopeoReadsIt) {
  ImageRecord image = import_test_image("layered", "skiff.test/layered:1");
  std::string layout = dir_.path() + "/exported";
  export_oci_layout(store_, "skiff.test/layered:1", layout, "");
  export_oci_layout(store_, image.id.str(), layout, "second");
  auto index = json::parse_file(layout + "/index.json");
  ASSERT_EQ(index.at("manifests").as_array().size(), 2U);
  EXPECT_EQ(index.at("manifests").at(0).at("annotations").at(std::string(kRefNameAnnotation)).as_string(),
            "skiff.test/layered:1");
  EXPECT_EQ(layout_manifest_digest(layout), image.manifest.str());

  // skopeo copies it whole (it verifies every blob).
  std::string copy = dir_.path() + "/copy";
  skopeo({"copy", "--quiet", "oci:" + layout + ":second", "oci:" + copy + ":x"});
  EXPECT_NE(skopeo({"inspect", "--config", "--raw", "oci:" + copy + ":x"}).find("layered"), std::string::npos);

  // And it imports back into another store as the same image.
  Store other(dir_.path() + "/other", false);
  ImageRecord again = import_oci_layout(other, layout, {.ref_name = "skiff.test/layered:1"});
  EXPECT_EQ(again.id, image.id);
  EXPECT_EQ(again.names, std::vector<std::string>{"skiff.test/layered:1"});
  EXPECT_EQ(again.layers, image.layers);
}

TEST_F(ImportExportTest, OciArchiveLoadsInPodmanAndSkopeo) {
  ImageRecord image = import_test_image("layered", "skiff.test/layered:1");
  std::string archive = dir_.path() + "/layered.oci.tar";
  export_oci_archive(store_, "skiff.test/layered:1", archive, "skiff.test/layered:1");

  std::string digest = skopeo({"inspect", "--format", "{{.Digest}}", "oci-archive:" + archive});
  EXPECT_EQ(std::string(trim(digest)), image.manifest.str());

  Podman podman;
  podman.run({"load", "--quiet", "-i", archive});
  std::string id = podman.run({"image", "inspect", "--format", "{{.Id}}", "skiff.test/layered:1"});
  EXPECT_EQ(std::string(trim(id)), image.id.hex());

  Store other(dir_.path() + "/other", false);
  EXPECT_EQ(import_oci_archive(other, archive, {}).id, image.id);
}

TEST_F(ImportExportTest, DockerArchiveLoadsInPodmanAndSkopeo) {
  ImageRecord image = import_test_image("layered", "skiff.test/layered:1");
  std::string archive = dir_.path() + "/layered.docker.tar";
  export_docker_archive(store_, "skiff.test/layered:1", archive);

  auto config = json::parse(skopeo({"inspect", "--config", "--raw", "docker-archive:" + archive}), "config");
  std::vector<std::string> expected;
  for (const Digest& d : diff_ids(store_, image)) {
    expected.push_back(d.str());
  }
  EXPECT_EQ(json::as_string_array(config.at("rootfs").at("diff_ids"), "diff_ids"), expected);

  Podman podman;
  std::string loaded = podman.run({"load", "-i", archive});
  EXPECT_NE(loaded.find("skiff.test/layered:1"), std::string::npos) << loaded;
  std::string id = podman.run({"image", "inspect", "--format", "{{.Id}}", "skiff.test/layered:1"});
  EXPECT_EQ(std::string(trim(id)), image.id.hex());

  // And back: the same config, the same layers.
  Store other(dir_.path() + "/other", false);
  ImageRecord again = import_docker_archive(other, archive, {});
  EXPECT_EQ(again.id, image.id);
  EXPECT_EQ(again.layers, image.layers);
  EXPECT_EQ(again.names, std::vector<std::string>{"skiff.test/layered:1"});
}

TEST_F(ImportExportTest, ImportsWhatSkopeoAndPodmanSave) {
  ImageRecord original = import_test_image("layered", "skiff.test/layered:1");

  std::string from_skopeo = dir_.path() + "/skopeo.docker.tar";
  skopeo({"copy", "--quiet", testing::test_image_source("layered"),
          "docker-archive:" + from_skopeo + ":skiff.test/from-skopeo:1"});
  ImageRecord skopeo_image = import_docker_archive(store_, from_skopeo, {});
  // skopeo keeps the config: the same image, which gains the archive's name.
  EXPECT_EQ(skopeo_image.id, original.id);
  EXPECT_EQ(skopeo_image.names, (std::vector<std::string>{"skiff.test/layered:1", "skiff.test/from-skopeo:1"}));
  EXPECT_EQ(skopeo_image.layers, original.layers);

  Podman podman;
  std::string pulled(trim(podman.run({"pull", "--quiet", testing::test_image_source("layered")})));
  podman.run({"tag", pulled, "skiff.test/from-podman:1"});
  for (std::string format : {"docker-archive", "oci-archive"}) {
    std::string archive = dir_.path() + "/podman." + format + ".tar";
    podman.run({"save", "--quiet", "--format", format, "-o", archive, "skiff.test/from-podman:1"});
    Store other(dir_.path() + "/store-" + format, false);
    ImageRecord image = format == "docker-archive"
                            ? import_docker_archive(other, archive, {})
                            : import_oci_archive(other, archive, {.names = {"skiff.test/from-podman:1"}});
    EXPECT_EQ(image.layers, original.layers) << format;
    EXPECT_EQ(image.names, std::vector<std::string>{"skiff.test/from-podman:1"}) << format;
    EXPECT_EQ(read_file(other.layer_dir(image.layers[3]) + "/data/dir/c"), "opaque\n") << format;
  }
}

TEST_F(ImportExportTest, AFailedExportLeavesNoArchive) {
  std::string out = dir_.path() + "/out";
  mkdir_all(out);
  std::string error = error_of([&] { export_docker_archive(store_, "skiff.test/none:1", out + "/x.tar"); });
  EXPECT_NE(error.find("skiff.test/none:1"), std::string::npos) << error;

  // A stored layer blob cut short (the store verified it once, a disk error later): the export
  // stops at it and removes its partial archive.
  ImageRecord image = import_test_image("busybox", "skiff.test/busybox:1");
  LayerRecord layer = store_.layer(image.layers[0]);
  std::string blob = read_file(store_.blob_path(layer.blob));
  write_file(store_.blob_path(layer.blob), blob.substr(0, blob.size() / 2));
  error = error_of([&] { export_docker_archive(store_, "skiff.test/busybox:1", out + "/busybox.tar"); });
  EXPECT_NE(error.find("layer blob " + layer.blob.str()), std::string::npos) << error;
  EXPECT_TRUE(std::filesystem::is_empty(out)) << error;
}

TEST_F(ImportExportTest, ArchiveMembersThatClimbOutAreRefused) {
  std::string archive = dir_.path() + "/evil.tar";
  run_ok({"python3", "-c",
          "import io, sys, tarfile\n"
          "with tarfile.open(sys.argv[1], 'w') as t:\n"
          "  i = tarfile.TarInfo('../evil'); i.size = 1\n"
          "  t.addfile(i, io.BytesIO(b'x'))\n",
          archive});
  std::string error = error_of([&] { import_docker_archive(store_, archive, {}); });
  EXPECT_NE(error.find("../evil climbs out of the archive"), std::string::npos) << error;
  EXPECT_FALSE(path_exists(store_.root() + "/tmp/evil"));
  EXPECT_FALSE(path_exists(store_.root() + "/evil"));
}

}  // namespace
}  // namespace skiff::image

#include "skiff/image/rootfs.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <filesystem>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "store_fixture.h"
#include "test_images.h"
#include "test_registry.h"

namespace skiff::image {
namespace {

using skiff::testing::TestRegistry;
using testing::registries_for;
using testing::StoreDir;

// Removes the rootfs when a test fails midway.
struct RootfsGuard {
  const Rootfs& rootfs;
  ~RootfsGuard() {
    try {
      rootfs.remove();
    } catch (const Error&) {
    }
  }
};

class RootfsTest : public ::testing::TestWithParam<OverlayApi> {
 protected:
  static void SetUpTestSuite() {
    registry_ = new TestRegistry();
    skiff::testing::push_test_image(*registry_, "layered", "library/layered:latest");
  }
  static void TearDownTestSuite() {
    delete registry_;
    registry_ = nullptr;
  }
  ImageRecord pull_layered() {
    PullOptions options;
    options.registries = registries_for(*registry_, dir_.path());
    return pull(registry_->host() + "/library/layered", dir_.store(), options);
  }

  static TestRegistry* registry_;
  StoreDir dir_;
};

TestRegistry* RootfsTest::registry_ = nullptr;

TEST_P(RootfsTest, MountsTheMergedImage) {
  auto image = pull_layered();
  auto rootfs = Rootfs::create(dir_.store(), "c1", image.short_id());
  RootfsGuard guard{rootfs};
  EXPECT_FALSE(rootfs.mounted());
  rootfs.mount(GetParam());
  ASSERT_TRUE(rootfs.mounted());
  auto merged = rootfs.merged();
  EXPECT_TRUE(std::filesystem::is_regular_file(merged + "/bin/busybox"));
  EXPECT_EQ(read_file(merged + "/data/keep.txt"), "kept\n");
  EXPECT_EQ(read_file(merged + "/data/added.txt"), "layer 3\n");
  // A whiteout hides gone.txt; the opaque dir hides a and b.
  EXPECT_FALSE(path_exists(merged + "/data/gone.txt"));
  EXPECT_FALSE(path_exists(merged + "/data/dir/a"));
  EXPECT_FALSE(path_exists(merged + "/data/dir/b"));
  EXPECT_EQ(read_file(merged + "/data/dir/c"), "opaque\n");
  struct stat st {};
  ASSERT_EQ(::stat((merged + "/data/owned").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 1234U);
  EXPECT_EQ(st.st_gid, 5678U);

  // Writes land in upper; the layers stay untouched.
  write_file(merged + "/data/new.txt", "new\n");
  ASSERT_EQ(::unlink((merged + "/data/keep.txt").c_str()), 0);
  EXPECT_EQ(read_file(rootfs.upper() + "/data/new.txt"), "new\n");
  ASSERT_EQ(::lstat((rootfs.upper() + "/data/keep.txt").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) << "no whiteout in upper";
  EXPECT_EQ(read_file(dir_.store().layer_dir(image.layers.back()) + "/../diff/data/dir/c"), "opaque\n");

  // In use: rmi refuses, gc keeps the layers.
  EXPECT_THROW(dir_.store().remove_image(image.id.str(), false), Error);
  EXPECT_EQ(dir_.store().gc().layers, 0U);
  EXPECT_THROW(Rootfs::create(dir_.store(), "c1", image.short_id()), Error);
  EXPECT_EQ(Rootfs::open(dir_.store(), "c1").record().image, image.id);

  rootfs.unmount();
  EXPECT_FALSE(rootfs.mounted());
  rootfs.mount(GetParam());
  EXPECT_EQ(read_file(merged + "/data/new.txt"), "new\n");
  rootfs.remove();
  EXPECT_FALSE(path_exists(rootfs.dir()));
  EXPECT_TRUE(dir_.store().containers().empty());
  dir_.store().remove_image(image.id.str(), false);
  dir_.store().gc();
  EXPECT_TRUE(dir_.store().layers().empty());
}

TEST_P(RootfsTest, AnUnknownImageRegistersNothing) {
  EXPECT_THROW(Rootfs::create(dir_.store(), "c2", "nothing:here"), Error);
  EXPECT_TRUE(dir_.store().containers().empty());
  EXPECT_THROW(Rootfs::open(dir_.store(), "c2"), Error);
}

INSTANTIATE_TEST_SUITE_P(Apis, RootfsTest, ::testing::Values(OverlayApi::automatic, OverlayApi::legacy),
                         [](const auto& info) {
                           return info.param == OverlayApi::automatic ? std::string("Fsconfig") : std::string("Legacy");
                         });

}  // namespace
}  // namespace skiff::image

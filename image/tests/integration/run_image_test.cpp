#include <fcntl.h>
#include <gtest/gtest.h>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/json.h"
#include "skiff/image/image_config.h"
#include "skiff/image/rootfs.h"
#include "skiff/image/runtime_spec_from_image.h"
#include "store_fixture.h"
#include "test_images.h"
#include "test_registry.h"
#include "test_support.h"

namespace skiff::image {
namespace {

using testing::registries_for;
using testing::StoreDir;

TEST(RunImage, AContainerRunsItsImagesEntrypointWithItsEnvUserAndWorkdir) {
  skiff::testing::TestRegistry registry;
  skiff::testing::push_test_image(registry, "busybox", "library/busybox:latest");
  StoreDir dir;
  PullOptions options;
  options.registries = registries_for(registry, dir.path());
  auto image = pull(registry.host() + "/library/busybox", dir.store(), options);

  auto rootfs = Rootfs::create(dir.store(), skiff::testing::unique_id("run"), image.short_id());
  struct Cleanup {
    const Rootfs& rootfs;
    ~Cleanup() {
      try {
        rootfs.remove();
      } catch (const Error&) {
      }
    }
  } cleanup{rootfs};
  rootfs.mount();

  skiff::testing::Runtime runtime;
  skiff::testing::Bundle bundle;
  auto config = parse_image_config(dir.store().read_blob(image.id, kMaxConfigBytes), image.id.str());
  UniqueFd rootfs_fd(::open(rootfs.merged().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  ASSERT_TRUE(rootfs_fd);
  apply_image_config(bundle.config(), config, {}, rootfs_fd.get());
  bundle.config()["root"].as_object()["path"] = rootfs.merged();
  bundle.save();

  auto id = skiff::testing::unique_id("img");
  auto result = runtime.run({"run", "--bundle", bundle.path(), id});
  EXPECT_EQ(result.code, 0) << result.err;
  // The image's Cmd under its Entrypoint, as user app in /home/app with its Env.
  EXPECT_EQ(result.out, "app\n/home/app\nbusybox\n") << result.err;
}

}  // namespace
}  // namespace skiff::image

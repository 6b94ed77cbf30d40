#include <gtest/gtest.h>

#include "oci_layout.h"
#include "skiff/base/file.h"
#include "test_registry.h"
#include "test_support.h"

namespace skiff::image {
namespace {

using testing::make_oci_layout;
using testing::RegistryAuth;
using testing::TestRegistry;
using testing::TestRegistryOptions;

TEST(RegistryFixture, PushesInEveryMode) {
  testing::TempDir layout("skiff-layout-");
  auto image = make_oci_layout(layout.path(), {{{"etc/hello", "hello\n"}}}, "v1");
  for (auto options :
       {TestRegistryOptions{}, TestRegistryOptions{.tls = true}, TestRegistryOptions{.auth = RegistryAuth::kHtpasswd},
        TestRegistryOptions{.tls = true, .auth = RegistryAuth::kToken}}) {
    TestRegistry registry(options);
    registry.push(image.source, "library/hello:v1");
    EXPECT_TRUE(path_exists(registry.blob_path(image.layers[0].digest))) << registry.host();
    EXPECT_EQ(read_file(registry.blob_path(image.config.digest)).size(), image.config.size);
    if (options.auth == RegistryAuth::kToken) {
      EXPECT_GT(registry.token_issuer()->issued(), 0);
    }
  }
}

}  // namespace
}  // namespace skiff::image

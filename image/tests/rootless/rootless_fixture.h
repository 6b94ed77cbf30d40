#pragma once

// What the rootless image tests share. They run as the unprivileged user skiff-rootless
// (tests/rootless/run-as-user.sh) and do their work as podman rootless does: in a child that is
// root of the user's namespace (its uid is 0, its /etc/subuid and /etc/subgid ranges 1..),
// against a store in a temporary $XDG_DATA_HOME, pulling from a docker-registry this user starts
// on loopback. The child returns what it saw as text; the checks run here, in the test process.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/image/pull.h"
#include "skiff/image/rootless_userns.h"
#include "skiff/image/store.h"
#include "store_fixture.h"
#include "test_images.h"
#include "test_registry.h"
#include "test_support.h"

namespace skiff::image::testing {

// "uid:gid" of path (not following a symlink), or the errno name when lstat fails.
inline std::string owner_of(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) < 0) {
    return errno_name(errno);
  }
  return std::to_string(st.st_uid) + ":" + std::to_string(st.st_gid);
}

// The value of xattr name on path, or the errno name when there is none.
inline std::string xattr_value(const std::string& path, const std::string& name) {
  std::array<char, 256> buffer{};
  ssize_t n = ::lgetxattr(path.c_str(), name.c_str(), buffer.data(), buffer.size());
  if (n < 0) {
    return errno_name(errno);
  }
  return {buffer.data(), static_cast<size_t>(n)};
}

// The first of image's layer dirs (top first, as overlay stacks them) holding path.
inline std::string layer_holding(const Store& store, const ImageRecord& image, const std::string& path) {
  for (auto it = image.layers.rbegin(); it != image.layers.rend(); ++it) {
    struct stat st {};
    if (::lstat((store.layer_dir(*it) + "/" + path).c_str(), &st) == 0) {
      return store.layer_dir(*it);
    }
  }
  return "<no layer of " + image.id.str() + " holds " + path + ">";
}

class RootlessImageTest : public ::testing::Test {
 protected:
  // One registry for the suite, holding busybox and layered, started by this (unprivileged) user.
  static void SetUpTestSuite() {
    if (::geteuid() == 0) {
      return;
    }
    suite_registry = std::make_unique<skiff::testing::TestRegistry>();
    skiff::testing::push_test_image(*suite_registry, "busybox", "library/busybox:latest");
    skiff::testing::push_test_image(*suite_registry, "layered", "test/layered:latest");
    suite_config_dir = std::make_unique<skiff::testing::TempDir>("skiff-registries-");
    suite_registries = registries_for(*suite_registry, suite_config_dir->path());
  }
  static void TearDownTestSuite() {
    suite_registry.reset();
    suite_config_dir.reset();
  }

  void SetUp() override {
    if (::geteuid() == 0) {
      GTEST_SKIP() << "rootless tests run as an unprivileged user with a subuid range (ctest runs them through "
                      "tests/rootless/run-as-user.sh)";
    }
    maps_ = rootless_maps_for_caller();
    ASSERT_GE(maps_.uids.at(1).size, 65536U) << "the test user's /etc/subuid range is too small for test images";
    data_home_ = std::make_unique<skiff::testing::TempDir>("skiff-xdg-data-");
    ::setenv("XDG_DATA_HOME", data_home_->path().c_str(), 1);
  }

  // Files the user's subordinate ids own can be removed only from inside its namespace, where
  // it has CAP_DAC_OVERRIDE over them.
  void TearDown() override {
    if (data_home_) {
      auto dir = data_home_->path() + "/skiff";
      run_in_user_namespace(maps_, [&] {
        remove_all(dir);
        return std::string();
      });
      data_home_.reset();
    }
    ::unsetenv("XDG_DATA_HOME");
  }

  [[nodiscard]] static std::string registry_host() { return suite_registry->host(); }
  [[nodiscard]] static std::string busybox_name() { return registry_host() + "/library/busybox:latest"; }
  [[nodiscard]] static std::string layered_name() { return registry_host() + "/test/layered:latest"; }
  [[nodiscard]] static PullOptions pull_options() {
    PullOptions options;
    options.registries = suite_registries;
    return options;
  }
  [[nodiscard]] std::string store_root() const { return data_home_->path() + "/skiff"; }
  [[nodiscard]] uint32_t outside_uid(uint32_t inside) const { return outside_id(maps_.uids, inside).value(); }
  [[nodiscard]] uint32_t outside_gid(uint32_t inside) const { return outside_id(maps_.gids, inside).value(); }

  // Runs fn as root of the user's namespace (in its own mount namespace); returns what it returned.
  [[nodiscard]] std::string in_user_namespace(const std::function<std::string()>& fn) const {
    return run_in_user_namespace(maps_, fn);
  }

  [[nodiscard]] static const skiff::testing::TestRegistry& registry() { return *suite_registry; }

  UserNamespaceMaps maps_;
  std::unique_ptr<skiff::testing::TempDir> data_home_;

 private:
  inline static std::unique_ptr<skiff::testing::TestRegistry> suite_registry;
  inline static std::unique_ptr<skiff::testing::TempDir> suite_config_dir;
  inline static RegistriesConfig suite_registries;
};

}  // namespace skiff::image::testing

// Named volumes on disk (volumes.h): what `skiff volume` and `-v name:/dest` rely on.

#include "skiff/pod/volumes.h"

#include <gtest/gtest.h>

#include <cerrno>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "test_support.h"

namespace skiff::pod {
namespace {

int error_code_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.code();
  }
  return 0;
}

class VolumeStoreTest : public ::testing::Test {
 protected:
  ::skiff::testing::TempDir root_{"skiff-volumes-test-"};
  VolumeStore volumes_{root_.path()};
};

TEST_F(VolumeStoreTest, CreateInspectListRemove) {
  VolumeInfo made = volumes_.create("data", {{"app", "web"}});
  EXPECT_EQ(made.name, "data");
  EXPECT_EQ(made.mountpoint, root_.path() + "/volumes/data/_data");
  EXPECT_TRUE(path_exists(made.mountpoint));
  write_file(made.mountpoint + "/kept", "x");

  VolumeInfo read = volumes_.info("data");
  EXPECT_EQ(read.created, made.created);
  EXPECT_EQ(read.labels, (std::map<std::string, std::string>{{"app", "web"}}));
  volumes_.create("other", {});
  auto all = volumes_.list();
  ASSERT_EQ(all.size(), 2U);
  EXPECT_EQ(all[0].name, "data");
  EXPECT_EQ(all[1].name, "other");

  volumes_.remove("data");
  EXPECT_FALSE(path_exists(root_.path() + "/volumes/data"));
  EXPECT_EQ(volumes_.list().size(), 1U);
  EXPECT_EQ(error_code_of([&] { (void)volumes_.info("data"); }), ENOENT);
  EXPECT_EQ(error_code_of([&] { volumes_.remove("data"); }), ENOENT);
}

TEST_F(VolumeStoreTest, ANameInUseOrInvalidIsRefusedAndLeavesNothing) {
  volumes_.create("data", {});
  try {
    volumes_.create("data", {});
    FAIL() << "a second volume named data was made";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), EEXIST);
    EXPECT_EQ(std::string(e.what()).rfind("volume with name data already exists", 0), 0U) << e.what();
  }
  for (const char* bad : {"-x", "a/b", "../up", ".hidden", "a b"}) {
    EXPECT_EQ(error_code_of([&] { volumes_.create(bad, {}); }), EINVAL) << bad;
    EXPECT_EQ(error_code_of([&] { (void)volumes_.ensure(bad); }), EINVAL) << bad;
  }
  // Only the one volume: no staging dir or half-made volume is left or listed.
  ASSERT_EQ(volumes_.list().size(), 1U);
  EXPECT_FALSE(path_exists(root_.path() + "/up"));
}

TEST_F(VolumeStoreTest, EnsureMakesAVolumeOnFirstUseOnly) {
  std::string mountpoint = volumes_.ensure("cache");
  EXPECT_EQ(mountpoint, root_.path() + "/volumes/cache/_data");
  write_file(mountpoint + "/kept", "x");
  EXPECT_EQ(volumes_.ensure("cache"), mountpoint);
  EXPECT_EQ(read_file(mountpoint + "/kept"), "x");
  EXPECT_EQ(volumes_.info("cache").labels.size(), 0U);
}

TEST_F(VolumeStoreTest, AnUnnamedVolumeGetsARandomHexName) {
  VolumeInfo a = volumes_.create("", {});
  VolumeInfo b = volumes_.create("", {});
  EXPECT_EQ(a.name.size(), 64U);
  EXPECT_EQ(a.name.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(a.name, b.name);
}

TEST_F(VolumeStoreTest, AVolumeWithoutMetadataIsStillListed) {
  // A volume dir made before volume.json existed (only _data).
  mkdir_all(root_.path() + "/volumes/old/_data");
  auto all = volumes_.list();
  ASSERT_EQ(all.size(), 1U);
  EXPECT_EQ(all[0].name, "old");
  EXPECT_FALSE(all[0].created.empty());
}

}  // namespace
}  // namespace skiff::pod

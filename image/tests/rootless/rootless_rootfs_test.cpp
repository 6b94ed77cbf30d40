// A rootless container rootfs: the overlay of a rootless store's layers mounted with userxattr
// by the root of the user's namespace, in a mount namespace that namespace owns.

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <vector>

#include "rootless_fixture.h"
#include "skiff/base/strings.h"
#include "skiff/image/rootfs.h"

namespace skiff::image {
namespace {

using testing::owner_of;
using testing::xattr_value;

// The sorted names in dir.
std::string sorted_entries(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    names.push_back(entry.path().filename());
  }
  std::sort(names.begin(), names.end());
  std::string out;
  for (const auto& name : names) {
    out += (out.empty() ? "" : " ") + name;
  }
  return out;
}

// The super block options of the mount at path in this mount namespace ("" when none).
std::string mount_options(const std::string& path) {
  for (const auto& line : split(read_file("/proc/self/mountinfo"), '\n')) {
    auto fields = split(line, ' ');
    if (fields.size() > 4 && fields[4] == path) {
      return fields.back();
    }
  }
  return "";
}

std::string whiteout_or_not(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) < 0) {
    return errno_name(errno);
  }
  return S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0) ? "whiteout" : "not a whiteout";
}

class RootlessRootfs : public testing::RootlessImageTest, public ::testing::WithParamInterface<OverlayApi> {};

TEST_P(RootlessRootfs, MountsTheMergedImageWithUserxattr) {
  auto api = GetParam();
  auto seen = in_user_namespace([api] {
    Store store(Store::default_root(), true);
    pull(layered_name(), store, pull_options());
    auto rootfs = Rootfs::create(store, "c1", layered_name());
    rootfs.mount(api);
    auto merged = rootfs.merged();
    auto options = mount_options(merged);
    std::string out = "mounted " + std::to_string(static_cast<int>(rootfs.mounted())) + "\n";
    out += "userxattr " + std::to_string(static_cast<int>(options.find("userxattr") != std::string::npos)) + "\n";
    out += "data/gone.txt " + owner_of(merged + "/data/gone.txt") + "\n";
    out += "data/dir " + sorted_entries(merged + "/data/dir") + "\n";
    out += "data/added.txt " + read_file(merged + "/data/added.txt");
    out += "data/keep.txt " + read_file(merged + "/data/keep.txt");
    out += "data/keep.txt user.skiff " + xattr_value(merged + "/data/keep.txt", "user.skiff") + "\n";
    out += "data/owned " + owner_of(merged + "/data/owned") + "\n";
    out += "bin/busybox " + owner_of(merged + "/bin/busybox") + "\n";
    // Writes land in the upper dir; a deleted lower file becomes a whiteout there.
    write_file(merged + "/data/new.txt", "new\n");
    check(::unlink((merged + "/data/keep.txt").c_str()), "unlink data/keep.txt");
    out += "upper data/new.txt " + read_file(rootfs.upper() + "/data/new.txt");
    out += "upper data/keep.txt " + whiteout_or_not(rootfs.upper() + "/data/keep.txt") + "\n";
    out += "merged data/keep.txt " + owner_of(merged + "/data/keep.txt") + "\n";
    rootfs.unmount();
    out += "unmounted " + std::to_string(static_cast<int>(!rootfs.mounted())) + "\n";
    rootfs.remove();
    out += "containers " + std::to_string(store.containers().size()) + "\n";
    return out;
  });
  EXPECT_EQ(seen,
            "mounted 1\n"
            "userxattr 1\n"
            "data/gone.txt ENOENT\n"
            "data/dir c\n"
            "data/added.txt layer 3\n"
            "data/keep.txt kept\n"
            "data/keep.txt user.skiff layered\n"
            "data/owned 1234:5678\n"
            "bin/busybox 0:0\n"
            "upper data/new.txt new\n"
            "upper data/keep.txt whiteout\n"
            "merged data/keep.txt ENOENT\n"
            "unmounted 1\n"
            "containers 0\n");
  EXPECT_FALSE(path_exists(store_root() + "/containers/c1"));
}

INSTANTIATE_TEST_SUITE_P(Apis, RootlessRootfs, ::testing::Values(OverlayApi::automatic, OverlayApi::legacy),
                         [](const auto& info) {
                           return info.param == OverlayApi::automatic ? std::string("Fsconfig") : std::string("Legacy");
                         });

// The mount lives in the namespace's mount namespace: never seen by the caller, gone when the
// namespace's last process exits, and the container's dirs can be mounted again by the next one.
class RootlessRootfsNamespace : public testing::RootlessImageTest {};

TEST_F(RootlessRootfsNamespace, AMountGoesWithTheNamespace) {
  auto merged = in_user_namespace([] {
    Store store(Store::default_root(), true);
    pull(layered_name(), store, pull_options());
    auto rootfs = Rootfs::create(store, "c1", layered_name());
    rootfs.mount();
    return rootfs.merged();
  });
  EXPECT_EQ(mount_options(merged), "");
  EXPECT_TRUE(path_exists(merged));

  auto seen = in_user_namespace([] {
    Store store(Store::default_root(), true);
    auto rootfs = Rootfs::open(store, "c1");
    std::string out = "mounted " + std::to_string(static_cast<int>(rootfs.mounted())) + "\n";
    rootfs.mount();
    out += "data/added.txt " + read_file(rootfs.merged() + "/data/added.txt");
    rootfs.remove();
    return out;
  });
  EXPECT_EQ(seen, "mounted 0\ndata/added.txt layer 3\n");
  EXPECT_FALSE(path_exists(merged));
}

}  // namespace
}  // namespace skiff::image

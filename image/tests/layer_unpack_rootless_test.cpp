// Rootless unpacking for real: the unpack runs in a child inside a new user namespace that maps
// only id 0 (to the test's own root), as a rootless pull runs under its subordinate id map.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "layer_test_support.h"
#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/subprocess.h"
#include "skiff/image/layer_unpack.h"

namespace skiff::image {
namespace {

using testing::StringSource;
using testing::TarBuilder;

class LayerUnpackRootless : public testing::LayerDirTest {
 protected:
  // Unpacks blob rootless in a child process in its own user namespace; returns "ok" or the
  // error it threw.
  std::string unpack_in_user_namespace(const std::string& blob) {
    int fds[2];
    EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    UniqueFd read_end(fds[0]);
    UniqueFd write_end(fds[1]);
    pid_t pid = ::fork();
    if (pid == 0) {
      std::string result;
      try {
        check(::unshare(CLONE_NEWUSER), "unshare CLONE_NEWUSER");
        write_existing_file("/proc/self/setgroups", "deny");
        write_existing_file("/proc/self/uid_map", "0 0 1");
        write_existing_file("/proc/self/gid_map", "0 0 1");
        StringSource source(blob);
        unpack_layer(source, Compression::none, layer_.get(), {.rootless = true});
        result = "ok";
      } catch (const std::exception& e) {
        result = e.what();
      }
      write_all(write_end.get(), result, "result pipe");
      ::_exit(0);
    }
    write_end.reset();
    std::string result = read_all(read_end.get(), "result pipe");
    EXPECT_EQ(wait_exit_code(pid), 0);
    return result;
  }
};

TEST_F(LayerUnpackRootless, MappedOwnersWhiteoutsAndOpaqueDirs) {
  TarBuilder tar;
  tar.dir("etc", {.mode = 0700})
      .file("etc/.wh.hosts", "")
      .file("etc/.wh..wh..opq", "")
      .file("etc/conf", "c", {.mode = 04755, .xattrs = {{"user.note", "n"}, {"trusted.x", "dropped"}}})
      .symlink("link", "/etc/conf")
      .node("fifo", AE_IFIFO, 0, {.mode = 0600});
  ASSERT_EQ(unpack_in_user_namespace(tar.finish()), "ok");
  EXPECT_TRUE(S_ISCHR(lstat_of("etc/hosts").st_mode));
  EXPECT_EQ(lstat_of("etc/hosts").st_rdev, makedev(0, 0));
  EXPECT_EQ(xattr_of("etc", "user.overlay.opaque"), "y");
  EXPECT_EQ(lstat_of("etc").st_mode & 07777, 0700U);
  EXPECT_EQ(lstat_of("etc/conf").st_mode & 07777, 04755U);
  EXPECT_EQ(xattr_of("etc/conf", "user.note"), "n");
  EXPECT_EQ(xattr_of("etc/conf", "trusted.x"), "<ENODATA>");
  EXPECT_TRUE(S_ISLNK(lstat_of("link").st_mode));
  EXPECT_TRUE(S_ISFIFO(lstat_of("fifo").st_mode));
}

TEST_F(LayerUnpackRootless, AnOwnerOutsideTheIdMapIsAClearError) {
  TarBuilder tar;
  tar.file("home/user/file", "x", {.mode = 0644, .uid = 1000, .gid = 1000});
  std::string message = unpack_in_user_namespace(tar.finish());
  EXPECT_NE(message.find("entry home/user/file: owner 1000:1000 is not mapped in this user namespace"),
            std::string::npos)
      << message;
}

TEST_F(LayerUnpackRootless, DeviceNodesAreRefused) {
  TarBuilder tar;
  tar.node("dev/null", AE_IFCHR, makedev(1, 3), {.mode = 0666});
  std::string message = unpack_in_user_namespace(tar.finish());
  EXPECT_NE(message.find("entry dev/null: a device node (1:3) cannot be created rootless"), std::string::npos)
      << message;
  EXPECT_FALSE(path_exists(path("dev/null")));
}

}  // namespace
}  // namespace skiff::image

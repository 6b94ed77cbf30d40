#include "skiff/base/path.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <functional>
#include <string>

#include "skiff/base/error.h"
#include "skiff/base/file.h"

namespace skiff {
namespace {

TEST(CleanPath, Absolute) {
  EXPECT_EQ(clean_path("/"), "/");
  EXPECT_EQ(clean_path("//"), "/");
  EXPECT_EQ(clean_path("/a/b/c"), "/a/b/c");
  EXPECT_EQ(clean_path("/a//b/./c/"), "/a/b/c");
  EXPECT_EQ(clean_path("/a/b/../c"), "/a/c");
  EXPECT_EQ(clean_path("/.."), "/");
  EXPECT_EQ(clean_path("/../../etc/passwd"), "/etc/passwd");
  EXPECT_EQ(clean_path("/a/../.."), "/");
  EXPECT_EQ(clean_path("/a/./."), "/a");
}

TEST(CleanPath, Relative) {
  EXPECT_EQ(clean_path(""), ".");
  EXPECT_EQ(clean_path("."), ".");
  EXPECT_EQ(clean_path("./"), ".");
  EXPECT_EQ(clean_path("a/b/"), "a/b");
  EXPECT_EQ(clean_path("a/./b//c"), "a/b/c");
  EXPECT_EQ(clean_path("a/.."), ".");
  EXPECT_EQ(clean_path("a/b/../../c"), "c");
}

TEST(PathComponents, SplitsACleanedPath) {
  EXPECT_EQ(path_components("/a/b"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(path_components("a//b/./c/../d/"), (std::vector<std::string>{"a", "b", "d"}));
  EXPECT_TRUE(path_components("/").empty());
  EXPECT_TRUE(path_components("").empty());
}

TEST(JoinPath, StaysUnderTheRoot) {
  EXPECT_EQ(join_path("/run/c/rootfs", "/etc/passwd"), "/run/c/rootfs/etc/passwd");
  EXPECT_EQ(join_path("/run/c/rootfs", "etc/passwd"), "/run/c/rootfs/etc/passwd");
  EXPECT_EQ(join_path("/run/c/rootfs", "../../../etc/passwd"), "/run/c/rootfs/etc/passwd");
  EXPECT_EQ(join_path("/run/c/rootfs/", "/a/../b/"), "/run/c/rootfs/b");
  EXPECT_EQ(join_path("/run/c/rootfs", "/"), "/run/c/rootfs");
  EXPECT_EQ(join_path("/run/c/rootfs", ""), "/run/c/rootfs");
  EXPECT_EQ(join_path("/run/c/rootfs///", ".."), "/run/c/rootfs");
}

TEST(JoinPath, HostRoot) {
  EXPECT_EQ(join_path("/", "/etc"), "/etc");
  EXPECT_EQ(join_path("/", "a/b"), "/a/b");
  EXPECT_EQ(join_path("/", "/"), "/");
}

TEST(FdPath, ProcSelfFd) {
  EXPECT_EQ(fd_path(7), "/proc/self/fd/7");
}

// A root directory with symlinks in every shape, and a host directory beside it that nothing
// inside the root may reach.
class InRoot : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/skiff-path-test-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    top_ = pattern;
    root_ = top_ + "/root";
    outside_ = top_ + "/outside";
    mkdir_all(root_ + "/etc");
    mkdir_all(root_ + "/a/b");
    mkdir_all(outside_);
    write_file(root_ + "/etc/passwd", "inside");
    write_file(outside_ + "/passwd", "outside");
    write_file(root_ + "/a/b/file", "deep");
    link("/etc", "abs");                   // absolute: to the root's /etc
    link("../../../../../etc", "rel");     // relative, climbing far above the root
    link("../../etc/passwd", "a/b/up");    // relative with ".." from below
    link(outside_, "escape");              // the host path of a directory outside the root
    link("../outside/passwd", "escape2");  // relative, out of the root on the host
    link("a/b", "ab");
    link("ab/../../etc", "dotdot");  // ".." after a symlink climbs the resolved path
    link("loop2", "loop1");
    link("loop1", "loop2");
    link("self", "self");
    link("/etc/passwd", "etc/chain1");
    link("chain1", "etc/chain2");
    link("/nonexistent", "dangling");
    root_fd_ = UniqueFd(::open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    ASSERT_TRUE(root_fd_);
  }
  void TearDown() override {
    if (!top_.empty()) {
      remove_all(top_);
    }
  }
  void link(const std::string& target, const std::string& name) {
    ASSERT_EQ(::symlink(target.c_str(), (root_ + "/" + name).c_str()), 0) << name;
  }

  std::string top_;
  std::string root_;
  std::string outside_;
  UniqueFd root_fd_;
};

std::string contents(const UniqueFd& fd) {
  return read_all(fd.get(), "test file");
}

// Both resolvers must give the same answers: openat2 where the kernel has it, and the walk.
using Opener = std::function<UniqueFd(int, std::string_view, int, mode_t)>;

class Resolve : public InRoot, public ::testing::WithParamInterface<bool> {
 protected:
  UniqueFd open(std::string_view path, int flags, mode_t mode = 0) {
    return GetParam() ? open_in_root_by_walk(root_fd_.get(), path, flags, mode)
                      : open_in_root(root_fd_.get(), path, flags, mode);
  }
  // The errno of opening path, 0 when it opens.
  int error_of(std::string_view path, int flags = O_RDONLY) {
    try {
      open(path, flags);
    } catch (const Error& e) {
      return e.code();
    }
    return 0;
  }
};

TEST_P(Resolve, PlainPaths) {
  EXPECT_EQ(contents(open("/etc/passwd", O_RDONLY)), "inside");
  EXPECT_EQ(contents(open("etc/passwd", O_RDONLY)), "inside");
  EXPECT_EQ(contents(open("/a/b/file", O_RDONLY)), "deep");
  EXPECT_EQ(contents(open("//a/./b//file", O_RDONLY)), "deep");
}

TEST_P(Resolve, DotDotNeverLeavesTheRoot) {
  EXPECT_EQ(contents(open("../../../etc/passwd", O_RDONLY)), "inside");
  EXPECT_EQ(contents(open("/a/../../../etc/passwd", O_RDONLY)), "inside");
  EXPECT_EQ(error_of("../outside/passwd"), ENOENT);
}

TEST_P(Resolve, RootItself) {
  UniqueFd fd = open("/", O_PATH | O_DIRECTORY);
  struct stat a {};
  struct stat b {};
  ASSERT_EQ(::fstat(fd.get(), &a), 0);
  ASSERT_EQ(::stat(root_.c_str(), &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino);
  UniqueFd again = open("..", O_PATH | O_DIRECTORY);
  ASSERT_EQ(::fstat(again.get(), &a), 0);
  EXPECT_EQ(a.st_ino, b.st_ino);
}

TEST_P(Resolve, AbsoluteSymlinkResolvesInsideTheRoot) {
  EXPECT_EQ(contents(open("/abs/passwd", O_RDONLY)), "inside");
  EXPECT_EQ(contents(open("/etc/chain2", O_RDONLY)), "inside");
}

TEST_P(Resolve, RelativeSymlinkWithDotDotResolvesInsideTheRoot) {
  EXPECT_EQ(contents(open("/rel/passwd", O_RDONLY)), "inside");
  EXPECT_EQ(contents(open("/a/b/up", O_RDONLY)), "inside");
  EXPECT_EQ(contents(open("/dotdot/passwd", O_RDONLY)), "inside");
  EXPECT_EQ(contents(open("/ab/file", O_RDONLY)), "deep");
}

TEST_P(Resolve, SymlinksPointingOutsideStayInside) {
  // The host path of "outside" does not exist inside the root: never the host's file.
  EXPECT_EQ(error_of("/escape/passwd"), ENOENT);
  EXPECT_EQ(error_of("/escape2"), ENOENT);
  EXPECT_EQ(error_of("/dangling"), ENOENT);
  // Made inside the root, the same links find the root's copy.
  mkdir_all(root_ + outside_);
  write_file(root_ + outside_ + "/passwd", "inside copy");
  EXPECT_EQ(contents(open("/escape/passwd", O_RDONLY)), "inside copy");
}

TEST_P(Resolve, CreateThroughASymlinkStaysInside) {
  // "../outside/passwd" from the root is "/outside/passwd" inside it, whose directory is missing.
  EXPECT_EQ(error_of("/escape2", O_WRONLY | O_CREAT), ENOENT);
  mkdir_all(root_ + "/outside");
  {
    UniqueFd fd = open("/escape2", O_WRONLY | O_CREAT, 0644);
    write_all(fd.get(), "created", "escape2");
  }
  EXPECT_EQ(read_file(root_ + "/outside/passwd"), "created");
  EXPECT_EQ(read_file(outside_ + "/passwd"), "outside");
}

TEST_P(Resolve, SymlinkLoopsAreEloop) {
  EXPECT_EQ(error_of("/loop1"), ELOOP);
  EXPECT_EQ(error_of("/self/x"), ELOOP);
}

TEST_P(Resolve, NoFollowOnTheLastComponent) {
  UniqueFd fd = open("/abs", O_PATH | O_NOFOLLOW);
  struct stat st {};
  ASSERT_EQ(::fstat(fd.get(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  EXPECT_EQ(error_of("/abs", O_RDONLY | O_NOFOLLOW), ELOOP);
}

TEST_P(Resolve, ErrorsNameThePath) {
  try {
    open("/no/such", O_RDONLY);
    FAIL() << "opened";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ENOENT);
    EXPECT_NE(std::string(e.what()).find("/no/such inside the container root"), std::string::npos) << e.what();
  }
  EXPECT_EQ(error_of("/etc/passwd/x"), ENOTDIR);
}

TEST_P(Resolve, MagicLinksAreRefused) {
  // With the host's / as the root, /proc/self/fd/N and /proc/self/exe are magic links: a
  // resolver must not jump through them.
  UniqueFd host_root(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
  ASSERT_TRUE(host_root);
  UniqueFd file(::open((root_ + "/etc/passwd").c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(file);
  auto open_host = [&](const std::string& path) -> int {
    try {
      GetParam() ? open_in_root_by_walk(host_root.get(), path, O_RDONLY)
                 : open_in_root(host_root.get(), path, O_RDONLY);
    } catch (const Error& e) {
      return e.code();
    }
    return 0;
  };
  EXPECT_EQ(open_host(fd_path(file.get())), ELOOP);
  EXPECT_EQ(open_host("/proc/self/exe"), ELOOP);
  EXPECT_EQ(open_host("/proc/self/cwd/"), ELOOP);
  // Ordinary symlinks of procfs are fine: /proc/self is one.
  EXPECT_EQ(open_host("/proc/self/status"), 0);
}

INSTANTIATE_TEST_SUITE_P(OpenInRoot, Resolve, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& info) { return info.param ? "Walk" : "Openat2"; });

TEST_F(InRoot, WalkDepthOfSymlinksIsBounded) {
  // 41 links in a chain: one more than the limit.
  for (int i = 0; i < 41; ++i) {
    link("c" + std::to_string(i + 1), "c" + std::to_string(i));
  }
  write_file(root_ + "/c41", "end");
  try {
    open_in_root_by_walk(root_fd_.get(), "/c0", O_RDONLY);
    FAIL() << "followed 41 links";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ELOOP);
  }
  EXPECT_EQ(contents(open_in_root_by_walk(root_fd_.get(), "/c5", O_RDONLY)), "end");
}

TEST_F(InRoot, MkdirAllInRootCreatesEveryComponent) {
  UniqueFd fd = mkdir_all_in_root(root_fd_.get(), "/x/y/z", 0700);
  struct stat st {};
  ASSERT_EQ(::stat((root_ + "/x/y/z").c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  struct stat got {};
  ASSERT_EQ(::fstat(fd.get(), &got), 0);
  EXPECT_EQ(got.st_ino, st.st_ino);
  // Existing directories are fine.
  mkdir_all_in_root(root_fd_.get(), "/x/y", 0755);
  mkdir_all_in_root(root_fd_.get(), "/", 0755);
}

TEST_F(InRoot, MkdirAllInRootFollowsSymlinksInsideTheRoot) {
  mkdir_all_in_root(root_fd_.get(), "/abs/new/dir", 0755);
  EXPECT_TRUE(path_exists(root_ + "/etc/new/dir"));
  mkdir_all_in_root(root_fd_.get(), "/rel/other", 0755);
  EXPECT_TRUE(path_exists(root_ + "/etc/other"));
  EXPECT_FALSE(path_exists("/etc/other"));
}

TEST_F(InRoot, MkdirAllInRootNeverCreatesOutside) {
  EXPECT_THROW(mkdir_all_in_root(root_fd_.get(), "/escape/made", 0755), Error);
  EXPECT_FALSE(path_exists(outside_ + "/made"));
  mkdir_all_in_root(root_fd_.get(), "/../../outside/made", 0755);
  EXPECT_FALSE(path_exists(outside_ + "/made"));
  EXPECT_TRUE(path_exists(root_ + "/outside/made"));
}

TEST_F(InRoot, MkdirAllInRootOverAFileIsAnError) {
  try {
    mkdir_all_in_root(root_fd_.get(), "/etc/passwd/sub", 0755);
    FAIL() << "made a directory below a file";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/etc/passwd"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("not a directory"), std::string::npos) << e.what();
  }
}

TEST_F(InRoot, EnsureInRootMakesFilesAndDirectories) {
  UniqueFd f = ensure_in_root(root_fd_.get(), "/new/dir/file", false, 0600);
  struct stat st {};
  ASSERT_EQ(::lstat((root_ + "/new/dir/file").c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_size, 0);
  UniqueFd d = ensure_in_root(root_fd_.get(), "/new/sub", true, 0755);
  ASSERT_EQ(::lstat((root_ + "/new/sub").c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  // Existing entries of the right kind are kept as they are.
  UniqueFd again = ensure_in_root(root_fd_.get(), "/etc/passwd", false, 0600);
  EXPECT_EQ(read_file(root_ + "/etc/passwd"), "inside");
  ensure_in_root(root_fd_.get(), "/etc", true, 0755);
}

TEST_F(InRoot, EnsureInRootRefusesTheOtherKind) {
  EXPECT_THROW(ensure_in_root(root_fd_.get(), "/etc", false, 0644), Error);
  EXPECT_THROW(ensure_in_root(root_fd_.get(), "/etc/passwd", true, 0755), Error);
  EXPECT_THROW(ensure_in_root(root_fd_.get(), "/", false, 0644), Error);
}

TEST_F(InRoot, EnsureInRootThroughSymlinksStaysInside) {
  ensure_in_root(root_fd_.get(), "/abs/made-file", false, 0644);
  EXPECT_TRUE(path_exists(root_ + "/etc/made-file"));
  EXPECT_FALSE(path_exists("/etc/made-file"));
  // A dangling symlink as the file is resolved inside the root, never to the host's target.
  EXPECT_THROW(ensure_in_root(root_fd_.get(), "/escape2", false, 0644), Error);
  EXPECT_EQ(read_file(outside_ + "/passwd"), "outside");
}

}  // namespace
}  // namespace skiff

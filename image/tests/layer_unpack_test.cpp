#include "skiff/image/layer_unpack.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "layer_test_support.h"
#include "skiff/base/error.h"
#include "skiff/base/file.h"

namespace skiff::image {
namespace {

using testing::gzip;
using testing::ScratchDir;
using testing::StringSource;
using testing::TarBuilder;
using testing::zstd;

class LayerUnpack : public testing::LayerDirTest {};

// security.capability for cap_net_raw, permitted and effective (VFS_CAP_REVISION_2).
std::string net_raw_capability() {
  std::string value(20, '\0');
  uint32_t words[5] = {0x02000001, 1U << 13, 0, 0, 0};
  std::memcpy(value.data(), words, sizeof words);
  return value;
}

TEST_F(LayerUnpack, RoundTripsFilesDirsLinksOwnersModesXattrsAndTimes) {
  std::string big(3 << 20, 'b');
  TarBuilder tar;
  tar.dir("etc", {.mode = 0750, .mtime = 1600000000, .mtime_nsec = 123456789})
      .file("etc/passwd", "root:x:0:0::/root:/bin/sh\n", {.mode = 0644, .mtime = 1500000000})
      .hardlink("etc/passwd-", "etc/passwd")
      .file("usr/bin/tool", big, {.mode = 04750, .uid = 1000, .gid = 1001, .mtime = 1400000000})
      .file("usr/bin/ping", "elf", {.mode = 0755, .xattrs = {{"security.capability", net_raw_capability()}}})
      .file("data", "x", {.mode = 0600, .xattrs = {{"user.comment", "hello"}, {"trusted.note", "t"}}})
      .symlink("usr/bin/passwd-link", "../../etc/passwd", {.mode = 0777, .uid = 7, .gid = 8, .mtime = 1300000000})
      .symlink("abs", "/etc/shadow")
      .node("dev/null", AE_IFCHR, makedev(1, 3), {.mode = 0666})
      .node("dev/loop9", AE_IFBLK, makedev(7, 9), {.mode = 0660, .gid = 6})
      .node("run/fifo", AE_IFIFO, 0, {.mode = 0620})
      .dir("sticky", {.mode = 01777, .uid = 5, .gid = 5, .mtime = 1200000000});
  std::string blob = tar.finish();
  UnpackResult result = unpack(blob);

  EXPECT_EQ(result.diff_id, Digest::of(blob));
  EXPECT_EQ(result.tar_bytes, blob.size());

  struct stat etc = lstat_of("etc");
  EXPECT_TRUE(S_ISDIR(etc.st_mode));
  EXPECT_EQ(etc.st_mode & 07777, 0750U);
  // Set after its entries were written into it.
  EXPECT_EQ(etc.st_mtim.tv_sec, 1600000000);
  EXPECT_EQ(etc.st_mtim.tv_nsec, 123456789);

  struct stat passwd = lstat_of("etc/passwd");
  EXPECT_EQ(read_file(path("etc/passwd")), "root:x:0:0::/root:/bin/sh\n");
  EXPECT_EQ(passwd.st_mtim.tv_sec, 1500000000);
  EXPECT_EQ(passwd.st_nlink, 2U);
  EXPECT_EQ(lstat_of("etc/passwd-").st_ino, passwd.st_ino);

  struct stat tool = lstat_of("usr/bin/tool");
  EXPECT_EQ(tool.st_mode & 07777, 04750U);  // setuid survives the chown
  EXPECT_EQ(tool.st_uid, 1000U);
  EXPECT_EQ(tool.st_gid, 1001U);
  EXPECT_EQ(tool.st_size, static_cast<off_t>(big.size()));
  EXPECT_EQ(read_file(path("usr/bin/tool")), big);
  // Directories the tar never listed are made 0755.
  EXPECT_EQ(lstat_of("usr").st_mode & 07777, 0755U);

  EXPECT_EQ(xattr_of("usr/bin/ping", "security.capability"), net_raw_capability());
  EXPECT_EQ(xattr_of("data", "user.comment"), "hello");
  EXPECT_EQ(xattr_of("data", "trusted.note"), "t");

  struct stat link = lstat_of("usr/bin/passwd-link");
  EXPECT_TRUE(S_ISLNK(link.st_mode));
  EXPECT_EQ(link.st_uid, 7U);
  EXPECT_EQ(link.st_gid, 8U);
  EXPECT_EQ(link.st_mtim.tv_sec, 1300000000);
  EXPECT_EQ(std::filesystem::read_symlink(path("usr/bin/passwd-link")), "../../etc/passwd");
  EXPECT_EQ(std::filesystem::read_symlink(path("abs")), "/etc/shadow");

  struct stat null = lstat_of("dev/null");
  EXPECT_TRUE(S_ISCHR(null.st_mode));
  EXPECT_EQ(null.st_rdev, makedev(1, 3));
  EXPECT_EQ(null.st_mode & 07777, 0666U);
  struct stat loop = lstat_of("dev/loop9");
  EXPECT_TRUE(S_ISBLK(loop.st_mode));
  EXPECT_EQ(loop.st_rdev, makedev(7, 9));
  EXPECT_EQ(loop.st_gid, 6U);
  struct stat fifo = lstat_of("run/fifo");
  EXPECT_TRUE(S_ISFIFO(fifo.st_mode));
  EXPECT_EQ(fifo.st_mode & 07777, 0620U);

  struct stat sticky = lstat_of("sticky");
  EXPECT_EQ(sticky.st_mode & 07777, 01777U);
  EXPECT_EQ(sticky.st_uid, 5U);
  EXPECT_EQ(sticky.st_mtim.tv_sec, 1200000000);
}

TEST_F(LayerUnpack, DiffIdIsTheSha256OfTheUncompressedTarForEveryCompression) {
  TarBuilder tar;
  tar.dir("a").file("a/one", std::string(100000, '1')).file("a/two", "two");
  std::string blob = tar.finish();
  // libarchive pads to its 10240-byte record: the zero blocks after the end-of-archive
  // marker are part of the diff too.
  ASSERT_EQ(blob.size() % 10240, 0U);
  Digest expected = Digest::of(blob);
  for (auto [compression, compressed] : {std::pair{Compression::none, blob}, std::pair{Compression::gzip, gzip(blob)},
                                         std::pair{Compression::zstd, zstd(blob)}}) {
    ScratchDir dir;
    UniqueFd fd(::open(dir.path().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    StringSource source(compressed);
    std::vector<uint64_t> progress;
    UnpackOptions options{.progress = [&](uint64_t n) { progress.push_back(n); }};
    UnpackResult result = unpack_layer(source, compression, fd.get(), options);
    EXPECT_EQ(result.diff_id, expected) << static_cast<int>(compression);
    EXPECT_EQ(result.tar_bytes, blob.size());
    EXPECT_EQ(read_file(dir.path() + "/a/one"), std::string(100000, '1'));
    // The whole blob was read, and the last report says so.
    EXPECT_EQ(source.position(), compressed.size());
    ASSERT_FALSE(progress.empty());
    EXPECT_EQ(progress.back(), compressed.size());
  }
}

TEST_F(LayerUnpack, DiffIdMatchesTheTarCliAndSha256sum) {
  ScratchDir src;
  mkdir_all(src.path() + "/tree/sub");
  write_file(src.path() + "/tree/sub/file", "from GNU tar\n");
  SubprocessOptions options;
  options.args = {"tar", "-C", src.path(), "-cf", "-", "tree"};
  SubprocessResult tar = run_subprocess(options);
  ASSERT_TRUE(tar.ok()) << tar.err;
  options.args = {"sha256sum"};
  options.input = tar.out;
  SubprocessResult sum = run_subprocess(options);
  ASSERT_TRUE(sum.ok());
  UnpackResult result = unpack(gzip(tar.out), Compression::gzip);
  EXPECT_EQ(result.diff_id.hex(), sum.out.substr(0, 64));
  EXPECT_EQ(read_file(path("tree/sub/file")), "from GNU tar\n");
}

TEST_F(LayerUnpack, GnuAndPaxTarsWithLongNamesAndSparseFiles) {
  ScratchDir src;
  std::string long_dir = "tree/" + std::string(120, 'd') + "/" + std::string(120, 'e');
  mkdir_all(src.path() + "/" + long_dir);
  write_file(src.path() + "/" + long_dir + "/" + std::string(150, 'f'), "long name");
  constexpr off_t kHole = 10 << 20;
  {
    UniqueFd sparse(::open((src.path() + "/tree/sparse").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
    ASSERT_EQ(::pwrite(sparse.get(), "start", 5, 0), 5);
    ASSERT_EQ(::pwrite(sparse.get(), "end", 3, kHole), 3);
  }
  std::string expected(kHole + 3, '\0');
  expected.replace(0, 5, "start");
  expected.replace(kHole, 3, "end");
  for (const char* format : {"gnu", "pax"}) {
    SubprocessOptions options;
    options.args = {"tar", "-C", src.path(), "--sparse", std::string("--format=") + format, "-cf", "-", "tree"};
    SubprocessResult tar = run_subprocess(options);
    ASSERT_TRUE(tar.ok()) << tar.err;
    ScratchDir dir;
    UniqueFd fd(::open(dir.path().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    StringSource source(tar.out);
    EXPECT_EQ(unpack_layer(source, Compression::none, fd.get(), {}).diff_id, Digest::of(tar.out));
    EXPECT_EQ(read_file(dir.path() + "/" + long_dir + "/" + std::string(150, 'f')), "long name") << format;
    EXPECT_EQ(read_file(dir.path() + "/tree/sparse"), expected) << format;
    struct stat st {};
    ASSERT_EQ(::stat((dir.path() + "/tree/sparse").c_str(), &st), 0);
    // The hole stayed a hole.
    EXPECT_LT(st.st_blocks * 512, kHole) << format;
  }
}

TEST_F(LayerUnpack, WhiteoutsBecomeOverlayWhiteouts) {
  TarBuilder tar;
  tar.dir("etc")
      .file("etc/.wh.hosts", "")
      .file(".wh.gone-dir", "")
      .dir("var/cache")
      .file("var/cache/.wh..wh..opq", "")
      .file("var/cache/new", "n")
      .file("implicit/.wh..wh..opq", "")
      .file(".wh..wh.plnk", "");
  unpack(tar.finish());
  struct stat hosts = lstat_of("etc/hosts");
  EXPECT_TRUE(S_ISCHR(hosts.st_mode));
  EXPECT_EQ(hosts.st_rdev, makedev(0, 0));
  EXPECT_TRUE(S_ISCHR(lstat_of("gone-dir").st_mode));
  EXPECT_FALSE(path_exists(path("etc/.wh.hosts")));
  EXPECT_EQ(xattr_of("var/cache", "trusted.overlay.opaque"), "y");
  EXPECT_EQ(read_file(path("var/cache/new")), "n");
  EXPECT_FALSE(path_exists(path("var/cache/.wh..wh..opq")));
  EXPECT_EQ(xattr_of("implicit", "trusted.overlay.opaque"), "y");
  EXPECT_EQ(xattr_of("etc", "trusted.overlay.opaque"), "<ENODATA>");
  EXPECT_FALSE(path_exists(path(".wh..wh.plnk")));
  EXPECT_FALSE(path_exists(path("plnk")));
}

TEST_F(LayerUnpack, RootlessUsesUserXattrsAndRefusesDeviceNodes) {
  TarBuilder tar;
  tar.dir("d").file("d/.wh..wh..opq", "").file("d/.wh.x", "").file("f", "f", {.xattrs = {{"trusted.a", "1"}}});
  unpack(tar.finish(), Compression::none, {.rootless = true});
  EXPECT_EQ(xattr_of("d", "user.overlay.opaque"), "y");
  EXPECT_EQ(xattr_of("d", "trusted.overlay.opaque"), "<ENODATA>");
  EXPECT_TRUE(S_ISCHR(lstat_of("d/x").st_mode));
  // trusted.* is out of reach of a user namespace: skipped.
  EXPECT_EQ(xattr_of("f", "trusted.a"), "<ENODATA>");

  TarBuilder devices;
  devices.node("dev/sda", AE_IFBLK, makedev(8, 0));
  std::string message = unpack_error(devices.finish(), {.rootless = true});
  EXPECT_NE(message.find("entry dev/sda: a device node (8:0) cannot be created rootless"), std::string::npos)
      << message;
  EXPECT_FALSE(path_exists(path("dev/sda")));
}

TEST_F(LayerUnpack, OverlayXattrsInTheTarAreNotTrusted) {
  TarBuilder tar;
  tar.dir("d", {.mode = 0755, .xattrs = {{"trusted.overlay.opaque", "y"}, {"trusted.overlay.redirect", "/x"}}});
  unpack(tar.finish());
  EXPECT_EQ(xattr_of("d", "trusted.overlay.opaque"), "<ENODATA>");
  EXPECT_EQ(xattr_of("d", "trusted.overlay.redirect"), "<ENODATA>");
}

TEST_F(LayerUnpack, LaterEntriesReplaceEarlierOnesLikeTar) {
  TarBuilder tar;
  tar.dir("a")
      .file("a/inner", "inner")
      .file("b", "file b")
      .file("a", "a is a file now")  // replaces the directory and its contents
      .dir("b")                      // replaces the file
      .dir("c")
      .file("c/keep", "keep")
      .dir("c", {.mode = 0700})  // a directory over a directory keeps its contents
      .symlink("d", "somewhere")
      .file("d", "d replaces the symlink, not its target");
  unpack(tar.finish());
  EXPECT_EQ(read_file(path("a")), "a is a file now");
  EXPECT_TRUE(S_ISDIR(lstat_of("b").st_mode));
  EXPECT_EQ(read_file(path("c/keep")), "keep");
  EXPECT_EQ(lstat_of("c").st_mode & 07777, 0700U);
  EXPECT_TRUE(S_ISREG(lstat_of("d").st_mode));
}

TEST_F(LayerUnpack, APartialEarlierAttemptIsOverwritten) {
  TarBuilder tar;
  tar.dir("d").file("d/f", "final").hardlink("d/g", "d/f").symlink("s", "t");
  std::string blob = tar.finish();
  // An earlier attempt left other content, and a hardlink the new file must not write through.
  mkdir_all(path("d"));
  write_file(path("d/f"), "stale partial content that is longer");
  ASSERT_EQ(::link(path("d/f").c_str(), (scratch_.path() + "/outside/peer").c_str()), 0);
  write_file(path("s"), "a file where the symlink goes");
  unpack(blob);
  unpack(blob);
  EXPECT_EQ(read_file(path("d/f")), "final");
  EXPECT_EQ(read_file(path("d/g")), "final");
  EXPECT_EQ(read_file(scratch_.path() + "/outside/peer"), "stale partial content that is longer");
  EXPECT_TRUE(S_ISLNK(lstat_of("s").st_mode));
}

TEST_F(LayerUnpack, LeadingSlashesAndDotsAreRelative) {
  TarBuilder tar;
  tar.file("/abs/file", "abs").file("./dot/file", "dot").file("x/../inside", "in").dir("./");
  unpack(tar.finish());
  EXPECT_EQ(read_file(path("abs/file")), "abs");
  EXPECT_EQ(read_file(path("dot/file")), "dot");
  EXPECT_EQ(read_file(path("inside")), "in");
}

}  // namespace
}  // namespace skiff::image

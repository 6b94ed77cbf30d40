// Layers crafted to write outside their layer dir, or to exhaust it: each is refused with an
// error that names the entry, and nothing appears outside the layer dir.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "layer_test_support.h"
#include "skiff/base/file.h"
#include "skiff/image/layer_unpack.h"

namespace skiff::image {
namespace {

using testing::gzip;
using testing::TarBuilder;
using testing::zstd;

class LayerUnpackMalicious : public testing::LayerDirTest {
 protected:
  // Unpacks tar, expects an error containing each of parts, and an untouched outside.
  void expect_refused(const std::string& tar, const std::vector<std::string>& parts, const UnpackOptions& options = {},
                      Compression compression = Compression::none) {
    std::string message = unpack_error(tar, options, compression);
    ASSERT_FALSE(message.empty()) << "the layer was unpacked";
    for (const auto& part : parts) {
      EXPECT_NE(message.find(part), std::string::npos) << "\"" << part << "\" not in: " << message;
    }
    EXPECT_EQ(outside(), std::vector<std::string>{});
  }
};

TEST_F(LayerUnpackMalicious, DotDotPathsThatClimbOutAreRefused) {
  for (std::string name : {"../x", "a/../../x", "/../x", "./../outside/x", "a/b/../../../outside/x"}) {
    TarBuilder tar;
    tar.file(name, "evil");
    expect_refused(tar.finish(), {"entry " + name + " escapes the layer dir"});
    EXPECT_FALSE(path_exists(scratch_.path() + "/x"));
  }
  TarBuilder dir;
  dir.dir("../outside/newdir");
  expect_refused(dir.finish(), {"entry ../outside/newdir", "escapes the layer dir"});
}

TEST_F(LayerUnpackMalicious, NothingIsWrittenThroughASymlink) {
  struct Case {
    std::string target;
    std::string entry;
  };
  for (const auto& c : std::vector<Case>{{"/", "a/evil"},
                                         {"../..", "a/evil"},
                                         {"../outside", "a/evil"},
                                         {"../outside", "a/sub/evil"},
                                         {"/tmp", "a/evil"},
                                         {"b", "a/evil"}}) {
    TarBuilder tar;
    tar.dir("b").symlink("a", c.target).file(c.entry, "evil");
    expect_refused(tar.finish(), {"entry " + c.entry + ": a is a symlink"});
    EXPECT_FALSE(path_exists("/evil"));
    EXPECT_FALSE(path_exists("/tmp/evil"));
    EXPECT_FALSE(path_exists(path("b/evil")));
  }
  // A directory, whiteouts and the opaque marker below a symlink are refused the same way.
  TarBuilder dir;
  dir.symlink("a", "../outside").dir("a/sub");
  expect_refused(dir.finish(), {"entry a/sub", ": a is a symlink"});
  TarBuilder whiteout;
  whiteout.symlink("a", "../outside").file("a/.wh.x", "");
  expect_refused(whiteout.finish(), {"entry a/.wh.x: a is a symlink"});
  TarBuilder opaque;
  opaque.symlink("a", "../outside").file("a/.wh..wh..opq", "");
  expect_refused(opaque.finish(), {"entry a/.wh..wh..opq: a is a symlink"});
}

TEST_F(LayerUnpackMalicious, ASymlinkReplacedByADirectoryIsNotFollowed) {
  TarBuilder tar;
  tar.symlink("a", "../outside").dir("a").file("a/f", "inside");
  unpack(tar.finish());
  EXPECT_TRUE(S_ISDIR(lstat_of("a").st_mode));
  EXPECT_EQ(read_file(path("a/f")), "inside");
  EXPECT_EQ(outside(), std::vector<std::string>{});
}

TEST_F(LayerUnpackMalicious, HardlinksMustPointIntoThisLayer) {
  write_file(scratch_.path() + "/outside/file", "secret");
  auto nlink = [](const std::string& p) {
    struct stat st {};
    EXPECT_EQ(::stat(p.c_str(), &st), 0);
    return st.st_nlink;
  };
  nlink_t passwd_links = nlink("/etc/passwd");
  auto refused = [&](const std::string& tar, const std::vector<std::string>& parts) {
    std::string message = unpack_error(tar);
    for (const auto& part : parts) {
      EXPECT_NE(message.find(part), std::string::npos) << "\"" << part << "\" not in: " << message;
    }
    EXPECT_EQ(outside(), std::vector<std::string>{"file"});
    EXPECT_EQ(nlink(scratch_.path() + "/outside/file"), 1U);
    EXPECT_EQ(nlink("/etc/passwd"), passwd_links);
  };
  TarBuilder up;
  up.hardlink("h", "../outside/file");
  refused(up.finish(), {"entry h: hardlink target ../outside/file escapes the layer dir"});
  TarBuilder absolute;
  absolute.hardlink("h", "/etc/passwd");
  refused(absolute.finish(), {"entry h: hardlink target /etc/passwd is not in this layer"});
  TarBuilder through_symlink;
  through_symlink.symlink("s", "../outside").hardlink("h", "s/file");
  refused(through_symlink.finish(), {"entry h: hardlink target s/file: s is a symlink"});
  TarBuilder through_root_symlink;
  through_root_symlink.symlink("etc", "/etc").hardlink("h", "etc/passwd");
  refused(through_root_symlink.finish(), {"entry h: hardlink target etc/passwd: etc is a symlink"});
  TarBuilder earlier_layer;
  earlier_layer.hardlink("usr/bin/b", "usr/bin/a");
  refused(earlier_layer.finish(), {"entry usr/bin/b: hardlink target usr/bin/a", "same layer"});
  EXPECT_FALSE(path_exists(path("h")));
}

TEST_F(LayerUnpackMalicious, AHardlinkToASymlinkLinksTheSymlinkItself) {
  TarBuilder tar;
  tar.symlink("s", "/etc/passwd").hardlink("h", "s");
  unpack(tar.finish());
  struct stat h = lstat_of("h");
  EXPECT_TRUE(S_ISLNK(h.st_mode));
  EXPECT_EQ(h.st_ino, lstat_of("s").st_ino);
}

TEST_F(LayerUnpackMalicious, DeviceNodesAreRefusedRootless) {
  TarBuilder tar;
  tar.node("dev/kmem", AE_IFCHR, makedev(1, 2), {.mode = 0666});
  expect_refused(tar.finish(), {"entry dev/kmem: a device node (1:2) cannot be created rootless"}, {.rootless = true});
  EXPECT_FALSE(path_exists(path("dev/kmem")));
}

TEST_F(LayerUnpackMalicious, DecompressionBombsStopAtTheLimit) {
  TarBuilder tar;
  tar.file("zeros", std::string(100 << 20, '\0'));
  std::string blob = tar.finish();
  UnpackOptions options{.max_uncompressed_bytes = 10 << 20};
  expect_refused(gzip(blob), {"exceeds the limit of 10485760 bytes", "decompression bomb"}, options, Compression::gzip);
  expect_refused(zstd(blob), {"exceeds the limit of 10485760 bytes", "decompression bomb"}, options, Compression::zstd);
  expect_refused(blob, {"exceeds the limit of 10485760 bytes"}, options, Compression::none);
  // What was written before the limit hit stays below it.
  struct stat st = lstat_of("zeros");
  EXPECT_LE(st.st_size, 10 << 20);
}

TEST_F(LayerUnpackMalicious, TruncatedStreamsAreErrors) {
  TarBuilder tar;
  tar.file("a", std::string(200000, 'a')).file("b", std::string(200000, 'b'));
  std::string blob = tar.finish();
  expect_refused(blob.substr(0, 250000), {"tar: ", "runcated"});
  std::string gz = gzip(blob);
  expect_refused(gz.substr(0, gz.size() - 10), {"gzip: truncated stream"}, {}, Compression::gzip);
  std::string zs = zstd(blob);
  expect_refused(zs.substr(0, zs.size() / 2), {"zstd: truncated stream"}, {}, Compression::zstd);
  expect_refused("", {"tar: "});
}

TEST_F(LayerUnpackMalicious, EntriesBelowAFileAreRefused) {
  TarBuilder tar;
  tar.file("f", "a file").file("f/g", "below a file");
  expect_refused(tar.finish(), {"entry f/g: f is not a directory"});
}

TEST_F(LayerUnpackMalicious, TheLayerRootCannotBeReplaced) {
  TarBuilder tar;
  tar.symlink("./", "/etc");
  expect_refused(tar.finish(), {"entry ./: the layer dir itself can only be a directory"});
  TarBuilder whiteout;
  whiteout.file(".wh..", "");
  expect_refused(whiteout.finish(), {"entry .wh..: a whiteout must name an entry"});
}

}  // namespace
}  // namespace skiff::image

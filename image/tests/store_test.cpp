#include "skiff/image/store.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <thread>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/image/manifest.h"

namespace skiff::image {
namespace {

// A store in a fresh directory, removed afterwards.
class StoreTest : public ::testing::Test {
 protected:
  StoreTest() {
    std::string pattern = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") + "/store-test-XXXXXX";
    dir_ = ::mkdtemp(pattern.data());
    store_ = std::make_unique<Store>(dir_ + "/root", false);
  }
  ~StoreTest() override {
    store_.reset();
    remove_all(dir_);
  }

  Store& store() { return *store_; }

  // A committed layer holding one file, on top of parent.
  Digest make_layer(const std::optional<Digest>& parent, const std::string& content) {
    auto diff_id = Digest::of("diff " + content);
    auto chain = chain_id(parent, diff_id);
    auto writer = store().begin_layer(chain);
    if (!writer) {
      return chain;
    }
    UniqueFd fd(::openat(writer->diff_fd(), "file", O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
    write_all(fd.get(), content, "file");
    auto blob = Digest::of("blob " + content);
    store().put_blob(blob, "blob " + content);
    writer->commit(LayerRecord{.chain_id = chain,
                               .diff_id = diff_id,
                               .parent = parent,
                               .blob = blob,
                               .media_type = std::string(media_type::kOciLayerGzip),
                               .blob_size = 5 + content.size(),
                               .diff_size = 10});
    return chain;
  }

  // An image of one layer whose config says config_text, stored with its manifest and names.
  ImageRecord make_image(const std::string& config_text, std::vector<std::string> names,
                         const std::string& layer_content = "base") {
    auto chain = make_layer(std::nullopt, layer_content);
    auto layer = store().layer(chain);
    auto config = "{\"config\":\"" + config_text + "\"}";
    store().put_blob(Digest::of(config), config);
    boost::json::object manifest{
        {"schemaVersion", 2},
        {"mediaType", media_type::kOciManifest},
        {"config",
         {{"mediaType", media_type::kOciConfig}, {"digest", Digest::of(config).str()}, {"size", config.size()}}},
        {"layers", boost::json::array{
                       {{"mediaType", layer.media_type}, {"digest", layer.blob.str()}, {"size", layer.blob_size}}}}};
    auto manifest_text = boost::json::serialize(manifest);
    store().put_blob(Digest::of(manifest_text), manifest_text);
    return store().add_image(ImageRecord{.id = Digest::of(config),
                                         .manifest = Digest::of(manifest_text),
                                         .manifest_media_type = std::string(media_type::kOciManifest),
                                         .names = std::move(names),
                                         .digests = {},
                                         .layers = {chain},
                                         .created = {},
                                         .size = layer.diff_size});
  }

  std::vector<std::string> tmp_entries() const {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(dir_ + "/root/tmp")) {
      out.push_back(e.path().filename());
    }
    return out;
  }

  std::string dir_;
  std::unique_ptr<Store> store_;
};

std::span<const std::byte> bytes_of(std::string_view s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

std::string read_source(ByteSource& source) {
  std::string out;
  std::array<std::byte, 7> buffer{};
  while (size_t n = source.read(buffer)) {
    out.append(reinterpret_cast<const char*>(buffer.data()), n);
  }
  return out;
}

TEST(ChainIdTest, MatchesTheOciDefinition) {
  // Expected values from sha256sum over "sha256:<parent> sha256:<diff>".
  auto a = Digest::of("a");
  auto b = Digest::of("b");
  auto c = Digest::of("c");
  auto ids = chain_ids({a, b, c});
  ASSERT_EQ(ids.size(), 3U);
  EXPECT_EQ(ids[0], a);
  EXPECT_EQ(ids[1].str(), "sha256:51c0c8ace48498d6f5fee6b0592cc06f2da0f3cbe09c5a34a97dce85c3889676");
  EXPECT_EQ(ids[2].str(), "sha256:2fce7f8ce91bcf0a1428b36e1024639fdbd9469eea762dba98aa749631885106");
  EXPECT_EQ(chain_id(ids[1], c), ids[2]);
  EXPECT_TRUE(chain_ids({}).empty());
}

TEST_F(StoreTest, PutBlobVerifiesItsDigest) {
  auto digest = Digest::of("hello");
  EXPECT_THROW(store().put_blob(digest, "hellO"), Error);
  EXPECT_FALSE(store().has_blob(digest));
  store().put_blob(digest, "hello");
  store().put_blob(digest, "hello");  // again: fine
  EXPECT_EQ(store().read_blob(digest, 100), "hello");
  EXPECT_THROW((void)store().read_blob(digest, 4), Error);
  auto source = store().open_blob(digest);
  EXPECT_EQ(read_source(*source), "hello");
  EXPECT_TRUE(tmp_entries().empty());
}

TEST_F(StoreTest, ReadBlobRefusesACorruptBlob) {
  auto digest = Digest::of("hello");
  store().put_blob(digest, "hello");
  write_file(store().blob_path(digest), "jello");
  try {
    (void)store().read_blob(digest, 100);
    FAIL() << "a corrupt blob was read";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("corrupt"), std::string::npos) << e.what();
  }
}

TEST_F(StoreTest, BlobWriterResumesAndCommitsOnlyTheRightDigest) {
  std::string content = "0123456789abcdefghij";
  auto digest = Digest::of(content);
  {
    auto writer = store().begin_blob(digest);
    ASSERT_TRUE(writer);
    EXPECT_EQ(writer->size(), 0U);
    writer->append(bytes_of(content.substr(0, 8)));
  }
  EXPECT_FALSE(store().has_blob(digest));
  auto writer = store().begin_blob(digest);
  ASSERT_TRUE(writer);
  ASSERT_EQ(writer->size(), 8U);
  EXPECT_EQ(read_source(*writer->read_existing()), content.substr(0, 8));
  writer->append(bytes_of(content.substr(8)));
  EXPECT_THROW(writer->commit(Digest::of("other")), Error);
  EXPECT_FALSE(store().has_blob(digest));
  EXPECT_EQ(writer->size(), 0U);  // a wrong download starts over
  writer->append(bytes_of(content));
  Sha256 sha;
  sha.update(content);
  writer->commit(sha.finish());
  EXPECT_EQ(store().read_blob(digest, 100), content);
  EXPECT_FALSE(store().begin_blob(digest));
}

TEST_F(StoreTest, LayerCommitIsAllOrNothing) {
  auto diff_id = Digest::of("d");
  {
    auto writer = store().begin_layer(diff_id);
    ASSERT_TRUE(writer);
    UniqueFd fd(::openat(writer->diff_fd(), "half", O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
    // Dropped without commit, as a failed unpack does.
  }
  EXPECT_FALSE(store().has_layer(diff_id));
  EXPECT_TRUE(tmp_entries().size() <= 1U);  // at most the lock file
  auto chain = make_layer(std::nullopt, "content");
  EXPECT_TRUE(store().has_layer(chain));
  EXPECT_EQ(read_file(store().layer_dir(chain) + "/file"), "content");
  auto record = store().layer(chain);
  EXPECT_EQ(record.chain_id, chain);
  EXPECT_EQ(record.diff_id, Digest::of("diff content"));
  EXPECT_FALSE(record.parent);
  auto top = make_layer(chain, "top");
  EXPECT_EQ(store().layer(top).parent, chain);
  EXPECT_EQ(store().layers().size(), 2U);
  EXPECT_FALSE(store().begin_layer(chain));
}

TEST_F(StoreTest, AStagingDirLeftByAKilledMakerIsRemovedByTheNext) {
  auto chain = Digest::of("killed");
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto writer = store().begin_layer(chain);
    UniqueFd fd(::openat(writer->diff_fd(), "half", O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
    ::_exit(0);  // no destructors, as after kill -9
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(tmp_entries().size(), 2U);  // the lock file and the staging dir

  auto writer = store().begin_layer(chain);
  ASSERT_TRUE(writer);
  auto entries = tmp_entries();
  ASSERT_EQ(entries.size(), 2U);  // the lock file and a new, empty staging dir
  struct stat st {};
  EXPECT_NE(::fstatat(writer->diff_fd(), "half", &st, 0), 0);
}

TEST_F(StoreTest, TmpSpreadsItsDirsOverTheBlockGroupsOnExt4) {
  struct statfs fs {};
  ASSERT_EQ(::statfs(dir_.c_str(), &fs), 0);
  if (fs.f_type != EXT4_SUPER_MAGIC) {
    GTEST_SKIP() << dir_ << " is not on ext4, whose Orlov allocator the flag steers";
  }
  UniqueFd fd(::open((dir_ + "/root/tmp").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  ASSERT_TRUE(fd);
  int flags = 0;
  ASSERT_EQ(::ioctl(fd.get(), FS_IOC_GETFLAGS, &flags), 0);
  EXPECT_NE(flags & FS_TOPDIR_FL, 0);
}

TEST_F(StoreTest, LayerCommitRefusesAnotherChainId) {
  auto writer = store().begin_layer(Digest::of("x"));
  ASSERT_TRUE(writer);
  EXPECT_THROW(writer->commit(LayerRecord{.chain_id = Digest::of("y"),
                                          .diff_id = Digest::of("y"),
                                          .parent = std::nullopt,
                                          .blob = Digest::of("b"),
                                          .media_type = "m",
                                          .blob_size = 0,
                                          .diff_size = 0}),
               Error);
}

TEST_F(StoreTest, ASecondThreadWaitsForTheLayerAndFindsItMade) {
  auto diff_id = Digest::of("shared");
  auto writer = store().begin_layer(diff_id);
  ASSERT_TRUE(writer);
  std::atomic<int> second{-1};
  std::thread other([&] { second = store().begin_layer(diff_id).has_value() ? 1 : 0; });
  // Whenever the other thread got to its lock, it can only have it after this commit.
  UniqueFd fd(::openat(writer->diff_fd(), "f", O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
  writer->commit(LayerRecord{.chain_id = diff_id,
                             .diff_id = diff_id,
                             .parent = std::nullopt,
                             .blob = Digest::of("b"),
                             .media_type = "m",
                             .blob_size = 0,
                             .diff_size = 0});
  other.join();
  EXPECT_EQ(second.load(), 0);
}

TEST_F(StoreTest, ASecondProcessWaitsForTheLayerAndFindsItMade) {
  auto diff_id = Digest::of("shared");
  // Forked before the lock is taken: a child that inherited the locked fd would hold the lock
  // itself.
  std::array<int, 2> pipe_fds{};
  ASSERT_EQ(::pipe2(pipe_fds.data(), O_CLOEXEC), 0);
  UniqueFd read_end(pipe_fds[0]);
  UniqueFd write_end(pipe_fds[1]);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    write_end.reset();
    char go = 0;
    if (::read(read_end.get(), &go, 1) != 1) {
      ::_exit(2);
    }
    Store again(dir_ + "/root", false);
    ::_exit(again.begin_layer(diff_id).has_value() ? 1 : 0);
  }
  read_end.reset();
  auto writer = store().begin_layer(diff_id);
  ASSERT_TRUE(writer);
  write_all(write_end.get(), "g", "pipe");
  writer->commit(LayerRecord{.chain_id = diff_id,
                             .diff_id = diff_id,
                             .parent = std::nullopt,
                             .blob = Digest::of("b"),
                             .media_type = "m",
                             .blob_size = 0,
                             .diff_size = 0});
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the second process made the layer again";
}

TEST_F(StoreTest, FindsImagesByNameIdPrefixAndDigest) {
  auto image = make_image("one", {"docker.io/library/busybox:latest"});
  store().add_image(ImageRecord{image.id,
                                image.manifest,
                                image.manifest_media_type,
                                {},
                                {"docker.io/library/busybox@" + image.manifest.str()},
                                image.layers,
                                {},
                                image.size});
  EXPECT_EQ(store().image("busybox").id, image.id);
  EXPECT_EQ(store().image("docker.io/library/busybox:latest").id, image.id);
  EXPECT_EQ(store().image(image.id.str()).id, image.id);
  EXPECT_EQ(store().image(image.id.hex()).id, image.id);
  EXPECT_EQ(store().image(image.short_id()).id, image.id);
  EXPECT_EQ(store().image("busybox@" + image.manifest.str()).id, image.id);
  EXPECT_EQ(store().image(image.manifest.str()).id, image.id);
  EXPECT_FALSE(store().find_image("busybox:1.0"));
  EXPECT_FALSE(store().find_image("alpine"));
  EXPECT_THROW((void)store().image("alpine"), Error);
  EXPECT_NE(store().image("busybox").created, "");
}

TEST_F(StoreTest, AnAmbiguousIdPrefixIsAnError) {
  // 17 images: two of them share the first hex digit of their id.
  std::map<char, Digest> first;
  std::optional<char> shared;
  for (int i = 0; i < 17 && !shared; ++i) {
    auto image = make_image("image " + std::to_string(i), {});
    char c = image.id.hex()[0];
    if (first.contains(c)) {
      shared = c;
    }
    first.emplace(c, image.id);
  }
  ASSERT_TRUE(shared);
  EXPECT_THROW((void)store().find_image(std::string(1, *shared)), Error);
  EXPECT_EQ(store().image(first.at(*shared).hex()).id, first.at(*shared));
}

TEST_F(StoreTest, ANameMovesToTheImageThatTakesIt) {
  auto old_image = make_image("old", {"docker.io/library/app:1", "docker.io/library/app:latest"});
  auto new_image = make_image("new", {"docker.io/library/app:latest"});
  EXPECT_EQ(store().image("app").id, new_image.id);
  EXPECT_EQ(store().image("app:1").id, old_image.id);
  store().tag_image("app:1", "other:2");
  EXPECT_EQ(store().image("docker.io/library/other:2").id, old_image.id);
  EXPECT_THROW(store().tag_image("nothing", "x:1"), Error);
  EXPECT_EQ(store().images().size(), 2U);
}

TEST_F(StoreTest, AddImageRefusesMissingContent) {
  auto image = make_image("present", {});
  auto missing = image;
  missing.id = Digest::of("no such config");
  EXPECT_THROW(store().add_image(missing), Error);
  missing = image;
  missing.layers.push_back(Digest::of("no such layer"));
  EXPECT_THROW(store().add_image(missing), Error);
}

TEST_F(StoreTest, RmiUntagsThenRemoves) {
  auto image = make_image("x", {"docker.io/library/a:1", "docker.io/library/a:2"});
  auto removed = store().remove_image("a:1", false);
  EXPECT_EQ(removed.untagged, std::vector<std::string>{"docker.io/library/a:1"});
  EXPECT_FALSE(removed.removed);
  EXPECT_EQ(store().image("a:2").id, image.id);
  removed = store().remove_image("a:2", false);
  EXPECT_EQ(removed.removed, image.id);
  EXPECT_TRUE(store().images().empty());
  EXPECT_THROW(store().remove_image("a:2", false), Error);
}

TEST_F(StoreTest, RmiRefusesAnImageInUseUnlessForcedAndGcKeepsTheContainersLayers) {
  auto image = make_image("x", {"docker.io/library/a:1"});
  store().register_container("c1", "a:1");
  EXPECT_THROW(store().register_container("c1", "a:1"), Error);
  EXPECT_THROW(store().register_container("../escape", "a:1"), Error);
  EXPECT_THROW(store().register_container("c2", "unknown"), Error);
  try {
    store().remove_image("a:1", false);
    FAIL() << "an image in use was removed";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("c1"), std::string::npos) << e.what();
  }
  EXPECT_EQ(store().remove_image(image.short_id(), true).removed, image.id);
  auto gc = store().gc();
  EXPECT_EQ(gc.layers, 0U);
  EXPECT_TRUE(store().has_layer(image.layers[0]));
  ASSERT_EQ(store().containers().size(), 1U);
  EXPECT_EQ(store().containers()[0].image, image.id);
  store().unregister_container("c1");
  gc = store().gc();
  EXPECT_EQ(gc.layers, 1U);
  EXPECT_FALSE(store().has_layer(image.layers[0]));
}

TEST_F(StoreTest, GcRemovesWhatNoImageReferencesAndLeftovers) {
  auto kept = make_image("kept", {"docker.io/library/kept:1"}, "kept layer");
  auto dropped = make_image("dropped", {"docker.io/library/dropped:1"}, "dropped layer");
  store().put_blob(Digest::of("stray"), "stray");
  {
    auto partial = store().begin_blob(Digest::of("partial"));
    partial->append(bytes_of("part"));
  }
  store().remove_image("dropped:1", false);
  auto gc = store().gc();
  EXPECT_EQ(gc.layers, 1U);
  EXPECT_EQ(gc.blobs, 4U);  // stray, dropped's config, manifest and layer blob
  EXPECT_GE(gc.temporaries, 1U);
  EXPECT_TRUE(tmp_entries().empty());
  EXPECT_TRUE(store().has_blob(kept.id));
  EXPECT_TRUE(store().has_blob(kept.manifest));
  EXPECT_TRUE(store().has_layer(kept.layers[0]));
  EXPECT_FALSE(store().has_layer(dropped.layers[0]));
  EXPECT_FALSE(store().has_blob(dropped.id));
  store().remove_image("kept:1", false);
  store().gc();
  EXPECT_TRUE(store().layers().empty());
  EXPECT_TRUE(std::filesystem::is_empty(dir_ + "/root/blobs/sha256"));
}

TEST_F(StoreTest, GcWaitsForWriters) {
  auto image = make_image("x", {});
  store().remove_image(image.id.str(), false);
  std::optional<StoreLock> shared(store().lock_shared());
  std::atomic<bool> done{false};
  std::thread gc([&] {
    store().gc();
    done = true;
  });
  // The store is untouched while the shared lock is held, whenever gc got to its lock.
  EXPECT_TRUE(store().has_layer(image.layers[0]));
  EXPECT_FALSE(done.load());
  shared.reset();
  gc.join();
  EXPECT_FALSE(store().has_layer(image.layers[0]));
}

}  // namespace
}  // namespace skiff::image

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <mutex>

#include "oci_layout.h"
#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/subprocess.h"
#include "skiff/image/pull.h"
#include "store_fixture.h"
#include "test_images.h"
#include "test_registry.h"

namespace skiff::image {
namespace {

using skiff::testing::RegistryAuth;
using skiff::testing::TestRegistry;
using testing::fsck;
using testing::registries_for;
using testing::StoreDir;

// What a pull's progress callback saw: the last state of each layer.
struct SeenStates {
  std::mutex mutex;
  std::map<size_t, LayerState> last;
  LayerProgressCallback callback() {
    return [this](const LayerProgress& p) {
      std::lock_guard guard(mutex);
      last[p.index] = p.state;
    };
  }
};

PullOptions options_for(const TestRegistry& registry, const StoreDir& dir) {
  PullOptions options;
  options.registries = registries_for(registry, dir.path());
  return options;
}

std::vector<std::string> entries(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    out.push_back(e.path().filename());
  }
  return out;
}

TEST(Pull, BusyboxFromAPlainRegistry) {
  TestRegistry registry;
  skiff::testing::push_test_image(registry, "busybox", "library/busybox:latest");
  StoreDir dir;
  SeenStates seen;
  auto options = options_for(registry, dir);
  options.progress = seen.callback();
  auto image = pull(registry.host() + "/library/busybox", dir.store(), options);
  EXPECT_EQ(image.names, std::vector<std::string>{registry.host() + "/library/busybox:latest"});
  ASSERT_EQ(image.layers.size(), 1U);
  EXPECT_TRUE(std::filesystem::is_regular_file(dir.store().layer_dir(image.layers[0]) + "/bin/busybox"));
  EXPECT_EQ(std::filesystem::read_symlink(dir.store().layer_dir(image.layers[0]) + "/bin/sh"), "busybox");
  EXPECT_EQ(seen.last.at(0), LayerState::done);
  EXPECT_EQ(dir.store().image(registry.host() + "/library/busybox:latest").id, image.id);
  EXPECT_EQ(dir.store().image(image.digests.at(0)).id, image.id);
  EXPECT_EQ(fsck(dir.store()), std::vector<std::string>{});
  EXPECT_TRUE(entries(dir.root() + "/tmp").size() <= 2U);  // lock files at most
}

TEST(Pull, SkipsLayersAlreadyInTheStore) {
  TestRegistry registry;
  skiff::testing::push_test_image(registry, "busybox", "library/busybox:latest");
  skiff::testing::push_test_image(registry, "layered", "library/layered:latest");
  StoreDir dir;
  auto options = options_for(registry, dir);
  auto busybox = pull(registry.host() + "/library/busybox", dir.store(), options);
  SeenStates seen;
  options.progress = seen.callback();
  auto layered = pull(registry.host() + "/library/layered", dir.store(), options);
  ASSERT_GT(layered.layers.size(), 1U);
  EXPECT_EQ(layered.layers[0], busybox.layers[0]);
  EXPECT_EQ(seen.last.at(0), LayerState::present);
  for (size_t i = 1; i < layered.layers.size(); ++i) {
    EXPECT_EQ(seen.last.at(i), LayerState::done) << "layer " << i;
  }
  SeenStates again;
  options.progress = again.callback();
  EXPECT_EQ(pull(registry.host() + "/library/layered", dir.store(), options).id, layered.id);
  for (const auto& [index, state] : again.last) {
    EXPECT_EQ(state, LayerState::present) << "layer " << index;
  }
  EXPECT_EQ(fsck(dir.store()), std::vector<std::string>{});
}

TEST(Pull, OverTlsWithTokenAuth) {
  TestRegistry registry({.tls = true, .auth = RegistryAuth::kToken});
  skiff::testing::push_test_image(registry, "busybox", "library/busybox:latest");
  StoreDir dir;
  auto options = options_for(registry, dir);
  EXPECT_THROW(pull(registry.host() + "/library/busybox", dir.store(), options), Error);
  options.credentials = registry.credentials();
  auto image = pull(registry.host() + "/library/busybox", dir.store(), options);
  EXPECT_EQ(image.layers.size(), 1U);
  EXPECT_EQ(fsck(dir.store()), std::vector<std::string>{});
}

TEST(Pull, CredentialsFromAnAuthFile) {
  TestRegistry registry({.tls = false, .auth = RegistryAuth::kHtpasswd});
  skiff::testing::push_test_image(registry, "busybox", "library/busybox:latest");
  StoreDir dir;
  auto options = options_for(registry, dir);
  auto creds = registry.credentials();
  auto auth = dir.path() + "/auth.json";
  // base64 of "user:password" by openssl, not by the code under test.
  SubprocessOptions b64;
  b64.args = {"openssl", "base64", "-A"};
  b64.input = creds.username + ":" + creds.password;
  auto encoded = run_subprocess(b64).out;
  write_file(auth, "{\"auths\":{\"" + registry.host() + "\":{\"auth\":\"" + encoded + "\"}}}");
  options.auth_file = auth;
  EXPECT_EQ(pull(registry.host() + "/library/busybox", dir.store(), options).layers.size(), 1U);
}

TEST(Pull, PicksThePlatformFromAnIndex) {
  TestRegistry registry;
  skiff::testing::push_test_image(registry, "multiarch", "library/multi:latest");
  StoreDir dir;
  auto options = options_for(registry, dir);
  options.platform = Platform::parse("linux/arm64/v8");
  auto arm = pull(registry.host() + "/library/multi", dir.store(), options);
  EXPECT_EQ(read_file(dir.store().layer_dir(arm.layers.back()) + "/etc/skiff-platform"), "linux/arm64\n");
  options.platform = Platform::parse("linux/amd64");
  auto amd = pull(registry.host() + "/library/multi", dir.store(), options);
  EXPECT_EQ(read_file(dir.store().layer_dir(amd.layers.back()) + "/etc/skiff-platform"), "linux/amd64\n");
  EXPECT_NE(arm.id, amd.id);
  // The name follows the last pull; the first image keeps its repository digests.
  EXPECT_EQ(dir.store().image(registry.host() + "/library/multi").id, amd.id);
  EXPECT_EQ(dir.store().image(arm.digests.back()).id, arm.id);
  options.platform = Platform::parse("linux/s390x");
  EXPECT_THROW(pull(registry.host() + "/library/multi", dir.store(), options), Error);
  EXPECT_EQ(fsck(dir.store()), std::vector<std::string>{});
}

TEST(Pull, ZstdLayers) {
  TestRegistry registry;
  skiff::testing::push_test_image(registry, "zstd", "library/zstd:latest");
  StoreDir dir;
  auto image = pull(registry.host() + "/library/zstd", dir.store(), options_for(registry, dir));
  auto layer = dir.store().layer(image.layers[0]);
  EXPECT_EQ(layer.media_type, media_type::kOciLayerZstd);
  EXPECT_TRUE(std::filesystem::is_regular_file(dir.store().layer_dir(image.layers[0]) + "/bin/busybox"));
  EXPECT_EQ(fsck(dir.store()), std::vector<std::string>{});
}

TEST(Pull, FallsBackFromADeadMirror) {
  TestRegistry registry;
  skiff::testing::push_test_image(registry, "busybox", "library/busybox:latest");
  StoreDir dir;
  PullOptions options;
  // Port 1 on loopback: nothing listens.
  options.registries = registries_for(registry, dir.path(), "127.0.0.1:1");
  ASSERT_EQ(options.registries.endpoints_for(Reference::parse(registry.host() + "/library/busybox")).size(), 2U);
  EXPECT_EQ(pull(registry.host() + "/library/busybox", dir.store(), options).layers.size(), 1U);
}

TEST(Pull, ATamperedBlobIsRefusedAndNothingOfItCommitted) {
  TestRegistry registry;
  skiff::testing::TempDir layout_dir;
  auto layout = skiff::testing::make_oci_layout(layout_dir.path(),
                                                {{{"a.txt", "first layer\n"}}, {{"b.txt", "second\n"}}}, "latest");
  registry.push(layout.source, "library/tampered:latest");
  // Same size, other bytes: only the digest can tell.
  auto victim = layout.layers[1].digest;
  auto blob = read_file(registry.blob_path(victim));
  blob[blob.size() / 2] = static_cast<char>(blob[blob.size() / 2] ^ 0x55);
  write_file(registry.blob_path(victim), blob);

  StoreDir dir;
  try {
    pull(registry.host() + "/library/tampered", dir.store(), options_for(registry, dir));
    FAIL() << "a tampered blob was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(victim.str()), std::string::npos) << e.what();
  }
  auto chains = chain_ids(layout.diff_ids);
  EXPECT_FALSE(dir.store().has_layer(chains[1]));
  EXPECT_FALSE(dir.store().has_blob(victim));
  EXPECT_TRUE(dir.store().images().empty());
  EXPECT_EQ(fsck(dir.store()), std::vector<std::string>{});
}

TEST(Pull, TwoProcessesPullingTheSameImage) {
  TestRegistry registry;
  skiff::testing::push_test_image(registry, "layered", "library/layered:latest");
  StoreDir dir;
  auto options = options_for(registry, dir);
  auto ref = registry.host() + "/library/layered";
  std::vector<pid_t> children;
  for (int i = 0; i < 2; ++i) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      try {
        Store store(dir.root(), false);
        pull(ref, store, options);
        ::_exit(0);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "pull in child: %s\n", e.what());
        ::_exit(1);
      }
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    EXPECT_EQ(wait_exit_code(pid), 0);
  }
  auto images = dir.store().images();
  ASSERT_EQ(images.size(), 1U);
  EXPECT_EQ(dir.store().layers().size(), images[0].layers.size());
  EXPECT_EQ(fsck(dir.store()), std::vector<std::string>{});
}

// The layered test image: busybox's layer and three more.
constexpr size_t kLayeredLayers = 4;

enum class KillPoint { mid_download, first_layer_done, all_layers_done };

// Pulls in a child process that SIGKILLs itself at point; returns the child's exit code.
int pull_killed_at(const std::string& root, const std::string& ref, PullOptions options, KillPoint point) {
  pid_t pid = ::fork();
  if (pid == 0) {
    Store store(root, false);
    size_t layers_done = 0;
    options.parallelism = 1;
    options.progress = [&](const LayerProgress& p) {
      bool kill = false;
      switch (point) {
        case KillPoint::mid_download:
          kill = p.state == LayerState::downloading && p.done > 0 && p.done < p.total;
          break;
        case KillPoint::first_layer_done:
          kill = p.state == LayerState::done;
          break;
        case KillPoint::all_layers_done:
          layers_done += p.state == LayerState::done || p.state == LayerState::present ? 1 : 0;
          kill = layers_done == kLayeredLayers;
          break;
      }
      if (kill) {
        ::raise(SIGKILL);
      }
    };
    try {
      pull(ref, store, options);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "pull in child: %s\n", e.what());
    }
    ::_exit(1);
  }
  return wait_exit_code(pid);
}

TEST(Pull, APullKilledAnywhereLeavesAConsistentStoreAndTheNextOneCompletes) {
  TestRegistry registry;
  skiff::testing::push_test_image(registry, "layered", "library/layered:latest");
  auto ref = registry.host() + "/library/layered";
  for (auto point : {KillPoint::mid_download, KillPoint::first_layer_done, KillPoint::all_layers_done}) {
    SCOPED_TRACE(static_cast<int>(point));
    StoreDir dir;
    auto options = options_for(registry, dir);
    ASSERT_EQ(pull_killed_at(dir.root(), ref, options, point), 128 + SIGKILL);
    EXPECT_EQ(fsck(dir.store()), std::vector<std::string>{});
    EXPECT_TRUE(dir.store().images().empty());
    if (point == KillPoint::mid_download) {
      // The bytes already downloaded wait in a partial file for the next pull.
      bool partial = false;
      for (const auto& name : entries(dir.root() + "/tmp")) {
        partial = partial || (name.starts_with("blob-") && std::filesystem::file_size(dir.root() + "/tmp/" + name) > 0);
      }
      EXPECT_TRUE(partial);
    }
    auto image = pull(ref, dir.store(), options);
    EXPECT_EQ(fsck(dir.store()), std::vector<std::string>{});
    EXPECT_EQ(dir.store().layers().size(), image.layers.size());
    EXPECT_EQ(read_file(dir.store().layer_dir(image.layers.back()) + "/data/dir/c"), "opaque\n");
  }
}

TEST(Pull, RmiAndGcLeaveAnEmptyStore) {
  TestRegistry registry;
  skiff::testing::push_test_image(registry, "busybox", "library/busybox:latest");
  skiff::testing::push_test_image(registry, "layered", "library/layered:latest");
  StoreDir dir;
  auto options = options_for(registry, dir);
  pull(registry.host() + "/library/busybox", dir.store(), options);
  auto layered = pull(registry.host() + "/library/layered", dir.store(), options);
  dir.store().tag_image(layered.short_id(), "localhost/mine:1");
  EXPECT_FALSE(dir.store().remove_image("localhost/mine:1", false).removed);
  dir.store().remove_image(registry.host() + "/library/busybox", false);
  // busybox's layer is layered's bottom layer: gc keeps it.
  auto gc = dir.store().gc();
  EXPECT_EQ(gc.layers, 0U);
  EXPECT_EQ(fsck(dir.store()), std::vector<std::string>{});
  EXPECT_EQ(dir.store().remove_image(layered.id.str(), false).removed, layered.id);
  gc = dir.store().gc();
  EXPECT_EQ(gc.layers, layered.layers.size());
  EXPECT_TRUE(dir.store().images().empty());
  EXPECT_TRUE(entries(dir.root() + "/layers").empty());
  EXPECT_TRUE(entries(dir.root() + "/blobs/sha256").empty());
  EXPECT_TRUE(entries(dir.root() + "/tmp").empty());
}

}  // namespace
}  // namespace skiff::image

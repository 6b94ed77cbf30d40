// Logs how fast a large layer decompresses and unpacks (a figure to watch, not a threshold).

#include <fcntl.h>
#include <gtest/gtest.h>

#include <chrono>
#include <random>

#include "layer_test_support.h"
#include "skiff/image/layer_unpack.h"

namespace skiff::image {
namespace {

using testing::gzip;
using testing::StringSource;
using testing::TarBuilder;
using testing::zstd;

// About 200 MB in files of 64 KB to 4 MB: a third random bytes, the rest text, roughly the
// mix of a distribution's userland layer.
std::string large_layer() {
  std::mt19937_64 rng(7);
  TarBuilder tar;
  size_t total = 0;
  for (int i = 0; total < (200U << 20); ++i) {
    size_t size = (64U << 10) << (i % 7);
    std::string content(size, '\0');
    if (i % 3 == 0) {
      for (size_t j = 0; j + 8 <= size; j += 8) {
        uint64_t word = rng();
        std::memcpy(content.data() + j, &word, 8);
      }
    } else {
      content.clear();
      while (content.size() < size) {
        content += "usr/share/doc/package-" + std::to_string(rng() % 5000) + "/changelog entry text\n";
      }
      content.resize(size);
    }
    tar.file("usr/share/data/dir" + std::to_string(i % 50) + "/file" + std::to_string(i), content);
    total += size;
  }
  return tar.finish();
}

double mb_per_s(uint64_t bytes, std::chrono::steady_clock::duration elapsed) {
  return static_cast<double>(bytes) / (1 << 20) / std::chrono::duration<double>(elapsed).count();
}

TEST(LayerUnpackThroughput, LargeLayer) {
  std::string tar = large_layer();
  for (auto [compression, name, blob] :
       {std::tuple{Compression::gzip, "gzip", gzip(tar)}, std::tuple{Compression::zstd, "zstd", zstd(tar)}}) {
    StringSource in(blob);
    auto start = std::chrono::steady_clock::now();
    auto out = decompress(compression, in, tar.size());
    std::vector<std::byte> buffer(1 << 20);
    uint64_t size = 0;
    while (size_t n = out->read(buffer)) {
      size += n;
    }
    EXPECT_EQ(size, tar.size());
    auto inflated = std::chrono::steady_clock::now() - start;

    testing::ScratchDir dir;
    UniqueFd fd(::open(dir.path().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    StringSource layer(blob);
    start = std::chrono::steady_clock::now();
    UnpackResult result = unpack_layer(layer, compression, fd.get(), {});
    auto unpacked = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(result.diff_id, Digest::of(tar));

    std::cout << name << ": " << (tar.size() >> 20) << " MB tar (" << (blob.size() >> 20)
              << " MB compressed): decompress " << static_cast<int>(mb_per_s(tar.size(), inflated))
              << " MB/s, unpack (decompress + sha256 + tar + write) "
              << static_cast<int>(mb_per_s(tar.size(), unpacked)) << " MB/s of tar\n";
  }
}

TEST(LayerUnpackThroughput, ManySmallFiles) {
  TarBuilder tar;
  constexpr int kFiles = 20000;
  for (int i = 0; i < kFiles; ++i) {
    tar.file("usr/lib/dir" + std::to_string(i % 200) + "/file" + std::to_string(i), std::string(1000, 'x'),
             {.mode = 0644, .mtime = 1700000000});
  }
  std::string blob = gzip(tar.finish());
  testing::ScratchDir dir;
  UniqueFd fd(::open(dir.path().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  StringSource layer(blob);
  auto start = std::chrono::steady_clock::now();
  unpack_layer(layer, Compression::gzip, fd.get(), {});
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "gzip: " << kFiles << " files of 1 KB in 200 directories: " << static_cast<int>(kFiles / seconds)
            << " files/s\n";
}

}  // namespace
}  // namespace skiff::image

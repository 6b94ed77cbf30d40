#include <gtest/gtest.h>

#include <random>

#include "layer_test_support.h"
#include "skiff/base/error.h"
#include "skiff/image/layer_unpack.h"

namespace skiff::image {
namespace {

using testing::gzip;
using testing::read_all;
using testing::StringSource;
using testing::zstd;

// Text with some randomness: compresses, but not to nothing.
std::string sample_data(size_t size) {
  std::mt19937 rng(42);
  std::string out;
  out.reserve(size);
  while (out.size() < size) {
    out += "line " + std::to_string(rng()) + " of the sample data\n";
  }
  out.resize(size);
  return out;
}

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Decompress, MediaTypes) {
  EXPECT_EQ(compression_of_media_type("application/vnd.oci.image.layer.v1.tar+gzip"), Compression::gzip);
  EXPECT_EQ(compression_of_media_type("application/vnd.docker.image.rootfs.diff.tar.gzip"), Compression::gzip);
  EXPECT_EQ(compression_of_media_type("application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"),
            Compression::gzip);
  EXPECT_EQ(compression_of_media_type("application/vnd.oci.image.layer.v1.tar+zstd"), Compression::zstd);
  EXPECT_EQ(compression_of_media_type("application/vnd.oci.image.layer.v1.tar"), Compression::none);
  std::string message = error_of([] { compression_of_media_type("application/vnd.oci.image.config.v1+json"); });
  EXPECT_NE(message.find("application/vnd.oci.image.config.v1+json"), std::string::npos) << message;
}

TEST(Decompress, NonePassesThrough) {
  std::string data = sample_data(300000);
  StringSource in(data, 7000);
  auto out = decompress(Compression::none, in, data.size());
  EXPECT_EQ(read_all(*out), data);
}

TEST(Decompress, GzipFromTheCli) {
  std::string data = sample_data(3 << 20);
  // Small input reads make the inflater stop and resume in the middle of blocks and headers.
  for (size_t chunk : {size_t{1}, size_t{4093}, SIZE_MAX}) {
    std::string compressed = gzip(chunk == 1 ? data.substr(0, 100000) : data);
    StringSource in(compressed, chunk);
    auto out = decompress(Compression::gzip, in, 64 << 20);
    EXPECT_EQ(read_all(*out), chunk == 1 ? data.substr(0, 100000) : data) << "chunk " << chunk;
    EXPECT_EQ(in.position(), compressed.size());
  }
}

TEST(Decompress, GzipWithMultipleMembers) {
  std::string a = sample_data(500000);
  std::string b = "the second member\n";
  std::string c = sample_data(70000);
  std::string compressed = gzip(a) + gzip(b) + gzip("") + gzip(c);
  for (size_t chunk : {size_t{333}, SIZE_MAX}) {
    StringSource in(compressed, chunk);
    auto out = decompress(Compression::gzip, in, 64 << 20);
    EXPECT_EQ(read_all(*out), a + b + c) << "chunk " << chunk;
  }
}

TEST(Decompress, GzipWithHeaderFields) {
  // gzip -N stores the file name in the header (FNAME), which the inflater must skip.
  testing::ScratchDir dir;
  write_file(dir.path() + "/named.txt", "named content");
  SubprocessOptions options;
  options.args = {"gzip", "-N", "-k", dir.path() + "/named.txt"};
  ASSERT_TRUE(run_subprocess(options).ok());
  std::string compressed = read_file(dir.path() + "/named.txt.gz");
  StringSource in(compressed);
  auto out = decompress(Compression::gzip, in, 1000);
  EXPECT_EQ(read_all(*out), "named content");
}

TEST(Decompress, ZstdFromTheCliWithMultipleFrames) {
  std::string a = sample_data(2 << 20);
  std::string b = sample_data(12345);
  std::string compressed = zstd(a) + zstd(b);
  for (size_t chunk : {size_t{1000}, SIZE_MAX}) {
    StringSource in(compressed, chunk);
    auto out = decompress(Compression::zstd, in, 64 << 20);
    EXPECT_EQ(read_all(*out), a + b) << "chunk " << chunk;
    EXPECT_EQ(in.position(), compressed.size());
  }
}

TEST(Decompress, BombsAreStoppedAtTheLimit) {
  constexpr uint64_t kLimit = 10 << 20;
  std::string zeros(100 << 20, '\0');
  for (auto [compression, compressed] :
       {std::pair{Compression::gzip, gzip(zeros)}, std::pair{Compression::zstd, zstd(zeros)},
        std::pair{Compression::none, zeros}}) {
    StringSource in(compressed);
    auto out = decompress(compression, in, kLimit);
    uint64_t produced = 0;
    std::string message = error_of([&] {
      std::vector<std::byte> buffer(65536);
      while (size_t n = out->read(buffer)) {
        produced += n;
      }
    });
    EXPECT_NE(message.find("exceeds the limit of 10485760 bytes"), std::string::npos) << message;
    EXPECT_NE(message.find("decompression bomb"), std::string::npos) << message;
    // Nothing beyond the limit was handed out.
    EXPECT_LE(produced, kLimit) << static_cast<int>(compression);
  }
}

TEST(Decompress, ExactlyTheLimitIsAllowed) {
  std::string data = sample_data(100000);
  std::string compressed = gzip(data);
  StringSource in(compressed);
  auto out = decompress(Compression::gzip, in, data.size());
  EXPECT_EQ(read_all(*out), data);
}

TEST(Decompress, TruncatedStreamsAreErrors) {
  std::string data = sample_data(1 << 20);
  std::string gz = gzip(data);
  std::string zs = zstd(data);
  for (size_t cut : {gz.size() / 2, gz.size() - 4, size_t{5}}) {
    StringSource in(gz.substr(0, cut));
    auto out = decompress(Compression::gzip, in, 64 << 20);
    std::string message = error_of([&] { read_all(*out); });
    EXPECT_NE(message.find("gzip: truncated"), std::string::npos) << cut << ": " << message;
  }
  for (size_t cut : {zs.size() / 2, zs.size() - 1, size_t{3}}) {
    StringSource in(zs.substr(0, cut));
    auto out = decompress(Compression::zstd, in, 64 << 20);
    std::string message = error_of([&] { read_all(*out); });
    EXPECT_NE(message.find("zstd: truncated"), std::string::npos) << cut << ": " << message;
  }
}

TEST(Decompress, CorruptAndEmptyStreamsAreErrors) {
  std::string gz = gzip(sample_data(100000));
  gz[gz.size() - 6] ^= 0x55;  // the CRC32 in the trailer
  StringSource bad_crc(gz);
  auto out = decompress(Compression::gzip, bad_crc, 1 << 20);
  EXPECT_NE(error_of([&] { read_all(*out); }).find("gzip: CRC mismatch"), std::string::npos);

  StringSource not_gzip(std::string("this is not gzip at all"));
  out = decompress(Compression::gzip, not_gzip, 1 << 20);
  EXPECT_NE(error_of([&] { read_all(*out); }).find("gzip: invalid gzip header"), std::string::npos);

  StringSource trailing(gzip("x") + "garbage after the member");
  out = decompress(Compression::gzip, trailing, 1 << 20);
  EXPECT_NE(error_of([&] { read_all(*out); }).find("gzip:"), std::string::npos);

  StringSource empty_gzip(std::string{});
  out = decompress(Compression::gzip, empty_gzip, 1 << 20);
  EXPECT_NE(error_of([&] { read_all(*out); }).find("gzip: empty input"), std::string::npos);

  StringSource empty_zstd(std::string{});
  out = decompress(Compression::zstd, empty_zstd, 1 << 20);
  EXPECT_NE(error_of([&] { read_all(*out); }).find("zstd: empty input"), std::string::npos);

  StringSource not_zstd(std::string("this is not zstd at all"));
  out = decompress(Compression::zstd, not_zstd, 1 << 20);
  EXPECT_NE(error_of([&] { read_all(*out); }).find("zstd: "), std::string::npos);
}

}  // namespace
}  // namespace skiff::image

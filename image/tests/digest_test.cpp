#include "skiff/image/digest.h"

#include <gtest/gtest.h>

#include <cstring>

#include "skiff/base/error.h"

namespace skiff::image {
namespace {

class StringSource : public ByteSource {
 public:
  explicit StringSource(std::string data) : data_(std::move(data)) {}
  size_t read(std::span<std::byte> buffer) override {
    size_t n = std::min(buffer.size(), data_.size() - pos_);
    std::memcpy(buffer.data(), data_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  std::string data_;
  size_t pos_ = 0;
};

TEST(Digest, OfKnownStrings) {
  EXPECT_EQ(Digest::of("").str(), "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Digest::of("abc").hex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Digest, ParseRejectsBadTextNamingTheField) {
  EXPECT_NO_THROW(Digest::parse("sha256:" + std::string(64, 'a'), "layers[0].digest"));
  try {
    Digest::parse("sha256:ABC", "layers[0].digest");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("layers[0].digest"), std::string::npos) << e.what();
  }
  EXPECT_THROW(Digest::parse("md5:" + std::string(32, 'a'), "x"), Error);
  EXPECT_THROW(Digest::parse(std::string(64, 'a'), "x"), Error);
  EXPECT_THROW(Digest::parse("sha256:" + std::string(63, 'a'), "x"), Error);
}

TEST(HashingSource, HashesWhatPassesThrough) {
  std::string data(100000, 'x');
  StringSource inner(data);
  HashingSource hashing(inner);
  std::array<std::byte, 4096> buf{};
  size_t total = 0;
  while (size_t n = hashing.read(buf)) {
    total += n;
  }
  EXPECT_EQ(total, data.size());
  EXPECT_EQ(hashing.bytes(), data.size());
  EXPECT_EQ(hashing.finish(), Digest::of(data));
}

}  // namespace
}  // namespace skiff::image

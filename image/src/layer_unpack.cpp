#include "skiff/image/layer_unpack.h"

#include <vector>

#include "layer_writer.h"
#include "tar_reader.h"

namespace skiff::image {

namespace {

// Reports the compressed bytes read so far to the progress callback, at most once per step.
class ProgressSource : public ByteSource {
 public:
  ProgressSource(ByteSource& inner, const std::function<void(uint64_t)>& progress)
      : inner_(inner), progress_(progress) {}

  size_t read(std::span<std::byte> buffer) override {
    size_t n = inner_.read(buffer);
    bytes_ += n;
    if (progress_ && (bytes_ >= reported_ + kStep || n == 0)) {
      reported_ = bytes_;
      progress_(bytes_);
    }
    return n;
  }

 private:
  static constexpr uint64_t kStep = uint64_t{1} << 20;
  ByteSource& inner_;
  const std::function<void(uint64_t)>& progress_;
  uint64_t bytes_ = 0;
  uint64_t reported_ = 0;
};

}  // namespace

UnpackResult unpack_layer(ByteSource& blob, Compression compression, int dirfd, const UnpackOptions& options) {
  ProgressSource counted(blob, options.progress);
  std::unique_ptr<ByteSource> tar = decompress(compression, counted, options.max_uncompressed_bytes);
  HashingSource hashed(*tar);
  {
    TarReader reader(hashed);
    LayerDirWriter writer(dirfd, options.rootless);
    while (auto entry = reader.next()) {
      writer.write(*entry, reader);
    }
    writer.finish();
  }
  // libarchive stops at the end-of-archive marker, but the diff_id covers the whole
  // uncompressed stream: the padding to the record size and anything after it.
  std::vector<std::byte> rest(size_t{64} * 1024);
  while (hashed.read(rest) > 0) {
  }
  return UnpackResult{hashed.finish(), hashed.bytes()};
}

}  // namespace skiff::image

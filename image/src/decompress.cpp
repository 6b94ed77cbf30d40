#include <isa-l.h>
#include <zstd.h>

#include <cstring>
#include <string>
#include <vector>

#include "skiff/base/error.h"
#include "skiff/image/layer_unpack.h"

namespace skiff::image {

namespace {

// Compressed input is read in chunks of this size; large enough that a pull's HTTP body and
// the inflater both work on big spans.
constexpr size_t kInputChunk = size_t{256} * 1024;

std::string limit_error(uint64_t max_output) {
  return "decompressed data exceeds the limit of " + std::to_string(max_output) +
         " bytes (a decompression bomb, or a layer larger than max_uncompressed_bytes)";
}

// Counts what a decompressor produced and enforces the bound.
class OutputLimit {
 public:
  explicit OutputLimit(uint64_t max_output) : max_(max_output) {}
  void add(size_t n) {
    total_ += n;
    if (total_ > max_) {
      throw Error(limit_error(max_));
    }
  }

 private:
  uint64_t max_;
  uint64_t total_ = 0;
};

// A buffered view of the compressed input: the decompressors consume it from the front.
class InputBuffer {
 public:
  explicit InputBuffer(ByteSource& in) : in_(in), data_(kInputChunk) {}

  // Refills when empty; false at the end of the input.
  bool fill() {
    if (pos_ < end_) {
      return true;
    }
    if (eof_) {
      return false;
    }
    pos_ = 0;
    end_ = in_.read(data_);
    eof_ = end_ == 0;
    return !eof_;
  }
  [[nodiscard]] std::byte* begin() { return data_.data() + pos_; }
  [[nodiscard]] size_t size() const { return end_ - pos_; }
  void consume(size_t n) { pos_ += n; }

 private:
  ByteSource& in_;
  std::vector<std::byte> data_;
  size_t pos_ = 0;
  size_t end_ = 0;
  bool eof_ = false;
};

class PlainSource : public ByteSource {
 public:
  PlainSource(ByteSource& in, uint64_t max_output) : in_(in), limit_(max_output) {}
  size_t read(std::span<std::byte> buffer) override {
    size_t n = in_.read(buffer);
    limit_.add(n);
    return n;
  }

 private:
  ByteSource& in_;
  OutputLimit limit_;
};

std::string isal_error_name(int rc) {
  switch (rc) {
    case ISAL_INVALID_BLOCK:
      return "invalid deflate block";
    case ISAL_INVALID_SYMBOL:
      return "invalid deflate symbol";
    case ISAL_INVALID_LOOKBACK:
      return "invalid lookback distance";
    case ISAL_INVALID_WRAPPER:
      return "invalid gzip header";
    case ISAL_UNSUPPORTED_METHOD:
      return "unsupported compression method";
    case ISAL_INCORRECT_CHECKSUM:
      return "CRC mismatch";
    case ISAL_NEED_DICT:
      return "needs a preset dictionary";
    default:
      return "error " + std::to_string(rc);
  }
}

// gzip through ISA-L's inflate, which parses the gzip header and checks the trailer itself
// (crc_flag ISAL_GZIP). A gzip file may hold several members one after another (pigz, and
// appending gzip files, make them); each one is inflated in turn until the input ends.
class GzipSource : public ByteSource {
 public:
  GzipSource(ByteSource& in, uint64_t max_output) : input_(in), limit_(max_output) {
    state_ = std::make_unique<inflate_state>();
    isal_inflate_init(state_.get());
    state_->crc_flag = ISAL_GZIP;
  }

  size_t read(std::span<std::byte> buffer) override {
    // isal_inflate counts output in 32 bits; a read never asks for more than that.
    size_t want = std::min<size_t>(buffer.size(), 1U << 30);
    while (want > 0) {
      if (state_->block_state == ISAL_BLOCK_FINISH) {
        if (!input_.fill()) {
          return 0;  // the last member ended exactly at the end of the input
        }
        // Another member follows; reset keeps nothing of the previous one but the flags.
        isal_inflate_reset(state_.get());
        state_->crc_flag = ISAL_GZIP;
      }
      if (!input_.fill()) {
        throw Error(started_ ? "gzip: truncated stream (the input ended inside a member)" : "gzip: empty input");
      }
      started_ = true;
      state_->next_in = reinterpret_cast<uint8_t*>(input_.begin());
      state_->avail_in = static_cast<uint32_t>(input_.size());
      state_->next_out = reinterpret_cast<uint8_t*>(buffer.data());
      state_->avail_out = static_cast<uint32_t>(want);
      int rc = isal_inflate(state_.get());
      input_.consume(input_.size() - state_->avail_in);
      if (rc < 0 || rc == ISAL_NEED_DICT) {
        throw Error("gzip: " + isal_error_name(rc) + " in member " + std::to_string(members_ + 1));
      }
      size_t produced = want - state_->avail_out;
      if (state_->block_state == ISAL_BLOCK_FINISH) {
        ++members_;
      }
      if (produced > 0) {
        limit_.add(produced);
        return produced;
      }
    }
    return 0;
  }

 private:
  InputBuffer input_;
  OutputLimit limit_;
  // Large (about 90 KB): on the heap.
  std::unique_ptr<inflate_state> state_;
  bool started_ = false;
  uint64_t members_ = 0;
};

struct ZstdDctxDeleter {
  void operator()(ZSTD_DCtx* dctx) const { ZSTD_freeDCtx(dctx); }
};

// zstd through libzstd's streaming decompressor; several frames one after another are read in
// turn, as the zstd CLI does.
class ZstdSource : public ByteSource {
 public:
  ZstdSource(ByteSource& in, uint64_t max_output) : input_(in), limit_(max_output), dctx_(ZSTD_createDCtx()) {
    if (!dctx_) {
      throw Error("zstd: cannot allocate a decompression context");
    }
  }

  size_t read(std::span<std::byte> buffer) override {
    ZSTD_outBuffer out{buffer.data(), buffer.size(), 0};
    while (out.pos == 0 && out.size > 0) {
      bool have_input = input_.fill();
      if (!have_input && frame_done_) {
        return 0;
      }
      // Called without input too: the decoder may still hold output of consumed input.
      ZSTD_inBuffer in{input_.begin(), have_input ? input_.size() : 0, 0};
      size_t rc = ZSTD_decompressStream(dctx_.get(), &out, &in);
      input_.consume(in.pos);
      if (ZSTD_isError(rc) != 0) {
        throw Error(std::string("zstd: ") + ZSTD_getErrorName(rc));
      }
      seen_input_ = seen_input_ || have_input;
      frame_done_ = rc == 0;
      if (!have_input && out.pos == 0) {
        throw Error(seen_input_ ? "zstd: truncated stream (the input ended inside a frame)" : "zstd: empty input");
      }
    }
    limit_.add(out.pos);
    return out.pos;
  }

 private:
  InputBuffer input_;
  OutputLimit limit_;
  std::unique_ptr<ZSTD_DCtx, ZstdDctxDeleter> dctx_;
  bool frame_done_ = false;
  bool seen_input_ = false;
};

}  // namespace

Compression compression_of_media_type(std::string_view media_type) {
  // Docker's and OCI's layer types, the non-distributable variants included.
  auto ends_with = [&](std::string_view suffix) { return media_type.ends_with(suffix); };
  if (ends_with(".tar.gzip") || ends_with(".tar+gzip")) {
    return Compression::gzip;
  }
  if (ends_with(".tar+zstd") || ends_with(".tar.zstd")) {
    return Compression::zstd;
  }
  if (ends_with(".tar")) {
    return Compression::none;
  }
  throw Error("layer media type " + std::string(media_type) + ": not a tar, tar+gzip or tar+zstd layer");
}

std::unique_ptr<ByteSource> decompress(Compression compression, ByteSource& in, uint64_t max_output) {
  switch (compression) {
    case Compression::none:
      return std::make_unique<PlainSource>(in, max_output);
    case Compression::gzip:
      return std::make_unique<GzipSource>(in, max_output);
    case Compression::zstd:
      return std::make_unique<ZstdSource>(in, max_output);
  }
  throw Error("decompress: unknown compression " + std::to_string(static_cast<int>(compression)));
}

}  // namespace skiff::image

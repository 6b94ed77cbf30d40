#include "skiff/image/store_image.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>

#include "skiff/base/error.h"
#include "skiff/image/image_config.h"
#include "skiff/image/layer_unpack.h"

namespace skiff::image {

namespace {

constexpr size_t kChunk = 256 * 1024;

// The bytes already downloaded, then the rest from the fetcher (opened only once they run out,
// and only when there is a rest), each new byte appended to the partial download.
class ResumingSource : public ByteSource {
 public:
  ResumingSource(BlobWriter& partial, BlobFetcher& fetcher, const Descriptor& blob)
      : partial_(partial), fetcher_(fetcher), blob_(blob), existing_(partial.read_existing()) {}

  size_t read(std::span<std::byte> buffer) override {
    if (existing_) {
      size_t n = existing_->read(buffer);
      if (n > 0) {
        return n;
      }
      existing_.reset();
      if (partial_.size() < blob_.size) {
        network_ = fetcher_.open(blob_, partial_.size());
      }
    }
    if (!network_) {
      return 0;
    }
    size_t n = network_->read(buffer);
    partial_.append(buffer.first(n));
    return n;
  }

 private:
  BlobWriter& partial_;
  BlobFetcher& fetcher_;
  const Descriptor& blob_;
  std::unique_ptr<ByteSource> existing_;
  std::unique_ptr<ByteSource> network_;
};

// Reports progress and stops the stream when another layer has failed.
class ProgressSource : public ByteSource {
 public:
  ProgressSource(ByteSource& inner, const std::atomic<bool>& cancelled, std::function<void(uint64_t)> report)
      : inner_(inner), cancelled_(cancelled), report_(std::move(report)) {}

  size_t read(std::span<std::byte> buffer) override {
    if (cancelled_.load()) {
      throw Error("stopped: another layer failed");
    }
    size_t n = inner_.read(buffer);
    done_ += n;
    if (done_ - reported_ >= kChunk || n == 0) {
      reported_ = done_;
      report_(done_);
    }
    return n;
  }

 private:
  ByteSource& inner_;
  const std::atomic<bool>& cancelled_;
  std::function<void(uint64_t)> report_;
  uint64_t done_ = 0;
  uint64_t reported_ = 0;
};

void drain(ByteSource& source) {
  std::array<std::byte, 64 * 1024> buffer{};
  while (source.read(buffer) > 0) {
  }
}

class LayerJobs {
 public:
  LayerJobs(Store& store, const ImageManifest& manifest, const std::vector<Digest>& diff_ids, BlobFetcher& fetcher,
            const StoreImageOptions& options)
      : store_(store),
        manifest_(manifest),
        diff_ids_(diff_ids),
        chains_(chain_ids(diff_ids)),
        fetcher_(fetcher),
        options_(options) {}

  // Makes every missing layer; rethrows the first failure once all workers stopped.
  void run() {
    size_t count = manifest_.layers.size();
    for (size_t i = 0; i < count; ++i) {
      report(i, 0, LayerState::waiting);
    }
    size_t workers = std::clamp<size_t>(options_.parallelism, 1, std::max<size_t>(count, 1));
    {
      std::vector<std::jthread> threads;
      for (size_t w = 0; w < workers; ++w) {
        threads.emplace_back([this, count] { work(count); });
      }
    }
    if (failure_) {
      std::rethrow_exception(failure_);
    }
  }

  [[nodiscard]] const std::vector<Digest>& chains() const { return chains_; }

 private:
  void work(size_t count) {
    for (size_t i = next_++; i < count && !cancelled_.load(); i = next_++) {
      try {
        make_layer(i);
      } catch (...) {
        report(i, 0, LayerState::failed);
        std::lock_guard guard(mutex_);
        if (!failure_) {
          failure_ = std::current_exception();
          cancelled_ = true;
        }
      }
    }
  }

  void report(size_t index, uint64_t done, LayerState state) {
    if (!options_.progress) {
      return;
    }
    const auto& blob = manifest_.layers[index];
    std::lock_guard guard(mutex_);
    options_.progress(
        LayerProgress{.index = index, .digest = blob.digest, .done = done, .total = blob.size, .state = state});
  }

  [[noreturn]] void fail(size_t index, const std::string& message, int err = 0) {
    throw Error(options_.what + ": layer " + std::to_string(index) + " " + manifest_.layers[index].digest.str() + ": " +
                    message,
                err);
  }

  void make_layer(size_t index) {
    const auto& chain = chains_[index];
    const auto& blob = manifest_.layers[index];
    auto writer = store_.begin_layer(chain);
    if (!writer) {
      report(index, blob.size, LayerState::present);
      return;
    }
    try {
      unpack(index, *writer);
    } catch (const Error& e) {
      fail(index, e.what(), e.code());
    }
    report(index, blob.size, LayerState::done);
  }

  void unpack(size_t index, LayerWriter& writer) {
    const auto& blob = manifest_.layers[index];
    auto compression = compression_of_media_type(blob.media_type);
    std::optional<BlobWriter> partial = store_.begin_blob(blob.digest);
    std::unique_ptr<ByteSource> raw;
    if (partial) {
      if (partial->size() > blob.size) {
        partial->truncate();
      }
      raw = std::make_unique<ResumingSource>(*partial, fetcher_, blob);
    } else {
      raw = store_.open_blob(blob.digest);
    }
    report(index, 0, LayerState::downloading);
    HashingSource hashing(*raw);
    ProgressSource progress(hashing, cancelled_, [&](uint64_t done) { report(index, done, LayerState::downloading); });

    UnpackOptions unpack_options{.rootless = store_.rootless()};
    std::optional<UnpackResult> result;
    std::exception_ptr unpack_error;
    try {
      result = unpack_layer(progress, compression, writer.diff_fd(), unpack_options);
      // The tar may end before the compressed stream does; the digest covers all of it.
      drain(progress);
    } catch (const Error&) {
      unpack_error = std::current_exception();
      // A blob that is not what the manifest says explains a failed unpack better than the
      // unpacker's own error: read the rest to find out.
      try {
        drain(progress);
      } catch (const Error&) {
        std::rethrow_exception(unpack_error);
      }
    }
    if (hashing.bytes() != blob.size) {
      if (partial) {
        partial->truncate();
      }
      fail(index, "the blob has " + std::to_string(hashing.bytes()) + " bytes, the manifest says " +
                      std::to_string(blob.size));
    }
    auto digest = hashing.finish();
    if (partial) {
      partial->commit(digest);
    } else if (digest != blob.digest) {
      fail(index, "the stored blob hashes to " + digest.str());
    }
    if (unpack_error) {
      std::rethrow_exception(unpack_error);
    }
    if (result->diff_id != diff_ids_[index]) {
      fail(index, "the uncompressed layer hashes to " + result->diff_id.str() + ", the image config's diff_ids[" +
                      std::to_string(index) + "] is " + diff_ids_[index].str());
    }
    writer.commit(LayerRecord{.chain_id = chains_[index],
                              .diff_id = result->diff_id,
                              .parent = index == 0 ? std::nullopt : std::optional<Digest>(chains_[index - 1]),
                              .blob = blob.digest,
                              .media_type = blob.media_type,
                              .blob_size = blob.size,
                              .diff_size = result->tar_bytes});
  }

  Store& store_;
  const ImageManifest& manifest_;
  const std::vector<Digest>& diff_ids_;
  std::vector<Digest> chains_;
  BlobFetcher& fetcher_;
  const StoreImageOptions& options_;
  std::atomic<size_t> next_{0};
  std::atomic<bool> cancelled_{false};
  std::mutex mutex_;
  std::exception_ptr failure_;
};

}  // namespace

ImageRecord store_image(Store& store, std::string_view manifest_document, std::string_view manifest_media_type,
                        const Digest& manifest_digest, std::string_view config_document, BlobFetcher& fetcher,
                        const StoreImageOptions& options) {
  const auto& what = options.what;
  auto lock = store.lock_shared();
  if (Digest::of(manifest_document) != manifest_digest) {
    throw Error(what + ": manifest " + manifest_digest.str() + ": its content hashes to " +
                Digest::of(manifest_document).str());
  }
  auto manifest =
      parse_image_manifest(manifest_document, manifest_media_type, what + " manifest " + manifest_digest.str());
  const auto& config_digest = manifest.config.digest;
  if (config_document.size() > kMaxConfigBytes) {
    throw Error(what + ": config " + config_digest.str() + ": larger than " + std::to_string(kMaxConfigBytes) +
                " bytes");
  }
  if (Digest::of(config_document) != config_digest) {
    throw Error(what + ": config " + config_digest.str() + ": its content hashes to " +
                Digest::of(config_document).str());
  }
  auto config = parse_image_config(config_document, what + " config " + config_digest.str());
  if (config.diff_ids.size() != manifest.layers.size()) {
    throw Error(what + ": the manifest has " + std::to_string(manifest.layers.size()) +
                " layers but the config's rootfs.diff_ids has " + std::to_string(config.diff_ids.size()));
  }

  LayerJobs jobs(store, manifest, config.diff_ids, fetcher, options);
  jobs.run();

  store.put_blob(config_digest, config_document);
  store.put_blob(manifest_digest, manifest_document);
  ImageRecord record{.id = config_digest,
                     .manifest = manifest_digest,
                     .manifest_media_type = std::string(manifest_media_type),
                     .names = options.names,
                     .digests = options.digests,
                     .layers = jobs.chains(),
                     .created = {},
                     .size = 0};
  for (const auto& chain : record.layers) {
    record.size += store.layer(chain).diff_size;
  }
  return store.add_image(record);
}

}  // namespace skiff::image

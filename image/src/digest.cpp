#include "skiff/image/digest.h"

#include <nettle/sha2.h>

#include <array>
#include <cstdint>

#include "skiff/base/error.h"

namespace skiff::image {

namespace {

bool is_lower_hex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

}  // namespace

Digest Digest::parse(std::string_view text, std::string_view what) {
  constexpr std::string_view kPrefix = "sha256:";
  if (!text.starts_with(kPrefix)) {
    auto colon = text.find(':');
    if (colon != std::string_view::npos) {
      throw Error(std::string(what) + ": unsupported digest algorithm \"" + std::string(text.substr(0, colon)) +
                  "\" in \"" + std::string(text) + "\" (only sha256 is supported)");
    }
    throw Error(std::string(what) + ": \"" + std::string(text) + "\" is not a digest (want sha256:<64 hex digits>)");
  }
  auto hex = text.substr(kPrefix.size());
  if (hex.size() != 64 || !is_lower_hex(hex)) {
    throw Error(std::string(what) + ": \"" + std::string(text) +
                "\" is not a valid sha256 digest (want 64 lowercase hex digits)");
  }
  return Digest(std::string(text));
}

Digest Digest::of(std::string_view data) {
  Sha256 sha;
  sha.update(data);
  return sha.finish();
}

// Nettle, not OpenSSL's EVP: EVP's first digest loads OpenSSL's configuration and fetches a
// provider, which costs more than hashing an image config on `skiff run`'s path; nettle's
// sha256 is as fast on large layers (both use the CPU's SHA extensions).
struct Sha256::Context {
  sha256_ctx ctx{};
};

Sha256::Sha256() : context_(std::make_unique<Context>()) {
  sha256_init(&context_->ctx);
}

Sha256::~Sha256() = default;

void Sha256::update(std::span<const std::byte> data) {
  sha256_update(&context_->ctx, data.size(), reinterpret_cast<const uint8_t*>(data.data()));
}

void Sha256::update(std::string_view data) {
  update(std::as_bytes(std::span(data.data(), data.size())));
}

Digest Sha256::finish() {
  std::array<uint8_t, SHA256_DIGEST_SIZE> md{};
  sha256_digest(&context_->ctx, md.size(), md.data());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text = "sha256:";
  text.reserve(7 + 2 * md.size());
  for (uint8_t byte : md) {
    text.push_back(kHex[byte >> 4]);
    text.push_back(kHex[byte & 0xf]);
  }
  return Digest::parse(text, "sha256");
}

size_t HashingSource::read(std::span<std::byte> buffer) {
  size_t n = inner_.read(buffer);
  sha_.update(buffer.first(n));
  bytes_ += n;
  return n;
}

}  // namespace skiff::image

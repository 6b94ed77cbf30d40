#include "skiff/image/digest.h"

#include <openssl/evp.h>

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

struct Sha256::Context {
  EVP_MD_CTX* ctx = nullptr;
};

Sha256::Sha256() : context_(std::make_unique<Context>()) {
  context_->ctx = EVP_MD_CTX_new();
  if (context_->ctx == nullptr || EVP_DigestInit_ex(context_->ctx, EVP_sha256(), nullptr) != 1) {
    EVP_MD_CTX_free(context_->ctx);
    throw Error("sha256: cannot initialise OpenSSL's digest");
  }
}

Sha256::~Sha256() { EVP_MD_CTX_free(context_->ctx); }

void Sha256::update(std::span<const std::byte> data) {
  if (EVP_DigestUpdate(context_->ctx, data.data(), data.size()) != 1) {
    throw Error("sha256: digest update failed");
  }
}

void Sha256::update(std::string_view data) { update(std::as_bytes(std::span(data.data(), data.size()))); }

Digest Sha256::finish() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(context_->ctx, md, &len) != 1) {
    throw Error("sha256: digest finish failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text = "sha256:";
  text.reserve(7 + 2 * len);
  for (unsigned int i = 0; i < len; ++i) {
    text.push_back(kHex[md[i] >> 4]);
    text.push_back(kHex[md[i] & 0xf]);
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

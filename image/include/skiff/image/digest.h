#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "skiff/image/byte_source.h"

namespace skiff::image {

// A content digest as the OCI image spec writes it: "sha256:<64 lowercase hex>". Only sha256 is
// accepted (sha512 is allowed by the spec but no registry in use serves it).
class Digest {
 public:
  // Parses text; the error names what (a field, a file) and shows the text.
  static Digest parse(std::string_view text, std::string_view what);
  // The digest of data.
  static Digest of(std::string_view data);

  [[nodiscard]] const std::string& str() const { return text_; }
  // The 64 hex characters, which name blobs on disk.
  [[nodiscard]] std::string_view hex() const { return std::string_view(text_).substr(7); }

  friend bool operator==(const Digest&, const Digest&) = default;
  friend auto operator<=>(const Digest&, const Digest&) = default;

 private:
  explicit Digest(std::string text) : text_(std::move(text)) {}
  std::string text_;
};

// Incremental SHA-256 (OpenSSL EVP).
class Sha256 {
 public:
  Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  ~Sha256();

  void update(std::span<const std::byte> data);
  void update(std::string_view data);
  // The digest of everything so far; the hasher cannot be updated afterwards.
  Digest finish();

 private:
  struct Context;
  std::unique_ptr<Context> context_;
};

// Passes a source through unchanged while hashing it and counting its bytes.
class HashingSource : public ByteSource {
 public:
  explicit HashingSource(ByteSource& inner) : inner_(inner) {}
  size_t read(std::span<std::byte> buffer) override;

  [[nodiscard]] uint64_t bytes() const { return bytes_; }
  // The digest of what was read; call once, after the end of the stream.
  Digest finish() { return sha_.finish(); }

 private:
  ByteSource& inner_;
  Sha256 sha_;
  uint64_t bytes_ = 0;
};

}  // namespace skiff::image

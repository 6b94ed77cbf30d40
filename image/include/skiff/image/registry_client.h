#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "skiff/image/byte_source.h"
#include "skiff/image/digest.h"
#include "skiff/image/registry_endpoint.h"

namespace skiff::image {

struct FetchedManifest {
  std::string document;  // the raw bytes, verified against digest
  std::string media_type;
  Digest digest;
};

struct RegistryClientOptions {
  std::optional<Credentials> credentials;
  // Attempts per request on connection errors, 5xx and 429, with exponential backoff from
  // retry_delay.
  int attempts = 4;
  std::chrono::milliseconds retry_delay{200};
  std::chrono::seconds timeout{60};
};

// A client for one registry endpoint (the OCI distribution spec), on Boost.Beast and OpenSSL:
// HTTP/1.1 keep-alive, https with the system CAs plus the endpoint's CA dir, the /v2/ ping,
// Bearer token auth from WWW-Authenticate (anonymous or with credentials), Basic auth,
// redirects to blob storage, retries with backoff. Safe to use from several threads: each
// request takes a connection of its own from a small pool.
class RegistryClient {
 public:
  RegistryClient(RegistryEndpoint endpoint, RegistryClientOptions options);
  RegistryClient(const RegistryClient&) = delete;
  RegistryClient& operator=(const RegistryClient&) = delete;
  ~RegistryClient();

  // GET /v2/: checks that the endpoint speaks the distribution API and learns its auth.
  void ping();

  // GET /v2/<repository>/manifests/<reference> (a tag or a digest) accepting OCI and Docker
  // manifests and indexes. Verified against the digest when reference is one, and against the
  // Docker-Content-Digest header otherwise; no larger than kMaxManifestBytes.
  FetchedManifest get_manifest(std::string_view repository, std::string_view reference);

  // A small blob (an image config) read whole, verified against digest, at most max_bytes.
  std::string get_blob(std::string_view repository, const Digest& digest, uint64_t max_bytes);

  // A blob as a stream, from offset (the bytes of a partial download already on disk). The
  // stream resumes with a Range request when the connection breaks, and fails when the registry
  // sends more or fewer than size bytes in total. It does not verify the digest: the caller
  // hashes what it reads (the pull pipeline hashes anyway).
  // The stream borrows the client's connections and tokens: the client must outlive it.
  std::unique_ptr<ByteSource> open_blob(std::string_view repository, const Digest& digest, uint64_t size,
                                        uint64_t offset = 0);

  [[nodiscard]] const RegistryEndpoint& endpoint() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace skiff::image

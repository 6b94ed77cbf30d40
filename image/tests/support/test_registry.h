#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "skiff/image/digest.h"
#include "skiff/image/registry_endpoint.h"
#include "test_support.h"
#include "token_issuer.h"

namespace skiff::testing {

enum class RegistryAuth {
  kNone,
  // htpasswd: the registry asks for Basic credentials itself.
  kHtpasswd,
  // auth.token: the registry sends clients to a TokenIssuer for a Bearer token.
  kToken,
};

struct TestRegistryOptions {
  // https with a certificate for 127.0.0.1 from a CA the fixture makes (see ca_dir()).
  bool tls = false;
  RegistryAuth auth = RegistryAuth::kNone;
  // Token mode: whether anonymous clients may pull (see TokenIssuerOptions).
  bool anonymous_pull = false;
};

// A real registry (Debian's docker-registry, distribution 2.8) on 127.0.0.1 with a free port,
// its config, certificates and storage in a temporary directory. The constructor returns once
// the registry answers; the destructor stops it (SIGTERM, then SIGKILL) and removes everything.
class TestRegistry {
 public:
  explicit TestRegistry(TestRegistryOptions options = {});
  TestRegistry(const TestRegistry&) = delete;
  TestRegistry& operator=(const TestRegistry&) = delete;
  ~TestRegistry();

  // "127.0.0.1:<port>"
  [[nodiscard]] std::string host() const;
  // The endpoint a client uses: plain_http unless tls, ca_dir when tls.
  [[nodiscard]] image::RegistryEndpoint endpoint() const;
  // The directory holding the fixture CA's certificate as ca.crt (podman's certs.d layout);
  // empty without tls.
  [[nodiscard]] std::string ca_dir() const;
  // The account that htpasswd and token modes accept.
  [[nodiscard]] image::Credentials credentials() const;
  // The OAuth2 refresh token (an auth.json identitytoken) the token issuer accepts.
  [[nodiscard]] static std::string identity_token();
  // The registry's filesystem storage root (docker/registry/v2/... below it).
  [[nodiscard]] std::string storage_dir() const;
  // Where the registry keeps a blob's bytes, to tamper with in tests.
  [[nodiscard]] std::string blob_path(const image::Digest& digest) const;
  // The token issuer in token mode, nullptr otherwise.
  [[nodiscard]] TokenIssuer* token_issuer() const { return issuer_.get(); }

  // Pushes an image with skopeo: source is a skopeo source ("oci:<dir>:<tag>"), repo_and_tag
  // the destination in this registry ("library/busybox:latest"). extra_args go before the
  // source ("--format", "v2s2"; "--all"). Throws with skopeo's stderr when it fails.
  void push(const std::string& source, const std::string& repo_and_tag,
            const std::vector<std::string>& extra_args = {}) const;

 private:
  void write_certificates();
  void write_config(uint16_t port) const;
  bool start(uint16_t port);
  void stop();

  TestRegistryOptions options_;
  TempDir dir_;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
  std::unique_ptr<TokenIssuer> issuer_;
};

// Runs openssl with args in dir; throws with its stderr when it fails.
void run_openssl(const std::string& dir, const std::vector<std::string>& args);

// Makes a CA (ca.key, ca.crt) in dir and a server certificate (<name>.key, <name>.crt) signed
// by it for the IP address ip. EC P-256 keys.
void make_test_ca(const std::string& dir);
void make_server_cert(const std::string& dir, const std::string& name, const std::string& ip);

}  // namespace skiff::testing

#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include "loopback_server.h"
#include "skiff/image/registry_endpoint.h"

namespace skiff::testing {

struct TokenIssuerOptions {
  // The registry's auth.token service and issuer, which the token's aud and iss must match.
  std::string service = "skiff-test-registry";
  std::string issuer = "skiff-test-issuer";
  // The RSA key that signs tokens (PEM) and its certificate (PEM), which goes in the x5c header
  // and must chain to the registry's rootcertbundle.
  std::string key_path;
  std::string cert_path;
  // The one account; a request with other Basic credentials is refused with 401.
  image::Credentials credentials;
  // Whether a request without credentials gets pull access (a public repository) or a token
  // granting nothing (a private one, as public registries answer anonymous clients).
  bool anonymous_pull = false;
  int expires_in = 300;
};

// The auth service of a token-authenticated registry (the distribution token spec): GET
// /token?service=&scope=... answers {"token", "access_token", "expires_in", "issued_at"} with an
// RS256 JWT whose access claim grants the requested repository scopes; POST /token with an
// OAuth2 refresh_token grant (credentials.identity_token) answers the same.
class TokenIssuer {
 public:
  explicit TokenIssuer(TokenIssuerOptions options);
  TokenIssuer(const TokenIssuer&) = delete;
  TokenIssuer& operator=(const TokenIssuer&) = delete;
  ~TokenIssuer();

  // "http://127.0.0.1:<port>/token"
  [[nodiscard]] std::string realm() const;
  // Tokens issued and requests refused so far.
  [[nodiscard]] int issued() const { return issued_; }
  [[nodiscard]] int refused() const { return refused_; }

 private:
  HttpResponse respond(const HttpRequest& request);

  TokenIssuerOptions options_;
  std::string x5c_;
  struct Key;
  std::unique_ptr<Key> key_;
  std::atomic<int> issued_{0};
  std::atomic<int> refused_{0};
  std::unique_ptr<LoopbackServer> server_;
};

}  // namespace skiff::testing

#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "skiff/image/registry_endpoint.h"

namespace skiff::image {

// One challenge of a WWW-Authenticate header (RFC 7235): Bearer realm="…",service="…",scope="…"
// or Basic realm="…". Scheme is lowercased, as are parameter names.
struct AuthChallenge {
  std::string scheme;
  std::map<std::string, std::string> params;

  [[nodiscard]] std::string param(const std::string& name) const;
};

// Parses a WWW-Authenticate value, which may hold several challenges.
std::vector<AuthChallenge> parse_www_authenticate(std::string_view value);

// "Basic <base64(user:password)>"
std::string basic_authorization(const Credentials& credentials);

// A token service's answer (the distribution token spec; OAuth2's access_token form too).
struct BearerToken {
  std::string token;
  // When to stop using it: its expires_in (60 s when absent, as the spec says) from now, less a
  // margin for the time the request takes.
  std::chrono::steady_clock::time_point expires;
};
BearerToken parse_token_response(std::string_view body, std::string_view what);

// The scope a pull of repository needs: "repository:<repository>:pull".
std::string pull_scope(std::string_view repository);

}  // namespace skiff::image

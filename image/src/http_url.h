#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace skiff::image {

// An absolute http(s) URL split the way a client connects to it.
struct HttpUrl {
  bool https = true;
  std::string host;  // a name or an IP address, without brackets
  uint16_t port = 443;
  std::string target;  // path and query: "/v2/library/busybox/blobs/sha256:..?x=y"

  // "https://host:port": what a connection serves, and what Authorization is scoped to.
  [[nodiscard]] std::string origin() const;
  // "host[:port]", the port only when it is not the scheme's default: the Host header.
  [[nodiscard]] std::string authority() const;
  [[nodiscard]] std::string str() const { return origin() + target; }
};

// Parses an absolute URL, or a reference (a redirect's Location, a token realm) resolved against
// base. Only http and https are accepted; what names the URL in errors.
HttpUrl parse_http_url(std::string_view text, std::string_view what);
HttpUrl resolve_http_url(const HttpUrl& base, std::string_view reference, std::string_view what);

// "host[:port]" as references write it, for plain_http or https.
HttpUrl registry_base_url(std::string_view host, bool plain_http);

// Percent-encodes a query parameter value.
std::string url_encode(std::string_view text);

}  // namespace skiff::image

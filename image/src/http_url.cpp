#include "http_url.h"

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
// Boost.URL ships no compiled library in Debian's boost 1.81: its sources are built here once.
#include <boost/url/src.hpp>

#include "skiff/base/error.h"
#include "skiff/base/strings.h"

namespace skiff::image {

namespace {

HttpUrl from_url(const boost::urls::url_view& url, std::string_view text, std::string_view what) {
  HttpUrl out;
  if (url.scheme_id() == boost::urls::scheme::https) {
    out.https = true;
  } else if (url.scheme_id() == boost::urls::scheme::http) {
    out.https = false;
  } else {
    throw Error(std::string(what) + ": \"" + std::string(text) + "\" is not an http or https URL");
  }
  if (!url.has_authority() || url.host().empty()) {
    throw Error(std::string(what) + ": \"" + std::string(text) + "\" has no host");
  }
  out.host = url.host_type() == boost::urls::host_type::ipv6 ? std::string(url.host_ipv6_address().to_string())
                                                             : std::string(url.encoded_host());
  out.port = url.has_port() ? static_cast<uint16_t>(url.port_number()) : (out.https ? 443 : 80);
  out.target = std::string(url.encoded_path());
  if (out.target.empty()) {
    out.target = "/";
  }
  if (url.has_query()) {
    out.target += "?" + std::string(url.encoded_query());
  }
  return out;
}

}  // namespace

std::string HttpUrl::authority() const {
  bool ipv6 = host.find(':') != std::string::npos;
  std::string out = ipv6 ? "[" + host + "]" : host;
  if (port != (https ? 443 : 80)) {
    out += ":" + std::to_string(port);
  }
  return out;
}

std::string HttpUrl::origin() const {
  return (https ? "https://" : "http://") + authority();
}

HttpUrl parse_http_url(std::string_view text, std::string_view what) {
  auto url = boost::urls::parse_absolute_uri(text);
  if (!url) {
    throw Error(std::string(what) + ": \"" + std::string(text) + "\" is not a URL: " + url.error().message());
  }
  return from_url(*url, text, what);
}

HttpUrl resolve_http_url(const HttpUrl& base, std::string_view reference, std::string_view what) {
  auto ref = boost::urls::parse_uri_reference(reference);
  if (!ref) {
    throw Error(std::string(what) + ": \"" + std::string(reference) + "\" is not a URL: " + ref.error().message());
  }
  boost::urls::url resolved;
  std::string base_text = base.str();
  auto base_url = boost::urls::parse_absolute_uri(base_text);
  if (!base_url) {
    throw Error(std::string(what) + ": bad base URL " + base.str());
  }
  auto result = boost::urls::resolve(*base_url, *ref, resolved);
  if (!result) {
    throw Error(std::string(what) + ": cannot resolve \"" + std::string(reference) + "\" against " + base.str());
  }
  return from_url(resolved, reference, what);
}

HttpUrl registry_base_url(std::string_view host, bool plain_http) {
  return parse_http_url(std::string(plain_http ? "http://" : "https://") + std::string(host) + "/v2/", "registry host");
}

std::string url_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

}  // namespace skiff::image

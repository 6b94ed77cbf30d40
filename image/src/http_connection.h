#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "http_url.h"
#include "skiff/base/error.h"

namespace skiff::image {

// A failure of the connection itself (refused, reset, timed out, cut mid-body): worth retrying,
// unlike an HTTP error status.
class TransportError : public Error {
 public:
  using Error::Error;
};

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponseParser = boost::beast::http::response_parser<boost::beast::http::buffer_body>;

// The TLS settings of one client: the system CAs (/etc/ssl/certs) plus every *.crt in ca_dir,
// peer verification on.
std::shared_ptr<boost::asio::ssl::context> make_tls_context(const std::string& ca_dir);

// One HTTP/1.1 connection to an origin, plain or TLS (SNI and host name or IP verification), used
// by one thread at a time. Every operation is bounded by timeout; a failure throws
// TransportError and leaves the connection unusable.
class HttpConnection {
 public:
  HttpConnection(const HttpUrl& url, boost::asio::ssl::context& tls, std::chrono::seconds timeout);
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;
  ~HttpConnection();

  // The origin ("https://host:port") this connection serves.
  [[nodiscard]] const std::string& origin() const { return origin_; }

  // Sends request and reads the response's header into parser (a fresh one per response).
  void send(const HttpRequest& request, HttpResponseParser& parser);
  // Reads up to buffer.size() body bytes; 0 once the body is complete.
  size_t read_body(HttpResponseParser& parser, std::span<std::byte> buffer);

 private:
  template <typename Op>
  void run(Op op, const std::string& what);
  template <typename F>
  auto with_stream(F f);

  std::string origin_;
  std::chrono::seconds timeout_;
  boost::asio::io_context io_;
  std::optional<boost::beast::tcp_stream> plain_;
  std::optional<boost::asio::ssl::stream<boost::beast::tcp_stream>> tls_;
  boost::beast::flat_buffer buffer_;
};

}  // namespace skiff::image

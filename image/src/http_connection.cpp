#include "http_connection.h"

#include <openssl/ssl.h>

#include <boost/asio/ip/tcp.hpp>
#include <filesystem>

#include "skiff/base/tls_peer_name.h"

namespace skiff::image {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;

namespace {

constexpr size_t kReadBufferBytes = size_t{64} * 1024;

}  // namespace

std::shared_ptr<ssl::context> make_tls_context(const std::string& ca_dir) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  context->set_default_verify_paths();
  context->set_verify_mode(ssl::verify_peer);
  if (!ca_dir.empty() && std::filesystem::is_directory(ca_dir)) {
    for (const auto& entry : std::filesystem::directory_iterator(ca_dir)) {
      if (entry.path().extension() != ".crt") {
        continue;
      }
      boost::system::error_code ec;
      context->load_verify_file(entry.path().string(), ec);
      if (ec) {
        throw Error("CA certificate " + entry.path().string() + ": " + ec.message());
      }
    }
  }
  return context;
}

template <typename F>
auto HttpConnection::with_stream(F f) {
  if (tls_) {
    return f(*tls_);
  }
  return f(*plain_);
}

// Runs one asynchronous operation to completion on this connection's own io_context, so that
// tcp_stream's expiry bounds it; op receives the completion handler.
template <typename Op>
void HttpConnection::run(Op op, const std::string& what) {
  boost::system::error_code result;
  bool done = false;
  op([&](boost::system::error_code ec, auto&&...) {
    result = ec;
    done = true;
  });
  io_.restart();
  io_.run();
  if (!done) {
    throw TransportError(what + " " + origin_ + ": did not complete");
  }
  if (result && result != http::error::need_buffer) {
    std::string message = result == beast::error::timeout ? "timed out after " + std::to_string(timeout_.count()) + " s"
                                                          : result.message();
    throw TransportError(what + " " + origin_ + ": " + message);
  }
}

HttpConnection::HttpConnection(const HttpUrl& url, ssl::context& tls, std::chrono::seconds timeout)
    : origin_(url.origin()), timeout_(timeout) {
  // Beast reads from the socket only as much as the buffer has room for (at least 512 bytes, at
  // most 64 KiB): grown just to a response header, it made a blob arrive 512 bytes per recvmsg.
  buffer_.reserve(kReadBufferBytes);
  asio::ip::tcp::resolver resolver(io_);
  asio::ip::tcp::resolver::results_type endpoints;
  boost::system::error_code ec;
  endpoints = resolver.resolve(url.host, std::to_string(url.port), ec);
  if (ec) {
    throw TransportError("resolve " + url.host + ": " + ec.message());
  }
  beast::tcp_stream* tcp = nullptr;
  if (url.https) {
    tls_.emplace(io_, tls);
    tcp = &tls_->next_layer();
  } else {
    plain_.emplace(io_);
    tcp = &*plain_;
  }
  tcp->expires_after(timeout_);
  run([&](auto handler) { tcp->async_connect(endpoints, handler); }, "connect to");
  tcp->socket().set_option(asio::ip::tcp::no_delay(true));
  if (!url.https) {
    return;
  }
  SSL* ssl = tls_->native_handle();
  require_peer_name(ssl, url.host);
  tcp->expires_after(timeout_);
  try {
    run([&](auto handler) { tls_->async_handshake(ssl::stream_base::client, handler); }, "TLS handshake with");
  } catch (const TransportError& e) {
    long verify = SSL_get_verify_result(ssl);
    if (verify != X509_V_OK) {
      // Not worth retrying: the same certificate comes back.
      throw Error("TLS handshake with " + origin_ +
                  ": certificate verify failed: " + X509_verify_cert_error_string(verify));
    }
    throw;
  }
}

HttpConnection::~HttpConnection() = default;

void HttpConnection::send(const HttpRequest& request, HttpResponseParser& parser) {
  with_stream([&](auto& stream) {
    beast::get_lowest_layer(stream).expires_after(timeout_);
    run([&](auto handler) { http::async_write(stream, request, handler); }, "send request to");
    beast::get_lowest_layer(stream).expires_after(timeout_);
    run([&](auto handler) { http::async_read_header(stream, buffer_, parser, handler); }, "read response from");
  });
}

size_t HttpConnection::read_body(HttpResponseParser& parser, std::span<std::byte> buffer) {
  if (parser.is_done()) {
    return 0;
  }
  parser.get().body().data = buffer.data();
  parser.get().body().size = buffer.size();
  with_stream([&](auto& stream) {
    beast::get_lowest_layer(stream).expires_after(timeout_);
    run([&](auto handler) { http::async_read(stream, buffer_, parser, handler); }, "read body from");
  });
  return buffer.size() - parser.get().body().size;
}

}  // namespace skiff::image

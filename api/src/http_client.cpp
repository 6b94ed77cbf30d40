#include "skiff/api/http_client.h"

#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>

#include "http_connection.h"
#include "skiff/base/error.h"
#include "skiff/base/tls_peer_name.h"

namespace skiff::api {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

std::shared_ptr<ssl::context> make_tls_context(const HttpEndpoint& endpoint) {
  if (!endpoint.tls) {
    return nullptr;
  }
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  if (endpoint.insecure_skip_verify) {
    context->set_verify_mode(ssl::verify_none);
    return context;
  }
  boost::system::error_code ec;
  if (endpoint.ca_pem.empty()) {
    context->set_default_verify_paths(ec);
  } else {
    context->add_certificate_authority(asio::buffer(endpoint.ca_pem), ec);
  }
  if (ec) {
    throw Error("TLS trust for " + endpoint.origin() + ": " + ec.message());
  }
  context->set_verify_mode(ssl::verify_peer);
  return context;
}

}  // namespace

std::string HttpEndpoint::origin() const {
  return std::string(tls ? "https://" : "http://") + (host.find(':') != std::string::npos ? "[" + host + "]" : host) +
         ":" + port;
}

HttpClient::Connection::Connection(const HttpEndpoint& endpoint, ssl::context* tls)
    : stream(std::in_place_index<0>, io) {
  if (tls != nullptr) {
    stream.emplace<1>(io, *tls);
  }
  tcp::resolver resolver(io);
  boost::system::error_code ec;
  auto endpoints = resolver.resolve(endpoint.host, endpoint.port, ec);
  if (!ec) {
    asio::connect(socket(), endpoints, ec);
  }
  if (ec) {
    throw Error("connect to " + endpoint.origin() + ": " + ec.message(), ec.value());
  }
  socket().set_option(tcp::no_delay(true));
  if (tls == nullptr) {
    return;
  }
  auto& tls_stream = std::get<1>(stream);
  SSL* ssl = tls_stream.native_handle();
  require_peer_name(ssl, endpoint.host);
  tls_stream.handshake(ssl::stream_base::client, ec);
  if (ec) {
    long verify = SSL_get_verify_result(ssl);
    if (verify != X509_V_OK) {
      throw Error("TLS handshake with " + endpoint.origin() +
                  ": certificate verify failed: " + X509_verify_cert_error_string(verify));
    }
    throw Error("TLS handshake with " + endpoint.origin() + ": " + ec.message(), ec.value());
  }
}

tcp::socket& HttpClient::Connection::socket() {
  return visit([](auto& s) -> tcp::socket& { return beast::get_lowest_layer(s); });
}

http::request<http::string_body> make_request(const HttpEndpoint& endpoint, http::verb method,
                                              const std::string& target, const std::string& body,
                                              const std::string& content_type) {
  http::request<http::string_body> request{method, target, 11};
  request.set(http::field::host, endpoint.host);
  for (const auto& [name, value] : endpoint.headers) {
    request.set(name, value);
  }
  request.set(http::field::accept, "application/json");
  request.keep_alive(true);
  if (!body.empty()) {
    request.set(http::field::content_type, content_type);
    request.body() = body;
  }
  request.prepare_payload();
  return request;
}

HttpClient::HttpClient(std::string host, std::string port)
    : HttpClient(HttpEndpoint{.host = std::move(host), .port = std::move(port)}) {}

HttpClient::HttpClient(HttpEndpoint endpoint) : endpoint_(std::move(endpoint)), tls_(make_tls_context(endpoint_)) {}

HttpClient::~HttpClient() = default;

std::unique_ptr<HttpClient::Connection> HttpClient::take_idle() {
  std::lock_guard lock(mutex_);
  if (idle_.empty()) {
    return nullptr;
  }
  std::unique_ptr<Connection> connection = std::move(idle_.back());
  idle_.pop_back();
  return connection;
}

HttpResult HttpClient::post(const std::string& target, const std::string& body) {
  return request(http::verb::post, target, body);
}

HttpResult HttpClient::request(http::verb method, const std::string& target, const std::string& body,
                               const std::string& content_type) {
  auto request = make_request(endpoint_, method, target, body, content_type);
  std::unique_ptr<Connection> connection = take_idle();
  bool reused = connection != nullptr;
  for (;;) {
    if (!connection) {
      connection = std::make_unique<Connection>(endpoint_, tls_.get());
    }
    http::response_parser<http::string_body> parser;
    parser.body_limit(size_t{256} * 1024 * 1024);
    boost::system::error_code ec;
    connection->visit([&](auto& s) {
      http::write(s, request, ec);
      if (!ec) {
        http::read(s, connection->buffer, parser, ec);
      }
    });
    if (ec) {
      // An idle connection the server has closed fails before any of the response arrives: the
      // request was not processed, so it goes again on a new connection.
      if (reused && !parser.got_some()) {
        reused = false;
        connection.reset();
        continue;
      }
      throw Error(std::string(http::to_string(method)) + " " + endpoint_.origin() + target + ": " + ec.message(),
                  ec.value());
    }
    auto& response = parser.get();
    HttpResult result{response.result_int(), std::move(response.body())};
    if (response.keep_alive()) {
      std::lock_guard lock(mutex_);
      idle_.push_back(std::move(connection));
    }
    return result;
  }
}

std::unique_ptr<HttpStream> HttpClient::stream(http::verb method, const std::string& target, const std::string& body) {
  return std::make_unique<HttpStream>(std::make_unique<Connection>(endpoint_, tls_.get()), endpoint_, method, target,
                                      body);
}

}  // namespace skiff::api

#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <variant>

#include "skiff/api/http_client.h"

namespace skiff::api {

// One open connection, plain or TLS, with its read buffer. Blocking calls on its own io_context.
struct HttpClient::Connection {
  boost::asio::io_context io;
  std::variant<boost::asio::ip::tcp::socket, boost::asio::ssl::stream<boost::asio::ip::tcp::socket>> stream;
  boost::beast::flat_buffer buffer;

  // Connects (and shakes hands, verifying the server against tls when endpoint.tls).
  Connection(const HttpEndpoint& endpoint, boost::asio::ssl::context* tls);

  boost::asio::ip::tcp::socket& socket();
  // f(stream) with the plain socket or the TLS stream.
  template <typename F>
  decltype(auto) visit(F&& f) {
    return std::visit(std::forward<F>(f), stream);
  }
};

// A request with the endpoint's headers, keep-alive, and the body (if any) as content_type.
boost::beast::http::request<boost::beast::http::string_body> make_request(const HttpEndpoint& endpoint,
                                                                          boost::beast::http::verb method,
                                                                          const std::string& target,
                                                                          const std::string& body,
                                                                          const std::string& content_type);

}  // namespace skiff::api

#include <sys/socket.h>

#include <array>

#include "http_connection.h"
#include "skiff/api/http_client.h"
#include "skiff/base/error.h"

namespace skiff::api {

namespace beast = boost::beast;
namespace http = beast::http;

struct HttpStream::Parser {
  http::response_parser<http::buffer_body> parser;
};

HttpStream::HttpStream(const std::string& host, const std::string& port, const std::string& target,
                       const std::string& body)
    : HttpStream(std::make_unique<HttpClient::Connection>(HttpEndpoint{.host = host, .port = port}, nullptr),
                 HttpEndpoint{.host = host, .port = port}, http::verb::post, target, body) {
  if (status() != 200) {
    throw Error(what_ + ": HTTP " + std::to_string(status()));
  }
}

HttpStream::HttpStream(std::unique_ptr<HttpClient::Connection> connection, const HttpEndpoint& endpoint,
                       http::verb method, const std::string& target, const std::string& body)
    : connection_(std::move(connection)),
      parser_(std::make_unique<Parser>()),
      what_(std::string(http::to_string(method)) + " " + endpoint.origin() + target) {
  boost::system::error_code ec;
  parser_->parser.body_limit(boost::none);
  connection_->visit([&](auto& s) {
    http::write(s, make_request(endpoint, method, target, body, "application/json"), ec);
    if (!ec) {
      http::read_header(s, connection_->buffer, parser_->parser, ec);
    }
  });
  if (ec) {
    throw Error(what_ + ": " + ec.message(), ec.value());
  }
}

HttpStream::~HttpStream() = default;

unsigned HttpStream::status() const {
  return parser_->parser.get().result_int();
}

bool HttpStream::read(std::string& out) {
  auto& parser = parser_->parser;
  if (parser.is_done()) {
    return false;
  }
  std::array<char, size_t{64} * 1024> chunk{};
  parser.get().body().data = chunk.data();
  parser.get().body().size = chunk.size();
  boost::system::error_code ec;
  connection_->visit([&](auto& s) { http::read_some(s, connection_->buffer, parser, ec); });
  if (ec == http::error::need_buffer) {
    ec = {};
  }
  if (ec) {
    return false;
  }
  out.append(chunk.data(), chunk.size() - parser.get().body().size);
  return true;
}

std::string HttpStream::read_all() {
  std::string out;
  while (read(out)) {
  }
  return out;
}

void HttpStream::cancel() {
  // shutdown(2), not the socket object's close: the reading thread still uses the object, and a
  // shutdown makes its blocked read return at once.
  ::shutdown(connection_->socket().native_handle(), SHUT_RDWR);
}

}  // namespace skiff::api

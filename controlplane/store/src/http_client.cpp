#include "http_client.h"

#include <sys/socket.h>

#include <array>
#include <boost/asio/connect.hpp>

#include "skiff/base/error.h"

namespace skiff::store {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

void connect_socket(asio::io_context& io, tcp::socket& socket, const std::string& host, const std::string& port) {
  tcp::resolver resolver(io);
  boost::system::error_code ec;
  auto endpoints = resolver.resolve(host, port, ec);
  if (!ec) {
    asio::connect(socket, endpoints, ec);
  }
  if (ec) {
    throw Error("connect to " + host + ":" + port + ": " + ec.message(), ec.value());
  }
  socket.set_option(tcp::no_delay(true));
}

http::request<http::string_body> make_request(const std::string& host, const std::string& target,
                                              const std::string& body) {
  http::request<http::string_body> request{http::verb::post, target, 11};
  request.set(http::field::host, host);
  request.set(http::field::content_type, "application/json");
  request.keep_alive(true);
  request.body() = body;
  request.prepare_payload();
  return request;
}

}  // namespace

struct HttpClient::Connection {
  asio::io_context io;
  tcp::socket socket{io};
  beast::flat_buffer buffer;
};

HttpClient::HttpClient(std::string host, std::string port) : host_(std::move(host)), port_(std::move(port)) {}

HttpClient::~HttpClient() = default;

std::unique_ptr<HttpClient::Connection> HttpClient::connect() {
  auto connection = std::make_unique<Connection>();
  connect_socket(connection->io, connection->socket, host_, port_);
  return connection;
}

HttpResult HttpClient::exchange(Connection& connection, const std::string& target, const std::string& body) {
  http::write(connection.socket, make_request(host_, target, body));
  http::response_parser<http::string_body> parser;
  parser.body_limit(size_t{256} * 1024 * 1024);
  http::read(connection.socket, connection.buffer, parser);
  auto& response = parser.get();
  if (!response.keep_alive()) {
    throw beast::system_error(http::error::end_of_stream);
  }
  return HttpResult{response.result_int(), std::move(response.body())};
}

HttpResult HttpClient::post(const std::string& target, const std::string& body) {
  std::unique_ptr<Connection> connection;
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      connection = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  bool reused = connection != nullptr;
  if (!reused) {
    connection = connect();
  }
  HttpResult result;
  try {
    result = exchange(*connection, target, body);
  } catch (const beast::system_error& e) {
    // An idle connection the server has closed fails on first use: the request was not
    // processed, so it goes again on a new connection.
    if (!reused) {
      throw Error("POST http://" + endpoint() + target + ": " + e.code().message(), e.code().value());
    }
    connection = connect();
    try {
      result = exchange(*connection, target, body);
    } catch (const beast::system_error& again) {
      throw Error("POST http://" + endpoint() + target + ": " + again.code().message(), again.code().value());
    }
  }
  std::lock_guard lock(mutex_);
  idle_.push_back(std::move(connection));
  return result;
}

HttpStream::HttpStream(const std::string& host, const std::string& port, const std::string& target,
                       const std::string& body)
    : socket_(io_), what_("POST http://" + host + ":" + port + target) {
  connect_socket(io_, socket_, host, port);
  boost::system::error_code ec;
  http::write(socket_, make_request(host, target, body), ec);
  if (!ec) {
    parser_.body_limit(boost::none);
    http::read_header(socket_, buffer_, parser_, ec);
  }
  if (ec) {
    throw Error(what_ + ": " + ec.message(), ec.value());
  }
  if (parser_.get().result() != http::status::ok) {
    throw Error(what_ + ": HTTP " + std::to_string(parser_.get().result_int()));
  }
}

HttpStream::~HttpStream() = default;

bool HttpStream::read(std::string& out) {
  if (parser_.is_done()) {
    return false;
  }
  std::array<char, size_t{64} * 1024> chunk{};
  parser_.get().body().data = chunk.data();
  parser_.get().body().size = chunk.size();
  boost::system::error_code ec;
  http::read_some(socket_, buffer_, parser_, ec);
  if (ec == http::error::need_buffer) {
    ec = {};
  }
  if (ec) {
    return false;
  }
  out.append(chunk.data(), chunk.size() - parser_.get().body().size);
  return true;
}

void HttpStream::cancel() {
  // shutdown(2), not the socket object's close: the reading thread still uses the object, and a
  // shutdown makes its blocked read return at once.
  ::shutdown(socket_.native_handle(), SHUT_RDWR);
}

}  // namespace skiff::store

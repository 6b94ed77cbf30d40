#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace skiff::store {

struct HttpResult {
  unsigned status = 0;
  std::string body;
};

// A plain HTTP/1.1 client for one host (etcd's JSON gateway on loopback) that keeps connections
// alive and reuses them: each call takes an idle connection or opens one, so calls from several
// threads run at once.
class HttpClient {
 public:
  HttpClient(std::string host, std::string port);
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;
  ~HttpClient();

  // POSTs a JSON body to target and reads the whole response. Errors name the target.
  HttpResult post(const std::string& target, const std::string& body);
  [[nodiscard]] std::string endpoint() const { return host_ + ":" + port_; }

 private:
  struct Connection;
  std::unique_ptr<Connection> connect();
  HttpResult exchange(Connection& connection, const std::string& target, const std::string& body);

  std::string host_;
  std::string port_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Connection>> idle_;
};

// One POST whose response body is a stream (etcd's /v3/watch): read() returns its pieces as they
// arrive. cancel() (from another thread) makes a blocked read() return false.
class HttpStream {
 public:
  // Connects, sends the request and reads the response header; throws unless the status is 200.
  HttpStream(const std::string& host, const std::string& port, const std::string& target, const std::string& body);
  HttpStream(const HttpStream&) = delete;
  HttpStream& operator=(const HttpStream&) = delete;
  ~HttpStream();

  // Appends the next piece of the body to out; false at its end, on an error or after cancel().
  bool read(std::string& out);
  void cancel();

 private:
  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
  boost::beast::http::response_parser<boost::beast::http::buffer_body> parser_;
  std::string what_;
};

}  // namespace skiff::store

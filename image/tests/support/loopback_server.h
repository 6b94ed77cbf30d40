#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http.hpp>
#include <cstdint>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace skiff::testing {

// A TCP server on 127.0.0.1 with a free port, for the stand-ins that tests put in front of or
// beside a registry (a token issuer, a redirector, a proxy that cuts connections). Each
// connection runs handler in a thread of its own. The destructor stops accepting, shuts down the
// connections still open and joins every thread.
class LoopbackServer {
 public:
  using Handler = std::function<void(boost::asio::ip::tcp::socket& socket)>;

  explicit LoopbackServer(Handler handler);
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;
  ~LoopbackServer();

  [[nodiscard]] uint16_t port() const { return port_; }
  // "127.0.0.1:<port>"
  [[nodiscard]] std::string host() const;

 private:
  void accept_loop();

  Handler handler_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::set<int> open_fds_;
  std::vector<std::thread> connections_;
  std::thread accept_thread_;
};

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

// Answers the HTTP/1.1 requests on socket with respond until the client closes it or a response
// says Connection: close.
void serve_http(boost::asio::ip::tcp::socket& socket, const std::function<HttpResponse(const HttpRequest&)>& respond);

// The query parameters of a request target ("/token?service=a&scope=b&scope=c"), percent-decoded,
// in order.
std::vector<std::pair<std::string, std::string>> query_params(std::string_view target);

// A free TCP port on 127.0.0.1 (bound and released; another process could take it meanwhile).
uint16_t free_loopback_port();

}  // namespace skiff::testing

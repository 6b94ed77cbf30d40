#include "loopback_server.h"

#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/url/parse.hpp>

#include "skiff/base/error.h"

namespace skiff::testing {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

LoopbackServer::LoopbackServer(Handler handler)
    : handler_(std::move(handler)), acceptor_(io_, tcp::endpoint(asio::ip::address_v4::loopback(), 0)) {
  port_ = acceptor_.local_endpoint().port();
  accept_thread_ = std::thread([this] { accept_loop(); });
}

LoopbackServer::~LoopbackServer() {
  stopping_ = true;
  // A connection of our own wakes the blocking accept, which then sees stopping_.
  try {
    tcp::socket wake(io_);
    wake.connect(tcp::endpoint(asio::ip::address_v4::loopback(), port_));
  } catch (const std::exception&) {
  }
  accept_thread_.join();
  {
    std::lock_guard lock(mutex_);
    for (int fd : open_fds_) {
      ::shutdown(fd, SHUT_RDWR);
    }
  }
  for (auto& thread : connections_) {
    thread.join();
  }
}

std::string LoopbackServer::host() const {
  return "127.0.0.1:" + std::to_string(port_);
}

void LoopbackServer::accept_loop() {
  while (!stopping_) {
    auto socket = std::make_shared<tcp::socket>(io_);
    boost::system::error_code ec;
    acceptor_.accept(*socket, ec);
    if (ec || stopping_) {
      continue;
    }
    std::lock_guard lock(mutex_);
    open_fds_.insert(socket->native_handle());
    connections_.emplace_back([this, socket] {
      try {
        handler_(*socket);
      } catch (const std::exception&) {
        // A client that went away mid-exchange ends its connection only.
      }
      std::lock_guard inner(mutex_);
      open_fds_.erase(socket->native_handle());
      boost::system::error_code ignored;
      socket->close(ignored);
    });
  }
}

void serve_http(tcp::socket& socket, const std::function<HttpResponse(const HttpRequest&)>& respond) {
  boost::beast::flat_buffer buffer;
  for (;;) {
    HttpRequest request;
    boost::system::error_code ec;
    http::read(socket, buffer, request, ec);
    if (ec) {
      return;
    }
    HttpResponse response = respond(request);
    response.version(request.version());
    if (!request.keep_alive()) {
      response.keep_alive(false);
    }
    response.prepare_payload();
    http::write(socket, response, ec);
    if (ec || !response.keep_alive()) {
      return;
    }
  }
}

std::vector<std::pair<std::string, std::string>> query_params(std::string_view target) {
  auto url = boost::urls::parse_origin_form(target);
  if (!url) {
    throw Error("request target \"" + std::string(target) + "\": " + url.error().message());
  }
  std::vector<std::pair<std::string, std::string>> params;
  for (auto param : url->params()) {
    params.emplace_back(param.key, param.value);
  }
  return params;
}

uint16_t free_loopback_port() {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  return acceptor.local_endpoint().port();
}

}  // namespace skiff::testing

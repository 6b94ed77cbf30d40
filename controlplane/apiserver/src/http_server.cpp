#include "skiff/apiserver/http_server.h"

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <thread>

#include "skiff/apiserver/status.h"
#include "skiff/base/error.h"
#include "skiff/base/log.h"

namespace skiff::apiserver {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using net::use_awaitable;
using Stream = beast::ssl_stream<beast::tcp_stream>;
using namespace net::experimental::awaitable_operators;
using Clock = std::chrono::steady_clock;

namespace {

// A Warning header value: 299, no agent, the text quoted with its quotes and backslashes escaped.
std::string warning_header_value(const std::string& text) {
  std::string value = "299 - \"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      value += '\\';
    }
    value += c == '\n' ? ' ' : c;
  }
  return value + "\"";
}

constexpr auto kHandshakeTimeout = std::chrono::seconds(10);
constexpr auto kIdleTimeout = std::chrono::minutes(5);
// A watch client that does not take an event within this long is dropped.
constexpr auto kWriteTimeout = std::chrono::seconds(30);
// How often an idle watch looks for new events (the store's watch is pulled).
constexpr auto kWatchPollInterval = std::chrono::milliseconds(20);

bool is_health_check(std::string_view target) {
  std::string_view path = target.substr(0, target.find('?'));
  return path == "/healthz" || path == "/livez" || path == "/readyz" || path.starts_with("/healthz/") ||
         path.starts_with("/livez/") || path.starts_with("/readyz/");
}

http::response<http::string_body> status_response(const ApiError& error, unsigned version, bool keep_alive) {
  http::response<http::string_body> res{static_cast<http::status>(error.http_code()), version};
  res.set(http::field::content_type, "application/json");
  res.body() = boost::json::serialize(error.to_status());
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

}  // namespace

struct HttpServer::Impl {
  ApiHandler& handler;
  TokenAuthenticator authenticator;
  HttpServerOptions options;
  net::io_context ioc;
  net::ssl::context tls{net::ssl::context::tls_server};
  net::ip::tcp::acceptor acceptor{ioc};

  Impl(ApiHandler& h, TokenAuthenticator a, const HttpServerOptions& o)
      : handler(h), authenticator(std::move(a)), options(o), ioc(o.threads) {
    tls.set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 | net::ssl::context::no_sslv3 |
                    net::ssl::context::no_tlsv1 | net::ssl::context::no_tlsv1_1);
    tls.use_certificate_chain_file(options.cert_file);
    tls.use_private_key_file(options.key_file, net::ssl::context::pem);
    // kubectl speaks HTTP/2 when offered; this server speaks HTTP/1.1, so ALPN picks it.
    SSL_CTX_set_alpn_select_cb(
        tls.native_handle(),
        [](SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in, unsigned int inlen,
           void*) -> int {
          static const unsigned char http11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
          unsigned char* selected = nullptr;
          if (SSL_select_next_proto(&selected, outlen, http11, sizeof(http11), in, inlen) != OPENSSL_NPN_NEGOTIATED) {
            return SSL_TLSEXT_ERR_NOACK;
          }
          *out = selected;
          return SSL_TLSEXT_ERR_OK;
        },
        nullptr);
    net::ip::tcp::endpoint endpoint(net::ip::make_address(options.host), options.port);
    acceptor.open(endpoint.protocol());
    acceptor.set_option(net::socket_base::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen(net::socket_base::max_listen_connections);
  }

  net::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(net::make_strand(ioc), net::as_tuple(use_awaitable));
      if (ec == net::error::operation_aborted) {
        co_return;
      }
      if (ec) {
        log::warning("accept: " + ec.message());
        continue;
      }
      auto executor = socket.get_executor();
      net::co_spawn(executor, session(Stream(beast::tcp_stream(std::move(socket)), tls)), net::detached);
    }
  }

  net::awaitable<void> session(Stream stream) {
    beast::get_lowest_layer(stream).expires_after(kHandshakeTimeout);
    auto [hec] = co_await stream.async_handshake(net::ssl::stream_base::server, net::as_tuple(use_awaitable));
    if (hec) {
      co_return;
    }
    beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(options.body_limit);
      beast::get_lowest_layer(stream).expires_after(kIdleTimeout);
      auto [rec, n] = co_await http::async_read(stream, buffer, parser, net::as_tuple(use_awaitable));
      if (rec == http::error::body_limit) {
        ApiError too_large(
            413, "RequestEntityTooLarge",
            "the request body is larger than the server accepts (" + std::to_string(options.body_limit) + " bytes)");
        auto res = status_response(too_large, parser.get().version(), false);
        co_await http::async_write(stream, res, net::as_tuple(use_awaitable));
        break;
      }
      if (rec) {
        break;
      }
      http::request<http::string_body> req = parser.release();
      Clock::time_point start = Clock::now();
      RequestLabels labels = request_labels(req.method_string(), req.target());
      bool keep_alive = req.keep_alive();
      if (!is_health_check(req.target())) {
        if (!authenticator.authenticate(std::string(req[http::field::authorization]))) {
          observe(labels, 401, start);
          auto res = status_response(ApiError(401, "Unauthorized", "Unauthorized"), req.version(), keep_alive);
          co_await http::async_write(stream, res, net::as_tuple(use_awaitable));
          if (!keep_alive) {
            break;
          }
          continue;
        }
      }
      ApiResponse response =
          is_metrics(req) ? metrics_response()
                          : handler.handle(ApiRequest{std::string(req.method_string()), std::string(req.target()),
                                                      std::string(req[http::field::content_type]),
                                                      std::string(req[http::field::accept]), std::move(req.body())});
      observe(labels, response.status, start);
      if (response.stream) {
        if (!co_await stream_events(stream, *response.stream, req.version())) {
          // The TLS stream is broken mid-record: close the connection without a shutdown.
          co_return;
        }
        break;
      }
      http::response<http::string_body> res{static_cast<http::status>(response.status), req.version()};
      res.set(http::field::content_type, response.content_type);
      res.set(http::field::cache_control, "no-cache, private");
      for (const std::string& warning : response.warnings) {
        // RFC 7234's warn-code 299 ("miscellaneous persistent warning"), as kube-apiserver sends.
        res.insert(http::field::warning, warning_header_value(warning));
      }
      res.body() = std::move(response.body);
      res.keep_alive(keep_alive);
      res.prepare_payload();
      auto [wec, written] = co_await http::async_write(stream, res, net::as_tuple(use_awaitable));
      if (wec || !keep_alive) {
        break;
      }
    }
    beast::get_lowest_layer(stream).expires_after(kHandshakeTimeout);
    co_await stream.async_shutdown(net::as_tuple(use_awaitable));
  }

  [[nodiscard]] bool is_metrics(const http::request<http::string_body>& req) const {
    std::string_view target = req.target();
    return options.metrics && req.method() == http::verb::get && target.substr(0, target.find('?')) == "/metrics";
  }

  [[nodiscard]] ApiResponse metrics_response() const {
    ApiResponse response;
    response.content_type = "text/plain; version=0.0.4; charset=utf-8";
    response.body = options.metrics->render();
    return response;
  }

  void observe(const RequestLabels& labels, int code, Clock::time_point start) const {
    if (options.metrics) {
      options.metrics->observe_request(labels, code, Clock::now() - start);
    }
  }

  // Sends a watch's events as one chunked response until the watch ends or the client goes.
  // False when the connection must be dropped without a TLS shutdown (a write was abandoned).
  net::awaitable<bool> stream_events(Stream& stream, EventStream& events, unsigned version) {
    struct WatchCount {
      ServerMetrics* metrics;
      explicit WatchCount(ServerMetrics* m) : metrics(m) {
        if (metrics) {
          metrics->watch_started();
        }
      }
      ~WatchCount() {
        if (metrics) {
          metrics->watch_ended();
        }
      }
      WatchCount(const WatchCount&) = delete;
      WatchCount& operator=(const WatchCount&) = delete;
    } counted(options.metrics);
    http::response<http::empty_body> res{http::status::ok, version};
    res.set(http::field::content_type, "application/json");
    res.set(http::field::cache_control, "no-cache, private");
    res.chunked(true);
    res.keep_alive(false);
    http::response_serializer<http::empty_body> serializer{res};
    beast::get_lowest_layer(stream).expires_after(kWriteTimeout);
    auto [hec, hn] = co_await http::async_write_header(stream, serializer, net::as_tuple(use_awaitable));
    if (hec) {
      co_return true;
    }
    net::steady_timer timer(co_await net::this_coro::executor);
    // Events taken from the store but not yet written, and whether the watch has ended.
    std::string backlog;
    bool ended = false;
    for (;;) {
      if (backlog.empty() && !ended) {
        std::optional<std::string> chunk = events.poll();
        if (!chunk) {
          ended = true;
        } else if (chunk->empty()) {
          timer.expires_after(kWatchPollInterval);
          co_await timer.async_wait(net::as_tuple(use_awaitable));
          continue;
        } else {
          backlog = std::move(*chunk);
        }
      }
      if (backlog.empty()) {
        break;
      }
      std::string chunk = std::move(backlog);
      backlog.clear();
      beast::get_lowest_layer(stream).expires_after(kWriteTimeout);
      auto written = co_await (write_chunk(stream, chunk) || take_events_while_writing(events, backlog, ended));
      if (written.index() == 1) {
        log::warning("watch dropped: its client left more than " + std::to_string(options.watch_backlog_limit) +
                     " bytes of events unread");
        co_return false;
      }
      if (std::get<0>(written)) {
        co_return true;
      }
    }
    beast::get_lowest_layer(stream).expires_after(kWriteTimeout);
    co_await net::async_write(stream, http::make_chunk_last(), net::as_tuple(use_awaitable));
    co_return true;
  }

  static net::awaitable<beast::error_code> write_chunk(Stream& stream, const std::string& chunk) {
    auto [ec, n] =
        co_await net::async_write(stream, http::make_chunk(net::buffer(chunk)), net::as_tuple(use_awaitable));
    co_return ec;
  }

  // Keeps draining the store's watch into backlog while a write is under way (so that events
  // wait as bytes here, counted, not in the store's queue); returns only when backlog passes
  // the limit, which abandons the write.
  net::awaitable<void> take_events_while_writing(EventStream& events, std::string& backlog, bool& ended) const {
    net::steady_timer timer(co_await net::this_coro::executor);
    for (;;) {
      timer.expires_after(kWatchPollInterval);
      co_await timer.async_wait(use_awaitable);
      if (ended) {
        continue;
      }
      std::optional<std::string> chunk = events.poll();
      if (!chunk) {
        ended = true;
        continue;
      }
      backlog += *chunk;
      if (backlog.size() > options.watch_backlog_limit) {
        co_return;
      }
    }
  }
};

HttpServer::HttpServer(ApiHandler& handler, TokenAuthenticator authenticator, const HttpServerOptions& options)
    : impl_(std::make_unique<Impl>(handler, std::move(authenticator), options)) {}

HttpServer::~HttpServer() = default;

uint16_t HttpServer::port() const {
  return impl_->acceptor.local_endpoint().port();
}

void HttpServer::run() {
  net::co_spawn(impl_->ioc, impl_->accept_loop(), net::detached);
  std::vector<std::thread> threads;
  for (int i = 1; i < impl_->options.threads; ++i) {
    threads.emplace_back([this] { impl_->ioc.run(); });
  }
  impl_->ioc.run();
  for (std::thread& t : threads) {
    t.join();
  }
}

void HttpServer::stop() {
  impl_->ioc.stop();
}

}  // namespace skiff::apiserver

#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "skiff/apiserver/api_handler.h"
#include "skiff/apiserver/authenticator.h"
#include "skiff/apiserver/metrics.h"

namespace skiff::apiserver {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 6443;  // 0: any free port (see HttpServer::port)
  std::string cert_file;
  std::string key_file;
  int threads = 4;
  // kube's limit on request bodies: larger ones get 413.
  size_t body_limit = 3 * 1024 * 1024;
  // Counts and times every request and serves GET /metrics (authenticated) when set.
  ServerMetrics* metrics = nullptr;
  // A watch whose client lets more than this many bytes of events wait unread is dropped, so a
  // client that stops reading costs bounded memory (the client watches again from its last
  // resourceVersion, as after any dropped watch).
  size_t watch_backlog_limit = 8 * 1024 * 1024;
};

// HTTPS (TLS 1.2+) with keep-alive on a multi-threaded io_context; every request but the
// health checks needs a bearer token the authenticator knows (401 Status otherwise). Watches
// stream chunked newline-delimited events; events keep being taken from the store while a chunk
// is written, and a watch whose unwritten backlog passes watch_backlog_limit is dropped.
class HttpServer {
 public:
  HttpServer(ApiHandler& handler, TokenAuthenticator authenticator, const HttpServerOptions& options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The port it listens on (the chosen one when options.port was 0).
  [[nodiscard]] uint16_t port() const;
  // Serves until stop() (from a signal handler's thread or another thread).
  void run();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace skiff::apiserver

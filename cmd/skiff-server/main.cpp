// skiff-server: the Kubernetes-compatible API server over the embedded store (or etcd).
#include <signal.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <thread>

#include "skiff/apiserver/api_handler.h"
#include "skiff/apiserver/bootstrap.h"
#include "skiff/apiserver/http_server.h"
#include "skiff/apiserver/registry.h"
#include "skiff/base/error.h"
#include "skiff/base/log.h"
#include "skiff/base/strings.h"

namespace {

struct Listen {
  std::string host;
  uint16_t port;
};

// "127.0.0.1:6443", "[::1]:6443", ":6443" (all IPv4 addresses).
Listen parse_listen(const std::string& text) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos) {
    throw skiff::Error("--listen " + text + ": want host:port");
  }
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  auto port = skiff::parse_uint(text.substr(colon + 1), "--listen port");
  if (port > 65535) {
    throw skiff::Error("--listen " + text + ": port out of range");
  }
  return {host.empty() ? "0.0.0.0" : host, static_cast<uint16_t>(port)};
}

int run(const std::string& data_dir, const std::string& listen_text, const std::string& datastore, int threads) {
  using namespace skiff;
  Listen listen = parse_listen(listen_text);
  // Block the stop signals in every thread; one thread waits for them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::unique_ptr<store::Store> store = store::open_store(datastore.empty() ? data_dir : datastore);
  apiserver::ObjectRegistry registry(*store);
  registry.ensure_default_namespaces();

  std::string client_host = listen.host == "0.0.0.0" || listen.host == "::" ? "127.0.0.1" : listen.host;
  auto address_of = [&](uint16_t port) {
    return (client_host.find(':') != std::string::npos ? "[" + client_host + "]" : client_host) + ":" +
           std::to_string(port);
  };
  // The certificates come first; the kubeconfig is rewritten once the port is known.
  apiserver::DataDirFiles files = apiserver::bootstrap_data_dir(data_dir, listen.host, address_of(listen.port));
  apiserver::HttpServerOptions options;
  options.host = listen.host;
  options.port = listen.port;
  options.cert_file = files.server_cert;
  options.key_file = files.server_key;
  options.threads = threads;
  apiserver::ApiHandler handler(registry, address_of(listen.port));
  apiserver::HttpServer server(handler, apiserver::TokenAuthenticator::load(files.token_file), options);
  if (listen.port == 0) {
    apiserver::bootstrap_data_dir(data_dir, listen.host, address_of(server.port()));
  }
  std::cout << "skiff-server listening on https://" << address_of(server.port()) << "\n"
            << "kubeconfig: " << files.kubeconfig << std::endl;

  std::thread signal_waiter([&] {
    int signal = 0;
    sigwait(&signals, &signal);
    server.stop();
  });
  server.run();
  pthread_kill(signal_waiter.native_handle(), SIGTERM);
  signal_waiter.join();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"skiff-server: a Kubernetes-compatible API server", "skiff-server"};
  app.set_version_flag("-v,--version", std::string("skiff-server version ") + SKIFF_VERSION);
  std::string data_dir;
  std::string listen = "127.0.0.1:6443";
  std::string datastore;
  int threads = 4;
  app.add_option("--data-dir", data_dir, "state directory: the SQLite store, certificates, tokens, kubeconfig")
      ->required();
  app.add_option("--listen", listen, "address and port to serve HTTPS on (port 0: any free port)");
  app.add_option("--datastore-endpoint", datastore, "etcd://host:port to keep objects in etcd instead of SQLite");
  app.add_option("--threads", threads, "threads serving requests")->check(CLI::Range(1, 64));
  CLI11_PARSE(app, argc, argv);
  try {
    return run(data_dir, listen, datastore, threads);
  } catch (const std::exception& e) {
    std::cerr << "skiff-server: " << e.what() << "\n";
    return 1;
  }
}

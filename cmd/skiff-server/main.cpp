// skiff-server: the Kubernetes-compatible API server over the embedded store (or etcd).
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <sys/file.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <thread>

#include "skiff/apiserver/api_handler.h"
#include "skiff/apiserver/bootstrap.h"
#include "skiff/apiserver/deletion_controller.h"
#include "skiff/apiserver/encrypting_store.h"
#include "skiff/apiserver/encryption_config.h"
#include "skiff/apiserver/http_server.h"
#include "skiff/apiserver/leader_election.h"
#include "skiff/apiserver/metrics.h"
#include "skiff/apiserver/registry.h"
#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/log.h"
#include "skiff/base/strings.h"
#include "skiff/base/unique_fd.h"
#include "skiff/store/store_stats.h"

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

struct Settings {
  std::string data_dir;
  std::string listen = "127.0.0.1:6443";
  std::string datastore;
  std::string encryption_config;
  int threads = 4;
  bool rotate_encryption_key = false;
  std::string identity;
  int lease_duration_seconds = 15;
  int retry_period_seconds = 2;
};

// The election's timing as kube-controller-manager's defaults scale: the leader gives up after
// two thirds of the lease duration without a renewal, well before another may take over.
skiff::apiserver::LeaderElectionConfig election_config(const Settings& settings) {
  if (settings.retry_period_seconds >= settings.lease_duration_seconds) {
    throw skiff::Error("--leader-elect-retry-period " + std::to_string(settings.retry_period_seconds) +
                       " must be shorter than --leader-elect-lease-duration " +
                       std::to_string(settings.lease_duration_seconds));
  }
  skiff::apiserver::LeaderElectionConfig config;
  config.identity = settings.identity.empty() ? skiff::apiserver::default_leader_identity() : settings.identity;
  config.lease_duration = std::chrono::seconds(settings.lease_duration_seconds);
  config.retry_period = std::chrono::seconds(settings.retry_period_seconds);
  config.renew_deadline = std::max(config.retry_period, std::chrono::seconds(settings.lease_duration_seconds * 2 / 3));
  config.sole_server = !settings.datastore.starts_with("etcd://");
  return config;
}

// One skiff-server per data dir: a second one (or a key rotation while the server runs, which
// would seal with a key the server does not know) fails here instead of sharing the state.
skiff::UniqueFd lock_data_dir(const std::string& dir) {
  skiff::mkdir_all(dir, 0700);
  std::string path = dir + "/skiff-server.lock";
  skiff::UniqueFd fd(skiff::check(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600), "open " + path));
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    throw skiff::Error("lock " + path + ": another skiff-server uses data dir " + dir, errno);
  }
  return fd;
}

// Secrets are sealed with the encryption config's first key (a new config with one key is made
// on first start); values sealed with an older key or written before encryption are rewritten.
std::unique_ptr<skiff::apiserver::EncryptingStore> open_encrypted_store(const Settings& settings, bool new_key) {
  using namespace skiff;
  std::string config =
      settings.encryption_config.empty() ? settings.data_dir + "/encryption-config.json" : settings.encryption_config;
  std::vector<apiserver::EncryptionKey> keys =
      new_key ? apiserver::prepend_new_encryption_key(config) : apiserver::ensure_encryption_config(config);
  auto store = std::make_unique<apiserver::EncryptingStore>(
      store::open_store(settings.datastore.empty() ? settings.data_dir : settings.datastore), keys);
  if (size_t rewritten = store->reencrypt_all(); rewritten > 0) {
    log::info("re-encrypted " + std::to_string(rewritten) + " secrets with key " + keys.front().name);
  }
  return store;
}

// Rotation: a new key first in the config, every secret rewritten with it. The old keys stay
// in the file for the history the store still holds; remove them after a compaction.
int rotate_encryption_key(const Settings& settings) {
  skiff::UniqueFd lock = lock_data_dir(settings.data_dir);
  open_encrypted_store(settings, true);
  std::cout << "secrets now sealed with the new first key of the encryption config" << std::endl;
  return 0;
}

int run(const Settings& settings) {
  using namespace skiff;
  const std::string& data_dir = settings.data_dir;
  Listen listen = parse_listen(settings.listen);
  UniqueFd lock = lock_data_dir(data_dir);
  // Block the stop signals in every thread; one thread waits for them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::unique_ptr<store::Store> store = open_encrypted_store(settings, false);
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
  options.threads = settings.threads;
  store::StoreStatsReader store_stats(settings.datastore.empty() ? data_dir : settings.datastore);
  apiserver::ServerMetrics metrics([&] {
    store::StoreStats stats = store_stats.read();
    return apiserver::StoreFigures{stats.keys, store->current_revision(), stats.db_bytes};
  });
  options.metrics = &metrics;
  apiserver::ApiHandler handler(registry, address_of(listen.port));
  apiserver::HttpServer server(handler, apiserver::TokenAuthenticator::load(files.token_file), options);
  // The work that must run once among the servers on one store runs on the leader.
  apiserver::DeletionController deletion(registry);
  apiserver::LeaderElector elector(
      registry, election_config(settings),
      [&] {
        deletion.start();
        metrics.set_leader(true);
      },
      [&] {
        metrics.set_leader(false);
        deletion.stop();
      });
  elector.start();
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
  elector.stop();
  pthread_kill(signal_waiter.native_handle(), SIGTERM);
  signal_waiter.join();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // glibc gives each serving thread an arena of its own, and a list's short-lived JSON trees
  // leave every arena holding its peak: 230 MB after a few lists of 10,000 pods where two arenas
  // keep 74 MB at the same speed (bench/api).
  ::mallopt(M_ARENA_MAX, 2);
  CLI::App app{"skiff-server: a Kubernetes-compatible API server", "skiff-server"};
  app.set_version_flag("-v,--version", std::string("skiff-server version ") + SKIFF_VERSION);
  Settings settings;
  app.add_option("--data-dir", settings.data_dir,
                 "state directory: the SQLite store, certificates, tokens, kubeconfig, encryption config")
      ->required();
  app.add_option("--listen", settings.listen, "address and port to serve HTTPS on (port 0: any free port)");
  app.add_option("--datastore-endpoint", settings.datastore,
                 "etcd://host:port to keep objects in etcd instead of SQLite");
  app.add_option(
      "--encryption-provider-config", settings.encryption_config,
      "kube's EncryptionConfiguration with the aesgcm keys for secrets (default DATA_DIR/encryption-config.json, "
      "made on first start)");
  app.add_option("--threads", settings.threads, "threads serving requests")->check(CLI::Range(1, 64));
  app.add_option("--identity", settings.identity,
                 "this server's holderIdentity in the leader Lease kube-system/skiff-server (default hostname_pid)");
  app.add_option("--leader-elect-lease-duration", settings.lease_duration_seconds,
                 "seconds the other servers wait after the leader's last renewal before taking its Lease")
      ->check(CLI::Range(2, 3600));
  app.add_option("--leader-elect-retry-period", settings.retry_period_seconds,
                 "seconds between the leader's renewals and the other servers' attempts to take the Lease")
      ->check(CLI::Range(1, 3600));
  app.add_flag("--rotate-encryption-key", settings.rotate_encryption_key,
               "with the server stopped: put a new key first in the encryption config, re-encrypt every secret "
               "with it, and exit");
  CLI11_PARSE(app, argc, argv);
  try {
    if (settings.rotate_encryption_key) {
      return rotate_encryption_key(settings);
    }
    return run(settings);
  } catch (const std::exception& e) {
    std::cerr << "skiff-server: " << e.what() << "\n";
    return 1;
  }
}

#include "test_registry.h"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <thread>

#include "loopback_server.h"
#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/subprocess.h"

extern char** environ;

namespace skiff::testing {

namespace {

constexpr const char* kUser = "skiff";
constexpr const char* kPassword = "s3cret-pass";

SubprocessResult run_in(const std::string& dir, const std::vector<std::string>& args) {
  SubprocessOptions options;
  options.args = args;
  options.cwd = dir;
  options.timeout = std::chrono::minutes(5);
  return run_subprocess(options);
}

bool accepts_connections(uint16_t port) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  boost::system::error_code ec;
  socket.connect({boost::asio::ip::address_v4::loopback(), port}, ec);
  return !ec;
}

}  // namespace

void run_openssl(const std::string& dir, const std::vector<std::string>& args) {
  std::vector<std::string> argv{"openssl"};
  argv.insert(argv.end(), args.begin(), args.end());
  SubprocessResult result = run_in(dir, argv);
  if (!result.ok()) {
    throw Error("openssl " + args[0] + " in " + dir + ": " + result.describe() + ": " + result.err);
  }
}

void make_test_ca(const std::string& dir) {
  run_openssl(dir, {"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                    "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=skiff test CA", "-addext",
                    "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"});
}

void make_server_cert(const std::string& dir, const std::string& name, const std::string& ip) {
  run_openssl(dir, {"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                    name + ".key", "-out", name + ".csr", "-subj", "/CN=" + ip});
  write_file(dir + "/" + name + ".ext", "subjectAltName=IP:" + ip + "\nextendedKeyUsage=serverAuth\n");
  run_openssl(dir, {"x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                    "-out", name + ".crt", "-days", "2", "-extfile", name + ".ext"});
}

TestRegistry::TestRegistry(TestRegistryOptions options) : options_(options), dir_("skiff-registry-") {
  mkdir_all(storage_dir());
  write_certificates();
  if (options_.auth == RegistryAuth::kHtpasswd) {
    SubprocessResult result = run_in(dir_.path(), {"htpasswd", "-Bbn", kUser, kPassword});
    if (!result.ok()) {
      throw Error("htpasswd: " + result.describe() + ": " + result.err);
    }
    write_file(dir_.path() + "/htpasswd", result.out);
  }
  if (options_.auth == RegistryAuth::kToken) {
    TokenIssuerOptions issuer;
    issuer.key_path = dir_.path() + "/token.key";
    issuer.cert_path = dir_.path() + "/token.crt";
    issuer.credentials = credentials();
    issuer.credentials.identity_token = identity_token();
    issuer.anonymous_pull = options_.anonymous_pull;
    issuer_ = std::make_unique<TokenIssuer>(issuer);
  }
  // The free port can be taken by someone else before the registry binds it: try a few.
  for (int attempt = 0; attempt < 5; ++attempt) {
    if (start(free_loopback_port())) {
      return;
    }
  }
  std::string log = path_exists(dir_.path() + "/registry.log") ? read_file(dir_.path() + "/registry.log") : "";
  throw Error("docker-registry did not start: " + log);
}

TestRegistry::~TestRegistry() {
  stop();
}

void TestRegistry::write_certificates() {
  if (options_.tls) {
    mkdir_all(dir_.path() + "/certs");
    make_test_ca(dir_.path() + "/certs");
    make_server_cert(dir_.path() + "/certs", "server", "127.0.0.1");
    mkdir_all(ca_dir());
    write_file(ca_dir() + "/ca.crt", read_file(dir_.path() + "/certs/ca.crt"));
  }
  if (options_.auth == RegistryAuth::kToken) {
    run_openssl(dir_.path(), {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "token.key", "-out",
                              "token.crt", "-days", "2", "-subj", "/CN=skiff test token signer"});
  }
}

void TestRegistry::write_config(uint16_t port) const {
  std::string config =
      "version: 0.1\n"
      "log:\n"
      "  level: warn\n"
      "  accesslog:\n"
      "    disabled: true\n"
      "storage:\n"
      "  filesystem:\n"
      "    rootdirectory: " +
      storage_dir() +
      "\n"
      "  delete:\n"
      "    enabled: true\n"
      "  maintenance:\n"
      "    uploadpurging:\n"
      "      enabled: false\n"
      "http:\n"
      "  addr: 127.0.0.1:" +
      std::to_string(port) +
      "\n"
      "  secret: skiff-test-secret\n";
  if (options_.tls) {
    config +=
        "  tls:\n"
        "    certificate: " +
        dir_.path() + "/certs/server.crt\n    key: " + dir_.path() + "/certs/server.key\n";
  }
  if (options_.auth == RegistryAuth::kHtpasswd) {
    config += "auth:\n  htpasswd:\n    realm: skiff-test-registry\n    path: " + dir_.path() + "/htpasswd\n";
  }
  if (options_.auth == RegistryAuth::kToken) {
    config += "auth:\n  token:\n    realm: " + issuer_->realm() +
              "\n    service: skiff-test-registry\n    issuer: skiff-test-issuer\n    rootcertbundle: " + dir_.path() +
              "/token.crt\n";
  }
  write_file(dir_.path() + "/config.yml", config);
}

bool TestRegistry::start(uint16_t port) {
  write_config(port);
  std::string log = dir_.path() + "/registry.log";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::string config = dir_.path() + "/config.yml";
  std::vector<char*> argv{const_cast<char*>("docker-registry"), const_cast<char*>("serve"), config.data(), nullptr};
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, "docker-registry", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    throw_errno(rc, "spawn docker-registry");
  }
  pid_ = pid;
  port_ = port;
  // Bounded wait for the listener; an early exit (the port was taken) means try another port.
  for (int i = 0; i < 600; ++i) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    if (accepts_connections(port)) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  stop();
  throw Error("docker-registry on port " + std::to_string(port) + " did not listen within 30 s: " + read_file(log));
}

void TestRegistry::stop() {
  if (pid_ <= 0) {
    return;
  }
  ::kill(pid_, SIGTERM);
  for (int i = 0; i < 200; ++i) {
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

std::string TestRegistry::host() const {
  return "127.0.0.1:" + std::to_string(port_);
}

image::RegistryEndpoint TestRegistry::endpoint() const {
  image::RegistryEndpoint endpoint;
  endpoint.host = host();
  endpoint.plain_http = !options_.tls;
  endpoint.ca_dir = ca_dir();
  return endpoint;
}

std::string TestRegistry::ca_dir() const {
  return options_.tls ? dir_.path() + "/ca" : "";
}

image::Credentials TestRegistry::credentials() const {
  return {.username = kUser, .password = kPassword};
}

std::string TestRegistry::identity_token() {
  return "skiff-test-refresh-token";
}

std::string TestRegistry::storage_dir() const {
  return dir_.path() + "/storage";
}

std::string TestRegistry::blob_path(const image::Digest& digest) const {
  std::string hex(digest.hex());
  return storage_dir() + "/docker/registry/v2/blobs/sha256/" + hex.substr(0, 2) + "/" + hex + "/data";
}

void TestRegistry::push(const std::string& source, const std::string& repo_and_tag,
                        const std::vector<std::string>& extra_args) const {
  std::vector<std::string> args{"skopeo", "copy", "--insecure-policy", "--retry-times", "2"};
  if (options_.tls) {
    args.insert(args.end(), {"--dest-tls-verify=true", "--dest-cert-dir", ca_dir()});
  } else {
    args.emplace_back("--dest-tls-verify=false");
  }
  if (options_.auth != RegistryAuth::kNone) {
    args.insert(args.end(), {"--dest-creds", std::string(kUser) + ":" + kPassword});
  }
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  args.insert(args.end(), {source, "docker://" + host() + "/" + repo_and_tag});
  SubprocessResult result = run_in(dir_.path(), args);
  if (!result.ok()) {
    throw Error("skopeo copy " + source + " to " + host() + "/" + repo_and_tag + ": " + result.describe() + ": " +
                result.err);
  }
}

}  // namespace skiff::testing

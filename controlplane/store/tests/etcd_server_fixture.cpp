#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "etcd_server.h"
#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/unique_fd.h"
#include "skiff/store/store.h"

namespace skiff::store::testing {

namespace {

// A free TCP port on 127.0.0.1 (bound and released; another process could take it meanwhile).
uint16_t free_port() {
  UniqueFd fd(check(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), "socket"));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  check(::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), "bind 127.0.0.1:0");
  socklen_t len = sizeof(addr);
  check(::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len), "getsockname");
  return ntohs(addr.sin_port);
}

std::unique_ptr<EtcdServer>& shared_instance() {
  static std::unique_ptr<EtcdServer> instance;
  return instance;
}

// Stops the shared etcd when the tests end.
class EtcdEnvironment : public ::testing::Environment {
 public:
  void TearDown() override { shared_instance().reset(); }
};

[[maybe_unused]] ::testing::Environment* const etcd_environment =
    ::testing::AddGlobalTestEnvironment(new EtcdEnvironment);

}  // namespace

EtcdServer::EtcdServer() : dir_("skiff-etcd-") {
  client_port_ = free_port();
  uint16_t peer_port = free_port();
  std::string client_url = "http://127.0.0.1:" + std::to_string(client_port_);
  std::string peer_url = "http://127.0.0.1:" + std::to_string(peer_port);
  std::vector<std::string> args = {"etcd",
                                   "--name=skiff-test",
                                   "--data-dir=" + dir_.path() + "/data",
                                   "--listen-client-urls=" + client_url,
                                   "--advertise-client-urls=" + client_url,
                                   "--listen-peer-urls=" + peer_url,
                                   "--initial-advertise-peer-urls=" + peer_url,
                                   "--initial-cluster=skiff-test=" + peer_url};
  std::vector<char*> argv;
  for (std::string& arg : args) {
    argv.push_back(arg.data());
  }
  argv.push_back(nullptr);
  UniqueFd log(
      check(::open((dir_.path() + "/etcd.log").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644), "open etcd.log"));
  pid_ = check(::fork(), "fork etcd");
  if (pid_ == 0) {
    // The etcd dies with the test process, even when that one is killed.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::dup2(log.get(), STDOUT_FILENO);
    ::dup2(log.get(), STDERR_FILENO);
    ::execvp("etcd", argv.data());
    ::_exit(127);
  }
  // Up to 30 s for it to answer, as on a loaded machine.
  for (int attempt = 0;; ++attempt) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw Error("etcd exited at start: " + read_file(dir_.path() + "/etcd.log"));
    }
    try {
      open_store(endpoint());
      return;
    } catch (const Error& e) {
      if (attempt == 300) {
        stop();
        throw Error(std::string("etcd did not answer: ") + e.what());
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

EtcdServer::~EtcdServer() {
  stop();
}

void EtcdServer::stop() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }
}

std::string EtcdServer::endpoint() const {
  return "etcd://127.0.0.1:" + std::to_string(client_port_);
}

EtcdServer& shared_etcd() {
  auto& instance = shared_instance();
  if (!instance) {
    instance = std::make_unique<EtcdServer>();
  }
  return *instance;
}

}  // namespace skiff::store::testing

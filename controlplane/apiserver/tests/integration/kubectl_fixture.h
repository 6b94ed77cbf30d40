// A fixture that starts the real skiff-server on a free loopback port in a temp dir and runs the
// real kubectl against it with the kubeconfig the server wrote.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <thread>

#include "skiff/base/file.h"
#include "skiff/base/subprocess.h"
#include "skiff/base/unique_fd.h"
#include "test_support.h"

namespace skiff::apiserver::testing {

using skiff::SubprocessOptions;
using skiff::SubprocessResult;

inline std::string env_or(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  return value ? value : fallback;
}

// A port nothing listens on now: the kernel's pick for a socket bound to port 0.
inline uint16_t free_port() {
  skiff::UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len);
  return ntohs(addr.sin_port);
}

class KubectlServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    port_ = free_port();
    pid_ = fork();
    ASSERT_GE(pid_, 0);
    if (pid_ == 0) {
      int null_fd = open("/dev/null", O_WRONLY);
      dup2(null_fd, STDOUT_FILENO);
      std::string server = env_or("SKIFF_SERVER", "skiff-server");
      std::string data = dir_.path() + "/data";
      std::string listen = "127.0.0.1:" + std::to_string(port_);
      execl(server.c_str(), server.c_str(), "--data-dir", data.c_str(), "--listen", listen.c_str(), nullptr);
      _exit(127);
    }
    // Ready when kubectl gets an answer (the kubeconfig exists and the port is served).
    for (int attempt = 0; attempt < 200; ++attempt) {
      if (skiff::path_exists(kubeconfig()) && kubectl({"get", "--raw", "/readyz"}).ok()) {
        return;
      }
      int status = 0;
      ASSERT_EQ(waitpid(pid_, &status, WNOHANG), 0) << "skiff-server exited";
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL() << "skiff-server did not answer";
  }

  void TearDown() override {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      EXPECT_EQ(skiff::wait_exit_code(pid_), 0);
    }
  }

  [[nodiscard]] std::string kubeconfig() const { return dir_.path() + "/data/admin.kubeconfig"; }

  SubprocessResult kubectl(const std::vector<std::string>& args, const std::optional<std::string>& input = {}) {
    SubprocessOptions options;
    options.args = {env_or("KUBECTL", "kubectl")};
    options.args.insert(options.args.end(), args.begin(), args.end());
    options.env = std::vector<std::string>{"KUBECONFIG=" + kubeconfig(), "HOME=" + dir_.path(), "PATH=/usr/bin:/bin"};
    options.input = input;
    options.timeout = std::chrono::seconds(60);
    return skiff::run_subprocess(options);
  }

  // kubectl that must succeed; returns its stdout.
  std::string ok(const std::vector<std::string>& args, const std::optional<std::string>& input = {}) {
    SubprocessResult result = kubectl(args, input);
    EXPECT_TRUE(result.ok()) << "kubectl " << args.front() << ": " << result.describe() << "\n" << result.err;
    return result.out;
  }

  skiff::testing::TempDir dir_{"skiff-apiserver-test-"};
  uint16_t port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace skiff::apiserver::testing

#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "test_support.h"

namespace skiff::apiserver::testing {

struct HttpReply {
  int code = 0;
  std::string body;
};

// A skiff-server ($SKIFF_SERVER) on a loopback port of its own with a data dir under dir,
// reached with curl and the admin token it wrote. start() waits until /readyz answers; the
// destructor stops it (SIGTERM) when it still runs. Restarts keep the port and the data dir.
class ServerProcess {
 public:
  explicit ServerProcess(std::vector<std::string> extra_args = {});
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;
  ~ServerProcess();

  void start();
  // SIGTERM and wait: the exit code.
  int stop();
  // SIGKILL and wait.
  void kill9();

  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] std::string data_dir() const { return dir_.path() + "/data"; }
  [[nodiscard]] std::string url(const std::string& path) const;
  [[nodiscard]] std::string token() const;
  [[nodiscard]] std::string log() const;
  // VmRSS of the server, in KiB.
  [[nodiscard]] int64_t rss_kib() const;

  // One request with curl; token "" sends none.
  HttpReply request(const std::string& method, const std::string& path, const std::string& body = "",
                    const std::string& content_type = "application/json") const;
  HttpReply request_with_token(const std::string& token, const std::string& method, const std::string& path,
                               const std::string& body = "",
                               const std::string& content_type = "application/json") const;
  // curl's argv for a streaming GET of path (a watch), for a caller that runs it itself.
  [[nodiscard]] std::vector<std::string> stream_args(const std::string& path) const;
  // kubectl with the admin kubeconfig; its stdout, failing the test when it fails.
  std::string kubectl(const std::vector<std::string>& args, const std::string& input = "") const;

 private:
  skiff::testing::TempDir dir_{"skiff-apiserver-ops-"};
  std::vector<std::string> extra_args_;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
};

// A process running argv with stdout into a file (a watch's output), killed by its PID and
// reaped when the object goes.
class BackgroundProcess {
 public:
  BackgroundProcess(const std::vector<std::string>& argv, const std::string& stdout_path);
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;
  ~BackgroundProcess();
  // Whether it exited (reaping it).
  bool exited();
  [[nodiscard]] pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

}  // namespace skiff::apiserver::testing

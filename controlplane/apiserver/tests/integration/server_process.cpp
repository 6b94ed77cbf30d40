#include "server_process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>
#include <thread>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/subprocess.h"
#include "skiff/base/unique_fd.h"

namespace skiff::apiserver::testing {

namespace {

std::string env_or(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  return value ? value : fallback;
}

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

pid_t spawn(const std::vector<std::string>& args, int stdout_fd, int stderr_fd) {
  std::vector<char*> argv;
  for (const std::string& arg : args) {
    argv.push_back(const_cast<char*>(arg.c_str()));
  }
  argv.push_back(nullptr);
  pid_t pid = check(::fork(), "fork " + args[0]);
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::dup2(stdout_fd, STDOUT_FILENO);
    ::dup2(stderr_fd, STDERR_FILENO);
    ::execvp(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

}  // namespace

ServerProcess::ServerProcess(std::vector<std::string> extra_args)
    : extra_args_(std::move(extra_args)), port_(free_port()) {}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) {
    stop();
  }
}

void ServerProcess::start() {
  std::vector<std::string> args = {env_or("SKIFF_SERVER", "skiff-server"), "--data-dir", data_dir(), "--listen",
                                   "127.0.0.1:" + std::to_string(port_)};
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  UniqueFd null_fd(check(::open("/dev/null", O_WRONLY | O_CLOEXEC), "open /dev/null"));
  UniqueFd log_fd(check(::open((dir_.path() + "/server.log").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644),
                        "open server.log"));
  pid_ = spawn(args, null_fd.get(), log_fd.get());
  for (int attempt = 0; attempt < 400; ++attempt) {
    if (path_exists(data_dir() + "/tokens.csv") && request("GET", "/readyz").code == 200) {
      return;
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw Error("skiff-server exited at start: " + log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw Error("skiff-server did not answer: " + log());
}

int ServerProcess::stop() {
  ::kill(pid_, SIGTERM);
  int code = wait_exit_code(pid_);
  pid_ = -1;
  return code;
}

void ServerProcess::kill9() {
  ::kill(pid_, SIGKILL);
  wait_exit_code(pid_);
  pid_ = -1;
}

std::string ServerProcess::url(const std::string& path) const {
  return "https://127.0.0.1:" + std::to_string(port_) + path;
}

std::string ServerProcess::token() const {
  std::string tokens = read_file(data_dir() + "/tokens.csv");
  return tokens.substr(0, tokens.find(','));
}

std::string ServerProcess::log() const {
  return path_exists(dir_.path() + "/server.log") ? read_file(dir_.path() + "/server.log") : "";
}

int64_t ServerProcess::rss_kib() const {
  std::istringstream status(read_file("/proc/" + std::to_string(pid_) + "/status"));
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmRSS:")) {
      return std::stoll(line.substr(6));
    }
  }
  throw Error("no VmRSS for " + std::to_string(pid_));
}

HttpReply ServerProcess::request(const std::string& method, const std::string& path, const std::string& body,
                                 const std::string& content_type) const {
  return request_with_token(path_exists(data_dir() + "/tokens.csv") ? token() : "", method, path, body, content_type);
}

HttpReply ServerProcess::request_with_token(const std::string& token, const std::string& method,
                                            const std::string& path, const std::string& body,
                                            const std::string& content_type) const {
  SubprocessOptions options;
  options.args = {"curl", "-sS", "--cacert", data_dir() + "/pki/ca.crt", "-X", method,
                  "-o",   "-",   "-w",       "\n%{http_code}",           "-H", "Content-Type: " + content_type};
  if (!token.empty()) {
    options.args.insert(options.args.end(), {"-H", "Authorization: Bearer " + token});
  }
  if (!body.empty()) {
    options.args.insert(options.args.end(), {"--data-binary", "@-"});
    options.input = body;
  }
  options.args.push_back(url(path));
  options.timeout = std::chrono::seconds(60);
  SubprocessResult result = run_subprocess(options);
  size_t newline = result.out.rfind('\n');
  return newline == std::string::npos
             ? HttpReply{0, result.err}
             : HttpReply{std::atoi(result.out.c_str() + newline + 1), result.out.substr(0, newline)};
}

std::vector<std::string> ServerProcess::stream_args(const std::string& path) const {
  return {"curl", "-sSN", "--cacert", data_dir() + "/pki/ca.crt", "-H", "Authorization: Bearer " + token(), url(path)};
}

std::string ServerProcess::kubectl(const std::vector<std::string>& args, const std::string& input) const {
  SubprocessOptions options;
  options.args = {env_or("KUBECTL", "kubectl")};
  options.args.insert(options.args.end(), args.begin(), args.end());
  options.env = std::vector<std::string>{"KUBECONFIG=" + data_dir() + "/admin.kubeconfig", "HOME=" + dir_.path(),
                                         "PATH=/usr/bin:/bin"};
  if (!input.empty()) {
    options.input = input;
  }
  options.timeout = std::chrono::seconds(60);
  SubprocessResult result = run_subprocess(options);
  EXPECT_TRUE(result.ok()) << "kubectl " << args.front() << ": " << result.describe() << "\n" << result.err;
  return result.out;
}

BackgroundProcess::BackgroundProcess(const std::vector<std::string>& argv, const std::string& stdout_path) {
  UniqueFd out(
      check(::open(stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), "open " + stdout_path));
  UniqueFd null_fd(check(::open("/dev/null", O_WRONLY | O_CLOEXEC), "open /dev/null"));
  pid_ = spawn(argv, out.get(), null_fd.get());
}

BackgroundProcess::~BackgroundProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    wait_exit_code(pid_);
  }
}

bool BackgroundProcess::exited() {
  int status = 0;
  if (pid_ > 0 && ::waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
  }
  return pid_ <= 0;
}

}  // namespace skiff::apiserver::testing

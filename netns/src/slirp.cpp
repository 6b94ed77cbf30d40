#include "skiff/netns/slirp.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <utility>
#include <vector>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/json.h"
#include "skiff/base/log.h"
#include "skiff/base/strings.h"
#include "skiff/base/unix_socket.h"

namespace skiff::netns {

namespace {

constexpr int kReadyTimeoutMs = 30000;
constexpr int kStopTimeoutMs = 5000;

struct Pipe {
  UniqueFd read;
  UniqueFd write;
};

Pipe make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) < 0) {
    throw_errno("slirp4netns: pipe");
  }
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

std::string find_program(const std::string& program) {
  if (program.find('/') != std::string::npos) {
    if (::access(program.c_str(), X_OK) < 0) {
      throw_errno("slirp4netns: " + program);
    }
    return program;
  }
  const char* env = std::getenv("PATH");
  std::string path = env != nullptr ? env : "/usr/local/bin:/usr/bin:/bin";
  for (const auto& dir : split(path, ':')) {
    std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  throw Error(program + ": not found in PATH (" + path + "); rootless pods need it: install the slirp4netns package");
}

// slirp4netns opens /dev/net/tun as this same user; checking first turns its terse failure in
// the log into an error that says what to do.
void check_tun() {
  UniqueFd fd(::open("/dev/net/tun", O_RDWR | O_CLOEXEC));
  if (fd) {
    return;
  }
  int err = errno;
  std::string message = "slirp4netns: open /dev/net/tun: " + errno_name(err) + " (" + std::strerror(err) + ")";
  if (err == EACCES || err == EPERM) {
    message += "; make it mode 0666 as udev does";
  } else if (err == ENOENT || err == ENODEV || err == ENXIO) {
    message += "; load the tun module (modprobe tun) and create the device (mknod -m 0666 /dev/net/tun c 10 200)";
  }
  throw Error(message);
}

std::string describe_status(int status) {
  if (WIFSIGNALED(status)) {
    return "killed by signal " + std::to_string(WTERMSIG(status));
  }
  return "exit status " + std::to_string(WEXITSTATUS(status));
}

// The last lines of slirp4netns's log, which say why it failed; the usage text it prints after
// an argument error and its warnings about experimental features are left out.
std::string log_tail(const std::string& path) {
  std::string text;
  try {
    text = read_file(path);
  } catch (const Error& e) {
    return e.what();
  }
  std::vector<std::string> lines;
  for (const auto& line : split(text, '\n')) {
    if (line.starts_with("Usage:")) {
      break;
    }
    if (!trim(line).empty() && line.find("is experimental") == std::string::npos) {
      lines.emplace_back(trim(line));
    }
  }
  std::string out;
  for (size_t i = lines.size() > 5 ? lines.size() - 5 : 0; i < lines.size(); ++i) {
    out += (out.empty() ? "" : "; ") + lines[i];
  }
  return out.empty() ? "(nothing in " + path + ")" : out;
}

// slirp4netns only says "slirp_add_hostfwd failed". It listens in this network namespace as
// this user, so binding the same address here tells why (EADDRINUSE, EACCES, EADDRNOTAVAIL).
std::string probe_bind(const std::string& protocol, const std::string& host_ip, uint16_t port) {
  UniqueFd fd(::socket(AF_INET, (protocol == "udp" ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (!fd || ::inet_pton(AF_INET, host_ip.c_str(), &addr.sin_addr) != 1) {
    return {};
  }
  int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) < 0) {
    int err = errno;
    return ": " + errno_name(err) + " (" + std::strerror(err) + ")";
  }
  return {};
}

}  // namespace

Slirp4netns::Slirp4netns(const SlirpOptions& options) {
  std::string program = find_program(options.program);
  check_tun();
  if (options.netns_path.empty()) {
    throw Error("slirp4netns: no network namespace to attach to");
  }
  std::string context = "slirp4netns for " + options.netns_path;
  // slirp4netns opens it as this user too; a bad path is clearer said here than in its log.
  for (const auto* ns : {&options.netns_path, &options.userns_path}) {
    if (!ns->empty() && !UniqueFd(::open(ns->c_str(), O_RDONLY | O_CLOEXEC))) {
      throw_errno(context + ": open " + *ns);
    }
  }
  // slirp4netns binds it relative to its working directory, options.dir, so that a dir deeper than
  // sun_path's 108 bytes allows still works; connect_unix_socket reaches it the same way.
  api_socket_ = options.dir + "/slirp.sock";
  // A socket left by a slirp4netns that was killed would make the new one fail with EADDRINUSE.
  if (::unlink(api_socket_.c_str()) < 0 && errno != ENOENT) {
    throw_errno(context + ": remove " + api_socket_);
  }
  std::string log_path = options.dir + "/slirp4netns.log";
  UniqueFd log(::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!log) {
    throw_errno(context + ": open " + log_path);
  }
  Pipe ready = make_pipe();
  Pipe exit = make_pipe();

  std::vector<std::string> args = {program,
                                   "--configure",
                                   "--mtu=65520",
                                   "--disable-host-loopback",
                                   "--enable-sandbox",
                                   "--enable-seccomp",
                                   "--api-socket",
                                   "slirp.sock",
                                   "--ready-fd",
                                   std::to_string(ready.write.get()),
                                   "--exit-fd",
                                   std::to_string(exit.read.get())};
  if (options.enable_ipv6) {
    args.emplace_back("--enable-ipv6");
  }
  if (!options.userns_path.empty()) {
    args.push_back("--userns-path=" + options.userns_path);
  }
  args.emplace_back("--netns-type=path");
  args.push_back(options.netns_path);
  args.emplace_back("tap0");
  std::vector<char*> argv;
  for (auto& arg : args) {
    argv.push_back(arg.data());
  }
  argv.push_back(nullptr);

  pid_t pid = ::fork();
  if (pid < 0) {
    throw_errno(context + ": fork");
  }
  if (pid == 0) {
    // Only async-signal-safe calls: the caller may have threads. Its own session keeps a
    // terminal's ^C away; its lifetime is the exit fd's.
    ::setsid();
    int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    ::dup2(devnull, 0);
    ::dup2(log.get(), 1);
    ::dup2(log.get(), 2);
    ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
    ::fcntl(ready.write.get(), F_SETFD, 0);
    ::fcntl(exit.read.get(), F_SETFD, 0);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    if (::chdir(options.dir.c_str()) != 0) {
      ::dprintf(2, "chdir %s: %s\n", options.dir.c_str(), std::strerror(errno));
      ::_exit(127);
    }
    ::execv(argv[0], argv.data());
    ::dprintf(2, "exec %s: %s\n", argv[0], std::strerror(errno));
    ::_exit(127);
  }
  pid_ = pid;
  pidfd_ = UniqueFd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  exit_fd_ = std::move(exit.write);
  ready.write.reset();
  exit.read.reset();

  std::string failure;
  pollfd p{ready.read.get(), POLLIN, 0};
  int n = 0;
  while ((n = ::poll(&p, 1, kReadyTimeoutMs)) < 0 && errno == EINTR) {
  }
  char byte = 0;
  if (n == 0) {
    failure = "tap0 not configured after " + std::to_string(kReadyTimeoutMs / 1000) + " s";
  } else if (n < 0 || ::read(ready.read.get(), &byte, 1) != 1 || byte != '1') {
    failure = "exited before tap0 was configured";
  }
  if (!failure.empty()) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    pidfd_.reset();
    exit_fd_.reset();
    throw Error(context + ": " + failure + " (" + describe_status(status) + "): " + log_tail(log_path));
  }
}

Slirp4netns::~Slirp4netns() {
  try {
    stop();
  } catch (const std::exception& e) {
    log::error(e.what());
  }
}

Slirp4netns::Slirp4netns(Slirp4netns&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      pidfd_(std::move(other.pidfd_)),
      exit_fd_(std::move(other.exit_fd_)),
      api_socket_(std::move(other.api_socket_)) {}

Slirp4netns& Slirp4netns::operator=(Slirp4netns&& other) noexcept {
  if (this != &other) {
    try {
      stop();
    } catch (const std::exception& e) {
      log::error(e.what());
    }
    pid_ = std::exchange(other.pid_, -1);
    pidfd_ = std::move(other.pidfd_);
    exit_fd_ = std::move(other.exit_fd_);
    api_socket_ = std::move(other.api_socket_);
  }
  return *this;
}

int Slirp4netns::add_port(const PortMapping& port) {
  std::string host_ip = port.host_ip.empty() ? "0.0.0.0" : port.host_ip;
  std::string what = "slirp4netns: publish host port " + port.protocol + "/" + host_ip + ":" +
                     std::to_string(port.host_port) + " to container port " + std::to_string(port.container_port);
  if (pid_ <= 0) {
    throw Error(what + ": slirp4netns is not running");
  }
  if (port.protocol != "tcp" && port.protocol != "udp") {
    throw Error(what + ": protocol is neither tcp nor udp");
  }
  in_addr probe{};
  if (::inet_pton(AF_INET, host_ip.c_str(), &probe) != 1) {
    throw Error(what + ": slirp4netns publishes on IPv4 host addresses only");
  }
  if (port.host_port == 0 || port.container_port == 0) {
    throw Error(what + ": port 0 cannot be published");
  }
  boost::json::object request{{"execute", "add_hostfwd"},
                              {"arguments",
                               {{"proto", port.protocol},
                                {"host_addr", host_ip},
                                {"host_port", port.host_port},
                                {"guest_port", port.container_port}}}};

  // One request per connection: slirp4netns answers and closes.
  UniqueFd sock = connect_unix_socket(api_socket_, "the slirp4netns API");
  timeval timeout{10, 0};
  ::setsockopt(sock.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  write_all(sock.get(), boost::json::serialize(request), "the slirp4netns API");
  std::string reply = read_all(sock.get(), "the slirp4netns API");
  auto doc = json::parse(reply, "slirp4netns API reply");
  const auto& obj = json::as_object(doc, "reply");
  if (const auto* error = json::find(obj, "error")) {
    const auto* desc = json::find(json::as_object(*error, "error"), "desc");
    std::string message = desc != nullptr && desc->is_string() ? std::string(desc->as_string()) : reply;
    throw Error(what + ": " + message + probe_bind(port.protocol, host_ip, port.host_port));
  }
  const auto* result = json::find(obj, "return");
  const auto* id = result != nullptr && result->is_object() ? json::find(result->as_object(), "id") : nullptr;
  if (id == nullptr) {
    throw Error(what + ": unexpected reply " + reply);
  }
  return static_cast<int>(json::as_int64(*id, "return.id"));
}

void Slirp4netns::stop() {
  if (pid_ <= 0) {
    return;
  }
  exit_fd_.reset();
  pollfd p{pidfd_.get(), POLLIN, 0};
  int n = 0;
  while (pidfd_ && (n = ::poll(&p, 1, kStopTimeoutMs)) < 0 && errno == EINTR) {
  }
  if (!pidfd_ || n <= 0) {
    ::kill(pid_, SIGKILL);
  }
  pid_t pid = std::exchange(pid_, -1);
  pidfd_.reset();
  while (::waitpid(pid, nullptr, 0) < 0) {
    if (errno != EINTR) {
      throw_errno("slirp4netns: wait for pid " + std::to_string(pid));
    }
  }
  // Sandboxed, slirp4netns cannot remove its socket itself.
  ::unlink(api_socket_.c_str());
}

}  // namespace skiff::netns

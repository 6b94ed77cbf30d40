#include "pod_net.h"

#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <utility>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/log.h"
#include "skiff/base/strings.h"
#include "skiff/base/subprocess.h"
#include "skiff/netns/slirp.h"
#include "skiff/pod/pod_manager.h"
#include "skiff/runtime/state.h"

#if defined(SKIFF_POD_HAVE_NETNS) && __has_include("skiff/netns/etc_files.h")
#include "skiff/netns/etc_files.h"
#endif

namespace skiff::pod {

bool bridge_networking_available() {
#ifdef SKIFF_POD_HAVE_NETNS
  return true;
#else
  return false;
#endif
}

int set_loopback_up() {
  int sock = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ifreq req{};
  std::strncpy(req.ifr_name, "lo", IFNAMSIZ - 1);
  if (sock < 0 || ::ioctl(sock, SIOCGIFFLAGS, &req) != 0) {
    return 1;
  }
  req.ifr_flags = static_cast<short>(req.ifr_flags | IFF_UP);
  return ::ioctl(sock, SIOCSIFFLAGS, &req) == 0 ? 0 : 2;
}

void bring_up_loopback(const std::string& netns_path) {
  UniqueFd ns(::open(netns_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!ns) {
    throw_errno("open " + netns_path);
  }
  // setns in a child: the caller's own network namespace stays as it is.
  pid_t child = check(::fork(), "fork to set lo up in " + netns_path);
  if (child == 0) {
    if (::setns(ns.get(), CLONE_NEWNET) != 0) {
      ::_exit(10 + errno % 100);
    }
    ::_exit(set_loopback_up());
  }
  int code = wait_exit_code(child);
  if (code != 0) {
    throw Error("set lo up in " + netns_path + " (helper exit status " + std::to_string(code) + ")");
  }
}

std::string slirp_pid_file(const std::string& pod_dir) {
  return pod_dir + "/slirp4netns.pid";
}

namespace {

// Closes every fd from 3 up except those in keep (sorted).
void close_fds_except(std::vector<int> keep) {
  std::sort(keep.begin(), keep.end());
  unsigned next = 3;
  for (int fd : keep) {
    if (fd >= static_cast<int>(next)) {
      if (static_cast<unsigned>(fd) > next) {
        ::syscall(SYS_close_range, next, static_cast<unsigned>(fd) - 1, 0);
      }
      next = static_cast<unsigned>(fd) + 1;
    }
  }
  ::syscall(SYS_close_range, next, ~0U, 0);
}

bool send_all(int fd, const std::string& message) {
  return ::write(fd, message.data(), message.size()) == static_cast<ssize_t>(message.size());
}

// The holder process; never returns.
[[noreturn]] void run_slirp_holder(pid_t monitor_pid, const std::string& pod_dir, pid_t infra_pid,
                                   const std::string& netns_path, const std::vector<netns::PortMapping>& ports,
                                   int report_fd, int keep_alive_fd) {
  ::prctl(PR_SET_NAME, "skiff-slirp");
  // Dies with the monitor even in the middle of starting slirp4netns (which then ends by its exit
  // fd), so that a teardown that has waited for a killed monitor finds no holder starting another.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != monitor_pid) {
    ::_exit(1);
  }
  close_fds_except({report_fd, keep_alive_fd});
#ifdef SKIFF_POD_HAVE_NETNS
  std::optional<netns::Slirp4netns> slirp;
  std::string pid_file = slirp_pid_file(pod_dir);
  try {
    std::string proc = "/proc/" + std::to_string(infra_pid) + "/ns/";
    if (::geteuid() != 0) {
      // A rootless pod's network namespace belongs to its user namespace: join that (keeping our
      // uid, which is its root) so that slirp4netns and its sandbox may configure it.
      UniqueFd userns(::open((proc + "user").c_str(), O_RDONLY | O_CLOEXEC));
      if (!userns) {
        throw_errno("open " + proc + "user");
      }
      if (::setns(userns.get(), CLONE_NEWUSER) < 0) {
        throw_errno("join the pod's user namespace " + proc + "user");
      }
    }
    netns::SlirpOptions options;
    options.netns_path = netns_path.empty() ? proc + "net" : netns_path;
    options.dir = pod_dir;
    slirp.emplace(options);
    pid_t pid = slirp->pid();
    // With the start time, so that teardown never kills a process that merely reused the pid.
    write_file_atomic(pid_file, std::to_string(pid) + " " + std::to_string(runtime::process_start_time(pid)) + "\n",
                      0600, false);
    for (const auto& port : ports) {
      slirp->add_port(port);
    }
  } catch (const std::exception& e) {
    send_all(report_fd, std::string("error ") + e.what());
    slirp.reset();
    ::unlink(pid_file.c_str());
    ::_exit(1);
  }
  send_all(report_fd, "ok");
  ::close(report_fd);
  pollfd p{keep_alive_fd, POLLIN, 0};
  while (::poll(&p, 1, -1) < 0 && errno == EINTR) {
  }
  ::unlink(pid_file.c_str());
  try {
    slirp->stop();
  } catch (const std::exception& e) {
    send_all(STDERR_FILENO, std::string("skiff-slirp: ") + e.what() + "\n");
  }
  ::_exit(0);
#else
  (void)infra_pid;
  (void)netns_path;
  (void)ports;
  (void)keep_alive_fd;
  send_all(report_fd, "error pod " + pod_dir + ": slirp4netns networking is not built in (no netns library)");
  ::_exit(1);
#endif
}

}  // namespace

PodSlirp::PodSlirp(const std::string& pod_dir, pid_t infra_pid, const std::vector<netns::PortMapping>& ports,
                   const std::string& netns_path) {
  int report[2];
  int keep[2];
  check(::pipe2(report, O_CLOEXEC), "pipe for the slirp4netns holder");
  UniqueFd report_read(report[0]);
  UniqueFd report_write(report[1]);
  check(::pipe2(keep, O_CLOEXEC), "pipe for the slirp4netns holder");
  UniqueFd keep_read(keep[0]);
  keep_alive_ = UniqueFd(keep[1]);
  // Forked from the (single-threaded) monitor, so the child may do more than async-signal-safe calls.
  pid_t monitor_pid = ::getpid();
  pid_t pid = check(::fork(), "fork the slirp4netns holder");
  if (pid == 0) {
    run_slirp_holder(monitor_pid, pod_dir, infra_pid, netns_path, ports, report_write.get(), keep_read.get());
  }
  holder_ = pid;
  report_write.reset();
  keep_read.reset();
  std::string reply = read_all(report_read.get(), "the slirp4netns holder");
  if (reply != "ok") {
    stop();
    if (reply.rfind("error ", 0) == 0) {
      throw Error(reply.substr(6));
    }
    throw Error("the slirp4netns holder for " + pod_dir + " exited before it reported");
  }
}

PodSlirp::~PodSlirp() {
  try {
    stop();
  } catch (const std::exception& e) {
    log::warning(std::string("slirp4netns: ") + e.what());
  }
}

void PodSlirp::stop() {
  keep_alive_.reset();
  if (holder_ > 0) {
    pid_t pid = std::exchange(holder_, -1);
    // ECHILD: the monitor's waitpid(-1) already reaped it.
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
}

void kill_pod_slirp(const std::string& pod_dir) {
  std::string file = slirp_pid_file(pod_dir);
  if (!path_exists(file)) {
    return;
  }
  auto fields = split(std::string(trim(read_file(file))), ' ');
  if (fields.size() != 2) {
    throw Error(file + ": expected \"<pid> <start time>\"");
  }
  auto pid = static_cast<pid_t>(parse_int(fields[0], file + " pid"));
  uint64_t start_time = parse_uint(fields[1], file + " start time");
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!pidfd) {
    if (errno != ESRCH) {
      throw_errno("pidfd_open slirp4netns " + std::to_string(pid));
    }
  } else if (runtime::process_start_time(pid) == start_time) {
    // Checked after pidfd_open: the pidfd now pins this very process.
    if (::syscall(SYS_pidfd_send_signal, pidfd.get(), SIGKILL, nullptr, 0) < 0 && errno != ESRCH) {
      throw_errno("kill slirp4netns " + std::to_string(pid));
    }
    // Its parent (the monitor) is gone, so it is not ours to reap: the pidfd says when it exited.
    pollfd p{pidfd.get(), POLLIN, 0};
    while (::poll(&p, 1, -1) < 0) {
      if (errno != EINTR) {
        throw_errno("wait for slirp4netns " + std::to_string(pid));
      }
    }
  }
  if (::unlink(file.c_str()) < 0 && errno != ENOENT) {
    throw_errno("remove " + file);
  }
}

netns::PodNetworkStatus slirp_network_status(const std::vector<netns::PortMapping>& ports) {
  // slirp4netns --configure sets lo and tap0 up.
  netns::PodNetworkStatus status;
  status.interface = "tap0";
  status.address4 = std::string(netns::kSlirpGuestAddress) + "/24";
  status.gateway4 = "10.0.2.2";
  status.ports = ports;
  return status;
}

std::optional<netns::PodNetworkStatus> connect_pod(const netns::BridgeNetworkConfig& config, const PodSpec& spec,
                                                   pid_t infra_pid) {
  std::string netns_path = "/proc/" + std::to_string(infra_pid) + "/ns/net";
  switch (resolve_network_mode(spec.network, ::geteuid() != 0)) {
    case NetworkMode::host:
      return std::nullopt;
    case NetworkMode::none:
    case NetworkMode::automatic:
      bring_up_loopback(netns_path);
      return std::nullopt;
    case NetworkMode::slirp4netns:
      return slirp_network_status(spec.ports);
    case NetworkMode::bridge:
#ifdef SKIFF_POD_HAVE_NETNS
      return netns::attach_pod(config, spec.id, netns_path, spec.ports);
#else
      (void)config;
      throw Error("pod " + spec.id + ": bridge networking is not built in (no netns library)");
#endif
  }
  return std::nullopt;
}

void disconnect_pod(const netns::BridgeNetworkConfig& config, const PodSpec& spec) {
#ifdef SKIFF_POD_HAVE_NETNS
  if (spec.network == NetworkMode::bridge) {
    netns::detach_pod(config, spec.id);
  }
#else
  (void)config;
  (void)spec;
#endif
}

#if defined(SKIFF_POD_HAVE_NETNS) && __has_include("skiff/netns/etc_files.h")

void write_pod_etc_files(const PodLayout& layout, const PodSpec& spec,
                         const std::optional<netns::PodNetworkStatus>& network) {
  netns::PodEtcFiles files;
  files.hostname = spec.hostname.empty() ? spec.id : spec.hostname;
  if (network) {
    for (const auto* address : {&network->address4, &network->address6}) {
      if (!address->empty()) {
        files.addresses.push_back(*address);
      }
    }
  }
  if (files.addresses.empty()) {
    // No address of its own (network none or host): the hostname still resolves.
    files.extra_hosts.push_back({"127.0.1.1", {files.hostname}});
  }
  files.dns.nameservers = spec.dns_servers;
  files.dns.search = spec.dns_searches;
  if (spec.network == NetworkMode::slirp4netns && spec.dns_servers.empty()) {
    // slirp's forwarder: the host's resolvers, loopback ones included, through the host's stack.
    files.dns.nameservers = {netns::kSlirpDnsServer};
  }
  if (spec.network == NetworkMode::host && spec.dns_servers.empty() && path_exists(files.host_resolv_conf)) {
    // The host's own resolvers, loopback ones included, are reachable from its network namespace.
    files.dns.nameservers = netns::parse_resolv_conf(read_file(files.host_resolv_conf)).nameservers;
  }
  mkdir_all(layout.etc_dir());
  netns::write_pod_etc_files(layout.etc_dir(), files);
}

#else

// Until the netns module's etc files API links: simple hosts, hostname and resolv.conf.
void write_pod_etc_files(const PodLayout& layout, const PodSpec& spec,
                         const std::optional<netns::PodNetworkStatus>& network) {
  std::string hostname = spec.hostname.empty() ? spec.id : spec.hostname;
  mkdir_all(layout.etc_dir());
  std::string hosts = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n";
  if (network && !network->address4.empty()) {
    hosts += network->address4.substr(0, network->address4.find('/')) + "\t" + hostname + "\n";
  } else {
    hosts += "127.0.1.1\t" + hostname + "\n";
  }
  std::string resolv;
  if (spec.network == NetworkMode::slirp4netns && spec.dns_servers.empty()) {
    resolv = std::string("nameserver ") + netns::kSlirpDnsServer + "\n";
  } else if (spec.dns_servers.empty() && spec.dns_searches.empty()) {
    // The host's, except loopback resolvers, which mean nothing in the pod's network namespace.
    std::string host = path_exists("/etc/resolv.conf") ? read_file("/etc/resolv.conf") : "";
    for (const auto& line : split(host, '\n')) {
      std::string_view l = trim(line);
      if (l.rfind("nameserver", 0) == 0 && spec.network != NetworkMode::host &&
          (l.find(" 127.") != std::string_view::npos || l.find(" ::1") != std::string_view::npos)) {
        continue;
      }
      if (!l.empty()) {
        resolv += std::string(l) + "\n";
      }
    }
  } else {
    for (const auto& server : spec.dns_servers) {
      resolv += "nameserver " + server + "\n";
    }
    if (!spec.dns_searches.empty()) {
      resolv += "search";
      for (const auto& s : spec.dns_searches) {
        resolv += " " + s;
      }
      resolv += "\n";
    }
  }
  write_file_atomic(layout.etc_dir() + "/hosts", hosts, 0644, false);
  write_file_atomic(layout.etc_dir() + "/hostname", hostname + "\n", 0644, false);
  write_file_atomic(layout.etc_dir() + "/resolv.conf", resolv, 0644, false);
}

#endif

}  // namespace skiff::pod

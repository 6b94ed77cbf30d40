#include "pod_net.h"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/strings.h"
#include "skiff/base/subprocess.h"
#include "skiff/pod/pod_manager.h"

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
    int sock = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ifreq req{};
    std::strncpy(req.ifr_name, "lo", IFNAMSIZ - 1);
    if (sock < 0 || ::ioctl(sock, SIOCGIFFLAGS, &req) != 0) {
      ::_exit(1);
    }
    req.ifr_flags = static_cast<short>(req.ifr_flags | IFF_UP);
    ::_exit(::ioctl(sock, SIOCSIFFLAGS, &req) == 0 ? 0 : 2);
  }
  int code = wait_exit_code(child);
  if (code != 0) {
    throw Error("set lo up in " + netns_path + " (helper exit status " + std::to_string(code) + ")");
  }
}

std::optional<netns::PodNetworkStatus> connect_pod(const netns::BridgeNetworkConfig& config, const PodSpec& spec,
                                                   pid_t infra_pid) {
  std::string netns_path = "/proc/" + std::to_string(infra_pid) + "/ns/net";
  switch (spec.network) {
    case NetworkMode::host:
      return std::nullopt;
    case NetworkMode::none:
      bring_up_loopback(netns_path);
      return std::nullopt;
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
  if (spec.dns_servers.empty() && spec.dns_searches.empty()) {
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

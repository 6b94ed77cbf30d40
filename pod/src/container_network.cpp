#include "container_network.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "pod_net.h"
#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/rootless.h"
#include "skiff/netns/slirp.h"

#ifdef SKIFF_POD_HAVE_NETNS
#include "skiff/netns/etc_files.h"
#endif

namespace skiff::pod {

namespace {

bool own_netns(const ContainerRunSpec& spec) {
  return spec.network.mode == ContainerNetwork::Mode::bridge || spec.network.mode == ContainerNetwork::Mode::none ||
         spec.network.mode == ContainerNetwork::Mode::slirp4netns;
}

// A rootless caller (root of its user namespace only) may not touch the host's bridge or nftables.
void refuse_rootless_bridge(const ContainerLayout& layout, const ContainerRunSpec& spec) {
  if (spec.network.mode == ContainerNetwork::Mode::bridge && skiff::running_rootless()) {
    throw Error("container " + (spec.name.empty() ? layout.id : spec.name) +
                    ": the bridge network needs root (it adds a veth to the host's bridge and nftables rules); "
                    "run it rootless with --network slirp4netns (the default), none or host",
                EPERM);
  }
}

bool is_mount_point(const std::string& path) {
  std::string parent = path.substr(0, path.rfind('/'));
  struct stat st {};
  struct stat parent_st {};
  return ::lstat(path.c_str(), &st) == 0 && ::stat(parent.c_str(), &parent_st) == 0 && st.st_dev != parent_st.st_dev;
}

// A new network namespace, bind-mounted at path (as `ip netns add` does), from a child that
// unshares it: the caller's own namespace is never changed. With loopback_up, that child sets lo
// up too (one fork rather than two).
void make_netns_file(const std::string& path, bool loopback_up) {
  write_file(path, "", 0444);
  pid_t child = check(::fork(), "fork to make a network namespace");
  if (child == 0) {
    if (::unshare(CLONE_NEWNET) != 0) {
      ::_exit(errno);
    }
    if (::mount("/proc/self/ns/net", path.c_str(), nullptr, MS_BIND, nullptr) != 0) {
      ::_exit(errno);
    }
    ::_exit(loopback_up && set_loopback_up() != 0 ? EIO : 0);
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    int err = WIFEXITED(status) ? WEXITSTATUS(status) : EINTR;
    throw_errno(err, "make the network namespace " + path);
  }
}

}  // namespace

std::optional<netns::PodNetworkStatus> connect_container(const netns::BridgeNetworkConfig& config,
                                                         const ContainerLayout& layout, const ContainerRunSpec& spec) {
  refuse_rootless_bridge(layout, spec);
  std::optional<netns::PodNetworkStatus> status;
  if (own_netns(spec)) {
    // lo is set up here for none (and stays up with the namespace across restarts); the bridge's
    // attach and slirp4netns --configure do it themselves.
    if (!is_mount_point(layout.netns())) {
      make_netns_file(layout.netns(), spec.network.mode == ContainerNetwork::Mode::none);
    }
    if (spec.network.mode == ContainerNetwork::Mode::bridge) {
#ifdef SKIFF_POD_HAVE_NETNS
      status = netns::attach_pod(config, layout.id, layout.netns(), spec.ports);
      save_network_status(layout.network_record(), *status);
#else
      (void)config;
      throw Error("container " + layout.id + ": bridge networking is not built in (no netns library)");
#endif
    } else if (spec.network.mode == ContainerNetwork::Mode::slirp4netns) {
      // slirp4netns itself is started by the container's monitor, on the namespace the container joined.
      status = slirp_network_status(spec.ports);
      save_network_status(layout.network_record(), *status);
    }
  }
  std::vector<std::string> nameservers;
  if (spec.network.mode == ContainerNetwork::Mode::slirp4netns) {
    nameservers.emplace_back(netns::kSlirpDnsServer);
  }
  write_container_etc_files(layout, spec.hostname, status, nameservers);
  return status;
}

void disconnect_container(const netns::BridgeNetworkConfig& config, const ContainerLayout& layout,
                          const ContainerRunSpec& spec) {
#ifdef SKIFF_POD_HAVE_NETNS
  // Rootless, connect_container refused the bridge: nothing is attached.
  if (spec.network.mode == ContainerNetwork::Mode::bridge && !skiff::running_rootless()) {
    netns::detach_pod(config, layout.id);
  }
#else
  (void)config;
  (void)spec;
#endif
  if (spec.network.mode == ContainerNetwork::Mode::slirp4netns) {
    // Ended by the monitor with the container; one its killed monitor left is ended here.
    kill_pod_slirp(layout.dir());
  }
  std::remove(layout.network_record().c_str());
  while (is_mount_point(layout.netns())) {
    if (::umount2(layout.netns().c_str(), MNT_DETACH) != 0) {
      throw_errno("unmount the network namespace " + layout.netns());
    }
  }
  if (::unlink(layout.netns().c_str()) != 0 && errno != ENOENT) {
    throw_errno("remove " + layout.netns());
  }
}

void write_container_etc_files(const ContainerLayout& layout, const std::string& hostname,
                               const std::optional<netns::PodNetworkStatus>& network,
                               const std::vector<std::string>& nameservers) {
  std::string dir = layout.dir() + "/etc";
  mkdir_all(dir);
#ifdef SKIFF_POD_HAVE_NETNS
  netns::PodEtcFiles files;
  files.hostname = hostname;
  if (network) {
    for (const auto* address : {&network->address4, &network->address6}) {
      if (!address->empty()) {
        files.addresses.push_back(*address);
      }
    }
  }
  if (files.addresses.empty()) {
    files.extra_hosts.push_back({"127.0.1.1", {hostname}});
  }
  files.dns.nameservers = nameservers;
  netns::write_pod_etc_files(dir, files);
#else
  std::string hosts = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n";
  hosts += (network && !network->address4.empty() ? network->address4.substr(0, network->address4.find('/'))
                                                  : std::string("127.0.1.1")) +
           "\t" + hostname + "\n";
  write_file_atomic(dir + "/hosts", hosts, 0644, false);
  write_file_atomic(dir + "/hostname", hostname + "\n", 0644, false);
  std::string resolv;
  for (const auto& server : nameservers) {
    resolv += "nameserver " + server + "\n";
  }
  if (nameservers.empty() && path_exists("/etc/resolv.conf")) {
    resolv = read_file("/etc/resolv.conf");
  }
  write_file_atomic(dir + "/resolv.conf", resolv, 0644, false);
#endif
}

}  // namespace skiff::pod

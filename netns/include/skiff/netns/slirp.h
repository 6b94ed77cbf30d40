#pragma once

#include <sys/types.h>

#include <string>

#include "skiff/base/unique_fd.h"
#include "skiff/netns/pod_network.h"

namespace skiff::netns {

// What slirp4netns --configure gives the pod's tap0 (its default 10.0.2.0/24 network): the pod's
// address, and the DNS forwarder to put into the pod's resolv.conf.
inline constexpr const char* kSlirpGuestAddress = "10.0.2.100";
inline constexpr const char* kSlirpDnsServer = "10.0.2.3";

struct SlirpOptions {
  // The pod's network namespace: /proc/<pid>/ns/net of its infra process, or a bind-mounted file.
  std::string netns_path;
  // The user namespace owning it (/proc/<pid>/ns/user), for a rootless pod when the caller is not
  // already in it; empty when the namespace is the caller's own.
  std::string userns_path;
  // A directory of the pod's own: the API socket (slirp.sock) and the log (slirp4netns.log).
  std::string dir;
  bool enable_ipv6 = false;
  // Looked up in PATH unless it has a slash.
  std::string program = "slirp4netns";
};

// A running slirp4netns: user-mode networking for a rootless pod, started as podman starts it
// (--configure --mtu=65520 --disable-host-loopback, sandboxed and with seccomp). slirp4netns
// ends when this handle is stopped or destroyed, and also when the process holding it dies: its
// --exit-fd is a pipe whose only write end is here.
class Slirp4netns {
 public:
  // Starts slirp4netns and returns once tap0 is configured in the pod. A missing program or an
  // unusable /dev/net/tun is named with what to do about it; a slirp4netns that fails to start
  // is reported with its log.
  explicit Slirp4netns(const SlirpOptions& options);
  ~Slirp4netns();
  Slirp4netns(const Slirp4netns&) = delete;
  Slirp4netns& operator=(const Slirp4netns&) = delete;
  Slirp4netns(Slirp4netns&& other) noexcept;
  Slirp4netns& operator=(Slirp4netns&& other) noexcept;

  // Forwards host_ip:host_port (IPv4; all addresses when host_ip is empty) on the host to
  // container_port of the pod, through the API socket. A port that cannot be had (in use, or
  // privileged) is named in the error with the reason. Returns slirp4netns's id for the forward.
  int add_port(const PortMapping& port);

  // Ends slirp4netns (closing its exit fd, SIGKILL after 5 s) and reaps it. Idempotent.
  void stop();

  [[nodiscard]] pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  UniqueFd pidfd_;
  UniqueFd exit_fd_;
  std::string api_socket_;
};

}  // namespace skiff::netns

#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace skiff::netns {

// The parts of a resolv.conf that a pod gets.
struct ResolvConf {
  std::vector<std::string> nameservers;
  std::vector<std::string> search;
  std::vector<std::string> options;
};

// Reads nameserver, search/domain (the last one wins, as in glibc) and options lines; comments
// and other keywords are skipped.
ResolvConf parse_resolv_conf(std::string_view text);

// A pod's DNS from the host's resolv.conf. Nameservers on 127.0.0.0/8 or ::1 (systemd-resolved's
// stub, dnsmasq) cannot be reached from the pod's own network namespace: they are replaced by the
// upstream servers (systemd-resolved's /run/systemd/resolve/resolv.conf) when given, and dropped
// otherwise. A non-empty field of custom replaces the host's; a custom search of just "." means no
// search domains. warning, when given, gets a message if the pod is left without nameservers
// because of that.
ResolvConf pod_resolv_conf(const ResolvConf& host, const std::optional<ResolvConf>& upstream, const ResolvConf& custom,
                           std::string* warning = nullptr);

std::string format_resolv_conf(const ResolvConf& conf);

// One /etc/hosts line.
struct HostsEntry {
  std::string ip;
  std::vector<std::string> names;
};

struct PodEtcFiles {
  std::string hostname;
  // The pod's own addresses, IPv4 and IPv6, with or without prefix length; each gets the hostname.
  std::vector<std::string> addresses;
  ResolvConf dns;  // custom DNS, see pod_resolv_conf
  std::vector<HostsEntry> extra_hosts;
  std::string host_resolv_conf = "/etc/resolv.conf";
  std::string upstream_resolv_conf = "/run/systemd/resolve/resolv.conf";
};

// localhost for 127.0.0.1 and ::1, the pod's addresses with its hostname, then the extra entries.
std::string format_hosts(const PodEtcFiles& files);

// Writes resolv.conf, hosts and hostname into dir, each atomically (a reader sees the old or the
// new file) and mode 0644. Replacing by rename leaves a file already bind-mounted into a
// container at its old content: write them before the containers start.
void write_pod_etc_files(const std::string& dir, const PodEtcFiles& files);

}  // namespace skiff::netns

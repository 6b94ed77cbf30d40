#include "skiff/netns/etc_files.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/log.h"
#include "skiff/base/strings.h"

namespace skiff::netns {

namespace {

std::vector<std::string> words(std::string_view line) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < line.size()) {
    size_t start = line.find_first_not_of(" \t", pos);
    if (start == std::string_view::npos) {
      break;
    }
    size_t end = line.find_first_of(" \t", start);
    out.emplace_back(line.substr(start, end - start));
    pos = end;
  }
  return out;
}

// The address without a prefix length, when it is an IPv4 or IPv6 address; otherwise empty.
std::string plain_address(std::string_view value, int* family = nullptr) {
  std::string addr(value.substr(0, value.find('/')));
  unsigned char buf[sizeof(in6_addr)];
  for (int f : {AF_INET, AF_INET6}) {
    if (::inet_pton(f, addr.c_str(), buf) == 1) {
      if (family != nullptr) {
        *family = f;
      }
      return addr;
    }
  }
  return {};
}

bool is_loopback(const std::string& nameserver) {
  int family = 0;
  std::string addr = plain_address(nameserver, &family);
  if (addr.empty()) {
    return false;
  }
  if (family == AF_INET) {
    return addr.starts_with("127.");
  }
  in6_addr a6{};
  ::inet_pton(AF_INET6, addr.c_str(), &a6);
  return IN6_IS_ADDR_LOOPBACK(&a6) != 0;
}

void add_unique(std::vector<std::string>& list, const std::string& item) {
  if (std::find(list.begin(), list.end(), item) == list.end()) {
    list.push_back(item);
  }
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    out += (out.empty() ? "" : " ") + item;
  }
  return out;
}

// A word written into resolv.conf or hosts must stay one word on its line.
void require_word(const std::string& value, const std::string& what) {
  bool ok = !value.empty() && std::none_of(value.begin(), value.end(), [](char c) {
    return std::isspace(static_cast<unsigned char>(c)) != 0 || c == '#' || c == ';' || c == '\0';
  });
  if (!ok) {
    throw Error(what + " \"" + value + "\" is empty or has spaces or comment characters");
  }
}

void require_ip(const std::string& value, const std::string& what) {
  if (plain_address(value).empty()) {
    throw Error(what + " \"" + value + "\" is not an IP address");
  }
}

// The kernel's limit for a UTS hostname is 64 bytes; the characters are those of DNS names.
void require_hostname(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 64 && name.front() != '-' && name.front() != '.';
  ok = ok && std::all_of(name.begin(), name.end(), [](char c) {
         return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.';
       });
  if (!ok) {
    throw Error("hostname \"" + name + "\" is not a valid host name (1-64 letters, digits, '-', '.')");
  }
}

void write_etc_file(const std::string& path, const std::string& text) {
  // Atomic (a container never reads half a file) but not fsynced: the files belong to one pod's
  // run, are written again whenever the pod is made, and a power loss ends the pod with them.
  // Three fsyncs cost 1-10 ms per pod.
  write_file_atomic(path, text, 0644, false);
  // The umask must not narrow it: containers' non-root users read these files.
  if (::chmod(path.c_str(), 0644) < 0) {
    throw_errno("chmod " + path);
  }
}

}  // namespace

ResolvConf parse_resolv_conf(std::string_view text) {
  ResolvConf conf;
  for (const auto& line : split(text, '\n')) {
    auto w = words(line);
    if (w.size() < 2 || w[0].starts_with('#') || w[0].starts_with(';')) {
      continue;
    }
    std::vector<std::string> args(w.begin() + 1, w.end());
    if (w[0] == "nameserver") {
      conf.nameservers.push_back(args[0]);
    } else if (w[0] == "search" || w[0] == "domain") {
      conf.search = args;
    } else if (w[0] == "options") {
      conf.options.insert(conf.options.end(), args.begin(), args.end());
    }
  }
  return conf;
}

ResolvConf pod_resolv_conf(const ResolvConf& host, const std::optional<ResolvConf>& upstream, const ResolvConf& custom,
                           std::string* warning) {
  ResolvConf out;
  if (!custom.nameservers.empty()) {
    out.nameservers = custom.nameservers;
  } else {
    std::vector<std::string> dropped;
    for (const auto& server : host.nameservers) {
      if (!is_loopback(server)) {
        add_unique(out.nameservers, server);
        continue;
      }
      // The stub's place in the list goes to the servers it forwards to.
      if (dropped.empty() && upstream) {
        for (const auto& up : upstream->nameservers) {
          if (!is_loopback(up)) {
            add_unique(out.nameservers, up);
          }
        }
      }
      dropped.push_back(server);
    }
    if (out.nameservers.empty() && !dropped.empty() && warning != nullptr) {
      *warning = "the host's nameservers (" + join(dropped) +
                 ") are on loopback, which a pod cannot reach, and no upstream servers are known: the pod gets no "
                 "nameserver";
    }
  }
  if (custom.search == std::vector<std::string>{"."}) {
    out.search.clear();
  } else {
    out.search = custom.search.empty() ? host.search : custom.search;
  }
  out.options = custom.options.empty() ? host.options : custom.options;
  return out;
}

std::string format_resolv_conf(const ResolvConf& conf) {
  std::string out;
  for (const auto& server : conf.nameservers) {
    out += "nameserver " + server + "\n";
  }
  if (!conf.search.empty()) {
    out += "search " + join(conf.search) + "\n";
  }
  if (!conf.options.empty()) {
    out += "options " + join(conf.options) + "\n";
  }
  return out;
}

std::string format_hosts(const PodEtcFiles& files) {
  require_hostname(files.hostname);
  std::string out =
      "127.0.0.1\tlocalhost\n"
      "::1\tlocalhost ip6-localhost ip6-loopback\n";
  for (const auto& address : files.addresses) {
    require_ip(address, "pod address");
    out += plain_address(address) + "\t" + files.hostname + "\n";
  }
  for (const auto& entry : files.extra_hosts) {
    require_ip(entry.ip, "hosts entry address");
    if (entry.names.empty()) {
      throw Error("hosts entry " + entry.ip + " has no names");
    }
    for (const auto& name : entry.names) {
      require_word(name, "hosts entry name");
    }
    out += plain_address(entry.ip) + "\t" + join(entry.names) + "\n";
  }
  return out;
}

void write_pod_etc_files(const std::string& dir, const PodEtcFiles& files) {
  for (const auto& server : files.dns.nameservers) {
    require_ip(server, "dns server");
  }
  for (const auto& domain : files.dns.search) {
    require_word(domain, "dns search domain");
  }
  for (const auto& option : files.dns.options) {
    require_word(option, "dns option");
  }
  std::string hosts = format_hosts(files);

  ResolvConf host;
  if (path_exists(files.host_resolv_conf)) {
    host = parse_resolv_conf(read_file(files.host_resolv_conf));
  }
  std::optional<ResolvConf> upstream;
  if (!files.upstream_resolv_conf.empty() && path_exists(files.upstream_resolv_conf)) {
    upstream = parse_resolv_conf(read_file(files.upstream_resolv_conf));
  }
  std::string warning;
  ResolvConf resolv = pod_resolv_conf(host, upstream, files.dns, &warning);
  if (!warning.empty()) {
    log::warning("resolv.conf in " + dir + ": " + warning + " (upstream list: " + files.upstream_resolv_conf + ")");
  }

  write_etc_file(dir + "/resolv.conf", format_resolv_conf(resolv));
  write_etc_file(dir + "/hosts", hosts);
  write_etc_file(dir + "/hostname", files.hostname + "\n");
}

}  // namespace skiff::netns

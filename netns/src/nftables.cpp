#include "skiff/netns/nftables.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <nftables/libnftables.h>
#include <pthread.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <array>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/json.h"
#include "skiff/base/strings.h"
#include "skiff/base/unique_fd.h"

namespace skiff::netns {

namespace {

// The DNAT rules of every pod live in one regular chain, jumped to from both nat prerouting
// (traffic arriving from outside and from pods) and nat output (the host's own connections),
// so each mapping is one rule per address family and listing one chain finds them all.
constexpr std::string_view kPortsChain = "hostports";
constexpr std::string_view kCommentPrefix = "skiff-pod:";
// Serialises the list-check-commit of add_port_mappings between skiff processes (the agent and
// rootful CLI calls): two pods must not both pass the conflict check for one port.
constexpr const char* kLockDir = "/run/skiff";
constexpr const char* kLockPath = "/run/skiff/nftables.lock";

struct NftCtxFree {
  void operator()(nft_ctx* ctx) const { nft_ctx_free(ctx); }
};

// nft's error text is several lines (message, command, carets); one line reads better in an Error.
std::string one_line(std::string_view text) {
  std::string out;
  for (const auto& line : split(text, '\n')) {
    std::string_view part = trim(line);
    if (part.starts_with("Error: ")) {
      part.remove_prefix(7);
    }
    if (part.empty() || part.find_first_not_of("^ ~") == std::string_view::npos) {
      continue;
    }
    out += out.empty() ? "" : "; ";
    out += part;
  }
  return out.empty() ? "failed without a message" : out;
}

// One libnftables context per process (for the network namespace of the thread that made it),
// with JSON output (to read rules and their handles back) and both output and errors buffered
// rather than printed. It is kept, not freed after each call: closing a NETLINK_NETFILTER socket
// makes the kernel flush nf_tables' deferred destruction of committed transactions, which waits
// for an RCU grace period (5-25 ms each time here, on the pod start path). Nothing of the ruleset
// is trusted across calls: libnftables fetches what each command needs, checked by the ruleset
// generation, and every change is made under the lock file. A context that saw a failure is
// dropped. Its socket is not close-on-exec (libnftables 1.0.6), which is harmless here: the pod
// monitor closes every fd it inherits and the runtime marks the rest close-on-exec before exec.
class Nft {
 public:
  Nft() : lock_(shared().mutex) {
    struct stat st {};
    if (::stat("/proc/thread-self/ns/net", &st) < 0) {
      throw_errno("stat /proc/thread-self/ns/net");
    }
    Shared& cached = shared();
    if (cached.ctx == nullptr || cached.netns_dev != st.st_dev || cached.netns_ino != st.st_ino) {
      cached.ctx.reset();
      cached.ctx = make_ctx();
      cached.netns_dev = st.st_dev;
      cached.netns_ino = st.st_ino;
    }
  }

  // Runs commands (one per line) as a single transaction: all of them take effect or none.
  std::string run(const std::string& commands, const std::string& what) {
    if (!shared().ctx) {
      shared().ctx = make_ctx();  // an earlier command of this call failed and dropped it
    }
    nft_ctx* ctx = shared().ctx.get();
    int rc = nft_run_cmd_from_buffer(ctx, commands.c_str());
    // Both buffers are read after every command: reading rewinds them for the next one.
    std::string output = nft_ctx_get_output_buffer(ctx);
    std::string errors = nft_ctx_get_error_buffer(ctx);
    if (rc != 0) {
      shared().ctx.reset();
      throw Error("nftables: " + what + ": " + one_line(errors));
    }
    return output;
  }

 private:
  struct Shared {
    std::mutex mutex;
    std::unique_ptr<nft_ctx, NftCtxFree> ctx;
    dev_t netns_dev = 0;
    ino_t netns_ino = 0;
  };

  // Never destroyed: freeing the context at exit would only add the wait described above.
  static Shared& shared() { return *instance(); }

  // A forked child must not share the parent's netlink socket (the answers of two processes would
  // mix) nor inherit its mutex in whatever state another thread held it: it starts afresh. The
  // parent's context is left alone in the child (another thread may have been using it when the
  // process forked); only its copy of the socket stays open there, as any inherited fd does until
  // the child closes its fds (the pod monitor does at once) or execs (the runtime marks fds
  // close-on-exec).
  static Shared*& instance() {
    static Shared* current = [] {
      ::pthread_atfork(nullptr, nullptr, [] {
        (void)instance()->ctx.release();
        instance() = new Shared;
      });
      return new Shared;
    }();
    return current;
  }

  static std::unique_ptr<nft_ctx, NftCtxFree> make_ctx() {
    std::unique_ptr<nft_ctx, NftCtxFree> ctx(nft_ctx_new(NFT_CTX_DEFAULT));
    if (!ctx) {
      throw Error("nftables: cannot create a libnftables context");
    }
    nft_ctx_output_set_flags(ctx.get(), NFT_CTX_OUTPUT_JSON | NFT_CTX_OUTPUT_HANDLE);
    if (nft_ctx_buffer_output(ctx.get()) != 0 || nft_ctx_buffer_error(ctx.get()) != 0) {
      throw Error("nftables: cannot buffer libnftables output");
    }
    return ctx;
  }

  std::lock_guard<std::mutex> lock_;
};

UniqueFd lock_table() {
  mkdir_all(kLockDir, 0700);
  UniqueFd fd(::open(kLockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!fd) {
    throw_errno(std::string("open ") + kLockPath);
  }
  while (::flock(fd.get(), LOCK_EX) < 0) {
    if (errno != EINTR) {
      throw_errno(std::string("lock ") + kLockPath);
    }
  }
  return fd;
}

struct Address {
  int family = 0;    // AF_INET or AF_INET6
  std::string text;  // canonical, as nft prints it back
};

// Parses an address, with or without a prefix length ("10.88.0.5/16" as PodNetworkStatus has it).
std::optional<Address> parse_address(std::string_view value) {
  std::string addr(value.substr(0, value.find('/')));
  unsigned char buf[sizeof(in6_addr)];
  char text[INET6_ADDRSTRLEN];
  for (int family : {AF_INET, AF_INET6}) {
    if (::inet_pton(family, addr.c_str(), buf) == 1 && ::inet_ntop(family, buf, text, sizeof text) != nullptr) {
      return Address{family, text};
    }
  }
  return std::nullopt;
}

Address require_address(std::string_view value, int family, const std::string& what) {
  auto addr = parse_address(value);
  if (!addr || addr->family != family) {
    throw Error(what + ": not an " + (family == AF_INET ? "IPv4" : "IPv6") + " address: \"" + std::string(value) +
                "\"");
  }
  return *addr;
}

// A subnet as the config gives it ("10.88.0.0/16"), checked before it goes into a rule.
std::string require_subnet(const std::string& value, int family, const std::string& what) {
  auto slash = value.find('/');
  require_address(value, family, what);
  int64_t max = family == AF_INET ? 32 : 128;
  if (slash == std::string::npos || parse_int(value.substr(slash + 1), what + " prefix length") > max) {
    throw Error(what + ": not a subnet with a prefix length: \"" + value + "\"");
  }
  return value;
}

// Names go into rule text and /proc paths: only what an interface name can be, nothing to quote.
std::string require_ifname(const std::string& name) {
  bool ok = !name.empty() && name.size() < IFNAMSIZ && name != "." && name != "..";
  for (char c : name) {
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.');
  }
  if (!ok) {
    throw Error("bridge name \"" + name + "\" is not a valid interface name");
  }
  return name;
}

// The pod id goes into a rule comment (nft allows 128 bytes): letters, digits, '-', '_', '.'.
void require_pod_id(const std::string& pod_id) {
  bool ok = !pod_id.empty() && pod_id.size() <= 100;
  for (char c : pod_id) {
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.');
  }
  if (!ok) {
    throw Error("pod id \"" + pod_id + "\" cannot name nftables rules (1-100 letters, digits, '-', '_', '.')");
  }
}

// What a DNAT rule publishes: a (protocol, host address, host port) per address family. An
// empty host ip is every local address of that family.
struct HostPort {
  int family = AF_INET;
  std::string protocol;
  std::string host_ip;
  uint16_t port = 0;

  [[nodiscard]] bool overlaps(const HostPort& other) const {
    return family == other.family && protocol == other.protocol && port == other.port &&
           (host_ip.empty() || other.host_ip.empty() || host_ip == other.host_ip);
  }

  // "tcp/8080", "udp/127.0.0.1:53", "tcp/[::1]:8080"
  [[nodiscard]] std::string describe() const {
    if (host_ip.empty()) {
      return protocol + "/" + std::to_string(port);
    }
    std::string ip = family == AF_INET6 ? "[" + host_ip + "]" : host_ip;
    return protocol + "/" + ip + ":" + std::to_string(port);
  }
};

// A published-port rule found in the hostports chain.
struct PortRule {
  uint64_t handle = 0;
  std::string pod_id;
  HostPort key;
};

// The member key of a JSON object, or nullptr when v is no object or has no such member.
const boost::json::value* member(const boost::json::value& v, std::string_view key) {
  const auto* obj = v.if_object();
  return obj != nullptr ? obj->if_contains(key) : nullptr;
}

// The string member key of a JSON object, or "" when it is absent or no string.
std::string_view str(const boost::json::value& v, std::string_view key) {
  const auto* m = member(v, key);
  return m != nullptr && m->is_string() ? std::string_view(m->as_string()) : std::string_view();
}

// Reads a rule's family, protocol, destination address and port back from nft's JSON form of
// the matches that rule_text below writes.
HostPort host_port_of(const boost::json::array& exprs) {
  HostPort key;
  for (const auto& expr : exprs) {
    const auto* match = member(expr, "match");
    const auto* left = match != nullptr ? member(*match, "left") : nullptr;
    const auto* right = match != nullptr ? member(*match, "right") : nullptr;
    if (left == nullptr || right == nullptr) {
      continue;
    }
    if (const auto* payload = member(*left, "payload"); payload != nullptr) {
      auto protocol = str(*payload, "protocol");
      auto field = str(*payload, "field");
      if (protocol == "ip" || protocol == "ip6") {
        key.family = protocol == "ip" ? AF_INET : AF_INET6;
        if (str(*match, "op") == "==" && field == "daddr" && right->is_string()) {
          key.host_ip = right->as_string();
        }
      } else if ((protocol == "tcp" || protocol == "udp") && field == "dport" && right->is_int64()) {
        key.protocol = protocol;
        key.port = static_cast<uint16_t>(right->as_int64());
      }
    } else if (const auto* meta = member(*left, "meta"); meta != nullptr && str(*meta, "key") == "nfproto") {
      key.family = right->is_string() && right->as_string() == "ipv6" ? AF_INET6 : AF_INET;
    }
  }
  return key;
}

// Runs a list command and returns the items of nft's JSON answer ({"nftables": [...]}).
boost::json::array list(Nft& nft, const std::string& cmd, const std::string& what) {
  auto doc = json::parse(nft.run(cmd, what), "nft " + cmd);
  const auto* items = json::find(json::as_object(doc, "nft " + cmd), "nftables");
  if (items == nullptr) {
    throw Error("nftables: " + what + ": no \"nftables\" list in the answer to " + cmd);
  }
  return json::as_array(*items, "nftables");
}

bool table_exists(Nft& nft) {
  for (const auto& item : list(nft, "list tables", "list tables")) {
    const auto* table = member(item, "table");
    if (table != nullptr && str(*table, "family") == "inet" && str(*table, "name") == "skiff") {
      return true;
    }
  }
  return false;
}

constexpr std::string_view kBaseCommentPrefix = "skiff-base:";

// What one listing of skiff's table tells: the published ports, and whether the base rules are
// exactly those base_rules makes (then rewriting them would change nothing).
struct TableState {
  std::vector<PortRule> port_rules;
  bool base_current = false;
};

// The base rules of one text carry the comment "skiff-base:<hash of that text>"; the base is
// current when every base chain holds exactly its share of those rules and no other, and the
// hostports chain exists.
struct BaseRules {
  std::string text;
  std::string marker;
  std::map<std::string, size_t, std::less<>> counts;  // rules per base chain
};

// Reads skiff's table (one "list table", and a "list tables" to tell an absent table from an
// error): rewriting the base rules only when they differ keeps the common path free of rule
// deletions, whose kernel-side release waits for an RCU grace period when the nft socket closes.
TableState read_table(Nft& nft, const BaseRules& base) {
  TableState state;
  if (!table_exists(nft)) {
    return state;
  }
  std::map<std::string, size_t, std::less<>> counts;
  bool foreign_base_rule = false;
  bool have_ports_chain = false;
  for (const auto& item : list(nft, "list table inet skiff", "list table inet skiff")) {
    if (const auto* chain = member(item, "chain"); chain != nullptr) {
      if (str(*chain, "name") == kPortsChain) {
        have_ports_chain = true;
      }
      continue;
    }
    const auto* rule = member(item, "rule");
    if (rule == nullptr) {
      continue;
    }
    auto chain = str(*rule, "chain");
    auto comment = str(*rule, "comment");
    if (chain != kPortsChain) {
      if (comment == base.marker) {
        ++counts[std::string(chain)];
      } else {
        foreign_base_rule = true;
      }
      continue;
    }
    if (!comment.starts_with(kCommentPrefix)) {
      continue;
    }
    const auto* handle = member(*rule, "handle");
    const auto* expr = member(*rule, "expr");
    if (handle == nullptr || expr == nullptr) {
      throw Error("nftables: a rule of " + std::string(comment) +
                  " without handle or expressions: " + boost::json::serialize(*rule));
    }
    PortRule found;
    found.handle = json::as_uint64(*handle, "rule.handle");
    found.pod_id = std::string(comment.substr(kCommentPrefix.size()));
    found.key = host_port_of(json::as_array(*expr, "rule.expr"));
    state.port_rules.push_back(std::move(found));
  }
  state.base_current = have_ports_chain && !foreign_base_rule && counts == base.counts;
  return state;
}

std::string delete_rule(uint64_t handle) {
  return "delete rule inet skiff " + std::string(kPortsChain) + " handle " + std::to_string(handle) + "\n";
}

// The base rules without their marker comments (see BaseRules).
std::string base_rules_body(const BridgeNetworkConfig& config) {
  std::string subnet4 = require_subnet(config.subnet4, AF_INET, "subnet4");
  std::string bridge = require_ifname(config.bridge);
  std::string text =
      "add table inet skiff\n"
      "add chain inet skiff postrouting { type nat hook postrouting priority srcnat; policy accept; }\n"
      "add chain inet skiff prerouting { type nat hook prerouting priority dstnat; policy accept; }\n"
      "add chain inet skiff output { type nat hook output priority -100; policy accept; }\n"
      "add chain inet skiff input { type filter hook input priority filter; policy accept; }\n"
      "add chain inet skiff " +
      std::string(kPortsChain) +
      "\n"
      // The base chains are rewritten whole, so that calling this again (or with a changed
      // config) leaves exactly one copy of each rule; the hostports chain is left alone.
      "flush chain inet skiff postrouting\n"
      "flush chain inet skiff prerouting\n"
      "flush chain inet skiff output\n"
      "flush chain inet skiff input\n";
  // A published port DNATed back into the pod subnet is masqueraded to the bridge address when it
  // came from a pod (hairpin: without it the pod answers itself or its neighbour directly, from
  // the wrong address) or from 127.0.0.0/8 (the host's loopback: that source cannot leave lo).
  text += "add rule inet skiff postrouting ct status dnat ip daddr " + subnet4 + " ip saddr { 127.0.0.0/8, " + subnet4 +
          " } masquerade\n";
  // Egress, not to other pods and not multicast or broadcast, which stay on the bridge (and which,
  // seen bridged through br_netfilter, have no address to masquerade to; netavark skips them too).
  text += "add rule inet skiff postrouting ip saddr " + subnet4 + " ip daddr != { " + subnet4 +
          ", 224.0.0.0/4, 255.255.255.255 } masquerade\n";
  if (!config.subnet6.empty()) {
    std::string subnet6 = require_subnet(config.subnet6, AF_INET6, "subnet6");
    text += "add rule inet skiff postrouting ct status dnat ip6 daddr " + subnet6 + " ip6 saddr " + subnet6 +
            " masquerade\n";
    text += "add rule inet skiff postrouting ip6 saddr " + subnet6 + " ip6 daddr != { " + subnet6 +
            ", ff00::/8 } masquerade\n";
  }
  text += "add rule inet skiff prerouting fib daddr type local jump " + std::string(kPortsChain) + "\n";
  text += "add rule inet skiff output fib daddr type local jump " + std::string(kPortsChain) + "\n";
  // route_localnet on the bridge (see add_port_mappings) would also let a pod send to the host's
  // 127.0.0.0/8 services through its gateway (CVE-2020-8558); kube-proxy drops that the same way.
  // Answers to the host's own loopback connections arrive established and pass.
  text += "add rule inet skiff input iifname \"" + bridge +
          "\" ip daddr 127.0.0.0/8 ct state != { established, related } drop\n";
  return text;
}

// The base rules, each line "add rule" given the marker comment of this exact text.
BaseRules base_rules(const BridgeNetworkConfig& config) {
  std::string body = base_rules_body(config);
  // FNV-1a, 64 bits: a fingerprint of the text (not a defence: root may change the table anyway).
  uint64_t hash = 14695981039346656037ULL;
  for (unsigned char c : body) {
    hash = (hash ^ c) * 1099511628211ULL;
  }
  std::array<char, 17> hex{};
  std::snprintf(hex.data(), hex.size(), "%016llx", static_cast<unsigned long long>(hash));
  BaseRules base;
  base.marker = std::string(kBaseCommentPrefix) + hex.data();
  for (const auto& line : split(body, '\n')) {
    if (line.empty()) {
      continue;
    }
    base.text += line;
    constexpr std::string_view kAddRule = "add rule inet skiff ";
    if (std::string_view(line).starts_with(kAddRule)) {
      std::string_view rest = std::string_view(line).substr(kAddRule.size());
      ++base.counts[std::string(rest.substr(0, rest.find(' ')))];
      base.text += " comment \"" + base.marker + "\"";
    }
    base.text += "\n";
  }
  return base;
}

// The text of one DNAT rule. IPv6 leaves out ::1: Linux has no route_localnet for IPv6, so a
// packet from ::1 can never reach a pod, and the client is better refused at once.
std::string rule_text(const HostPort& key, const Address& pod, uint16_t container_port, const std::string& pod_id) {
  std::string match;
  if (key.family == AF_INET) {
    match = key.host_ip.empty() ? "meta nfproto ipv4" : "ip daddr " + key.host_ip;
  } else {
    match = key.host_ip.empty() ? "ip6 daddr != ::1" : "ip6 daddr " + key.host_ip;
  }
  std::string to = key.family == AF_INET ? "ip to " + pod.text : "ip6 to [" + pod.text + "]";
  return "add rule inet skiff " + std::string(kPortsChain) + " " + match + " " + key.protocol + " dport " +
         std::to_string(key.port) + " dnat " + to + ":" + std::to_string(container_port) + " comment \"" +
         std::string(kCommentPrefix) + pod_id + "\"\n";
}

bool is_loopback4(const std::string& ip) {
  return ip.starts_with("127.");
}

}  // namespace

void ensure_base_rules(const BridgeNetworkConfig& config) {
  BaseRules base = base_rules(config);
  Nft nft;  // before the lock file: the same order everywhere
  UniqueFd lock = lock_table();
  if (!read_table(nft, base).base_current) {
    nft.run(base.text, "create table inet skiff and its base rules");
  }
}

void add_port_mappings(const BridgeNetworkConfig& config, const std::string& pod_id, const std::string& pod_ip4,
                       const std::string& pod_ip6, const std::vector<PortMapping>& ports) {
  require_pod_id(pod_id);
  std::string context = "publish ports of pod " + pod_id;
  std::optional<Address> pod4;
  std::optional<Address> pod6;
  if (!pod_ip4.empty()) {
    pod4 = require_address(pod_ip4, AF_INET, context + ": pod_ip4");
  }
  if (!pod_ip6.empty()) {
    pod6 = require_address(pod_ip6, AF_INET6, context + ": pod_ip6");
  }
  if (!pod4 && !pod6 && !ports.empty()) {
    throw Error(context + ": the pod has no IP address");
  }

  // Each mapping becomes one rule per address family it applies to: a host ip picks its family,
  // none means every local address of each family the pod has.
  std::vector<HostPort> keys;
  std::string rules;
  bool loopback4 = false;
  for (const auto& port : ports) {
    if (port.protocol != "tcp" && port.protocol != "udp") {
      throw Error(context + ": protocol \"" + port.protocol + "\" is neither tcp nor udp");
    }
    if (port.host_port == 0 || port.container_port == 0) {
      throw Error(context + ": port 0 cannot be published (" + port.protocol + "/" + std::to_string(port.host_port) +
                  " -> " + std::to_string(port.container_port) + ")");
    }
    std::optional<Address> host;
    if (!port.host_ip.empty()) {
      host = parse_address(port.host_ip);
      if (!host) {
        throw Error(context + ": host ip \"" + port.host_ip + "\" is not an IP address");
      }
    }
    bool added = false;
    for (const auto& [family, pod] : {std::pair{AF_INET, pod4}, std::pair{AF_INET6, pod6}}) {
      if (!pod || (host && host->family != family)) {
        continue;
      }
      HostPort key{family, port.protocol, host ? host->text : "", port.host_port};
      for (const auto& other : keys) {
        if (other.overlaps(key)) {
          throw Error(context + ": host port " + key.describe() + " is given twice");
        }
      }
      rules += rule_text(key, *pod, port.container_port, pod_id);
      keys.push_back(key);
      loopback4 = loopback4 || (family == AF_INET && (key.host_ip.empty() || is_loopback4(key.host_ip)));
      added = true;
    }
    if (!added) {
      throw Error(context + ": host ip " + port.host_ip + " is " + (host->family == AF_INET ? "IPv4" : "IPv6") +
                  " but the pod has no such address");
    }
  }

  BaseRules base = base_rules(config);
  Nft nft;  // before the lock file: the same order everywhere
  UniqueFd lock = lock_table();
  // One transaction: the base rules unless they are current (so that the table exists and is
  // whole), the pod's earlier rules replaced (a retry is harmless), the new ones.
  TableState table = read_table(nft, base);
  std::string batch = table.base_current ? std::string() : base.text;
  for (const auto& rule : table.port_rules) {
    if (rule.pod_id == pod_id) {
      batch += delete_rule(rule.handle);
      continue;
    }
    for (const auto& key : keys) {
      if (key.overlaps(rule.key)) {
        throw Error(context + ": host port " + key.describe() + " is already published by pod " + rule.pod_id);
      }
    }
  }
  if (loopback4) {
    // After DNAT in output, the host's connection to 127.0.0.1 leaves through the bridge with
    // source 127.0.0.1 (masqueraded in postrouting), and the answers come back to 127.0.0.1:
    // both are martians unless the bridge has route_localnet. Only the bridge gets it, as
    // netavark does; kube-proxy sets it for all interfaces.
    std::string path = "/proc/sys/net/ipv4/conf/" + config.bridge + "/route_localnet";
    try {
      write_existing_file(path, "1");
    } catch (const Error& e) {
      throw Error(context + ": enable route_localnet on bridge " + config.bridge + " for 127.0.0.1: " + e.what());
    }
  }
  nft.run(batch + rules, context);
}

void remove_port_mappings(const std::string& pod_id) {
  require_pod_id(pod_id);
  Nft nft;  // before the lock file: the same order everywhere
  UniqueFd lock = lock_table();
  std::string batch;
  for (const auto& rule : read_table(nft, BaseRules{}).port_rules) {
    if (rule.pod_id == pod_id) {
      batch += delete_rule(rule.handle);
    }
  }
  if (!batch.empty()) {
    nft.run(batch, "remove the published ports of pod " + pod_id);
  }
}

void delete_table() {
  Nft nft;  // before the lock file: the same order everywhere
  UniqueFd lock = lock_table();
  // nft 1.0.6 has no "destroy": adding first makes the delete succeed when the table is absent.
  nft.run("add table inet skiff\ndelete table inet skiff\n", "delete table inet skiff");
}

}  // namespace skiff::netns

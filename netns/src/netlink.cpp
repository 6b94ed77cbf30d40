#include "skiff/netns/netlink.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netlink/attr.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/nexthop.h>
#include <sys/socket.h>

#include <array>
#include <cstring>

#include "libnl_ptr.h"
#include "skiff/base/error.h"

namespace skiff::netns {

// The socket and what the kernel said about the last failed request: libnl maps the kernel's
// errno to its own smaller set of codes ("Object exists"), and drops the extended-ack message.
struct detail::NetlinkSocket {
  nl::SockPtr sock;
  int kernel_errno = 0;
  std::string kernel_message;
};

namespace {

// Runs for every NLMSG_ERROR with a non-zero error; returning NL_STOP keeps libnl's own handling.
int record_kernel_error(sockaddr_nl* /*peer*/, nlmsgerr* err, void* arg) {
  auto* socket = static_cast<detail::NetlinkSocket*>(arg);
  socket->kernel_errno = -err->error;
  socket->kernel_message.clear();
  // libnl hands over the payload of the message it received; its header lies just before it.
  const auto* header = reinterpret_cast<const nlmsghdr*>(reinterpret_cast<const char*>(err) - NLMSG_HDRLEN);
  if ((header->nlmsg_flags & NLM_F_ACK_TLVS) == 0) {
    return NL_STOP;
  }
  size_t payload = sizeof(nlmsgerr);
  if ((header->nlmsg_flags & NLM_F_CAPPED) == 0) {
    payload += err->msg.nlmsg_len - NLMSG_HDRLEN;
  }
  size_t offset = NLMSG_HDRLEN + NLMSG_ALIGN(payload);
  if (offset >= header->nlmsg_len) {
    return NL_STOP;
  }
  auto* attrs = reinterpret_cast<nlattr*>(const_cast<char*>(reinterpret_cast<const char*>(header) + offset));
  if (nlattr* msg = nla_find(attrs, static_cast<int>(header->nlmsg_len - offset), NLMSGERR_ATTR_MSG)) {
    socket->kernel_message = nla_get_string(msg);
  }
  return NL_STOP;
}

void check_name(const std::string& name) {
  if (name.empty() || name.size() >= IFNAMSIZ) {
    throw Error("link name \"" + name + "\": must be 1 to " + std::to_string(IFNAMSIZ - 1) + " characters");
  }
}

LinkInfo info_of(rtnl_link* link) {
  LinkInfo info;
  info.index = rtnl_link_get_ifindex(link);
  if (const char* name = rtnl_link_get_name(link)) {
    info.name = name;
  }
  if (const char* kind = rtnl_link_get_type(link)) {
    info.kind = kind;
  }
  info.mtu = rtnl_link_get_mtu(link);
  info.up = (rtnl_link_get_flags(link) & IFF_UP) != 0;
  info.master = rtnl_link_get_master(link);
  return info;
}

std::string to_string(nl_addr* addr) {
  std::array<char, 128> buf{};
  return nl_addr2str(addr, buf.data(), buf.size());
}

// Parses "10.88.0.5/16" or "10.88.0.1"; what names the value in the error.
nl::AddrPtr parse_addr(const std::string& text, int family, const std::string& what) {
  nl_addr* raw = nullptr;
  int rc = nl_addr_parse(text.c_str(), family, &raw);
  nl::AddrPtr addr(raw);
  if (rc < 0) {
    throw Error(what + " \"" + text + "\": " + nl_geterror(rc));
  }
  int parsed = nl_addr_get_family(addr.get());
  if (parsed != AF_INET && parsed != AF_INET6) {
    throw Error(what + " \"" + text + "\": not an IPv4 or IPv6 address");
  }
  return addr;
}

}  // namespace

Netlink::Netlink() : socket_(std::make_unique<detail::NetlinkSocket>()) {
  socket_->sock.reset(nl_socket_alloc());
  if (!socket_->sock) {
    throw Error("allocate a netlink socket: out of memory");
  }
  nl_sock* sock = socket_->sock.get();
  if (int rc = nl_connect(sock, NETLINK_ROUTE); rc < 0) {
    throw Error(std::string("connect a route netlink socket: ") + nl_geterror(rc));
  }
  int on = 1;
  // Extended acks give the kernel's reason for a refusal; kernels without them ignore the option.
  ::setsockopt(nl_socket_get_fd(sock), SOL_NETLINK, NETLINK_EXT_ACK, &on, sizeof(on));
  nl_socket_modify_err_cb(sock, NL_CB_CUSTOM, record_kernel_error, socket_.get());
}

Netlink::~Netlink() = default;
Netlink::Netlink(Netlink&&) noexcept = default;
Netlink& Netlink::operator=(Netlink&&) noexcept = default;

namespace {

// Clears the recorded kernel error, runs one libnl request and returns its result.
template <typename F>
int request(detail::NetlinkSocket& socket, F&& call) {
  socket.kernel_errno = 0;
  socket.kernel_message.clear();
  return call(socket.sock.get());
}

[[noreturn]] void fail(const detail::NetlinkSocket& socket, int rc, const std::string& context) {
  if (socket.kernel_errno != 0) {
    std::string message = context;
    if (!socket.kernel_message.empty()) {
      message += " (" + socket.kernel_message + ")";
    }
    throw Error(message, socket.kernel_errno);
  }
  throw Error(context + ": " + nl_geterror(rc));
}

void check(const detail::NetlinkSocket& socket, int rc, const std::string& context) {
  if (rc < 0) {
    fail(socket, rc, context);
  }
}

nl::LinkPtr get_link(detail::NetlinkSocket& socket, const std::string& name, bool must_exist) {
  rtnl_link* raw = nullptr;
  int rc = request(socket, [&](nl_sock* sock) { return rtnl_link_get_kernel(sock, 0, name.c_str(), &raw); });
  nl::LinkPtr link(raw);
  if (rc < 0) {
    // libnl answers this request with its own error handler, which keeps only NLE_NODEV.
    bool missing = rc == -NLE_NODEV || socket.kernel_errno == ENODEV;
    if (!missing) {
      fail(socket, rc, "find link " + name);
    }
    if (must_exist) {
      throw Error("find link " + name, ENODEV);
    }
  }
  return link;
}

// Applies the attributes set in changes to the existing link name.
void change_link(detail::NetlinkSocket& socket, const std::string& name, rtnl_link* changes,
                 const std::string& context) {
  nl::LinkPtr orig = get_link(socket, name, true);
  check(socket, request(socket, [&](nl_sock* sock) { return rtnl_link_change(sock, orig.get(), changes, 0); }),
        context);
}

nl::LinkPtr alloc_link() {
  nl::LinkPtr link(rtnl_link_alloc());
  if (!link) {
    throw Error("allocate a link object: out of memory");
  }
  return link;
}

}  // namespace

std::optional<LinkInfo> Netlink::find_link(const std::string& name) {
  nl::LinkPtr link = get_link(*socket_, name, false);
  if (!link) {
    return std::nullopt;
  }
  return info_of(link.get());
}

LinkInfo Netlink::link(const std::string& name) {
  return info_of(get_link(*socket_, name, true).get());
}

std::vector<LinkInfo> Netlink::links() {
  nl_cache* raw = nullptr;
  int rc = request(*socket_, [&](nl_sock* sock) { return rtnl_link_alloc_cache(sock, AF_UNSPEC, &raw); });
  nl::CachePtr cache(raw);
  check(*socket_, rc, "list links");
  std::vector<LinkInfo> result;
  for (nl_object* obj = nl_cache_get_first(cache.get()); obj != nullptr; obj = nl_cache_get_next(obj)) {
    result.push_back(info_of(reinterpret_cast<rtnl_link*>(obj)));
  }
  return result;
}

void Netlink::ensure_bridge(const std::string& name, uint32_t mtu) {
  check_name(name);
  std::optional<LinkInfo> existing = find_link(name);
  if (!existing) {
    nl::LinkPtr bridge(rtnl_link_bridge_alloc());
    if (!bridge) {
      throw Error("allocate a bridge object: out of memory");
    }
    rtnl_link_set_name(bridge.get(), name.c_str());
    rtnl_link_set_mtu(bridge.get(), mtu);
    rtnl_link_set_flags(bridge.get(), IFF_UP);
    int rc =
        request(*socket_, [&](nl_sock* sock) { return rtnl_link_add(sock, bridge.get(), NLM_F_CREATE | NLM_F_EXCL); });
    if (rc >= 0) {
      return;
    }
    // Another process made it between our look and our request: fall through and check it.
    if (socket_->kernel_errno != EEXIST) {
      fail(*socket_, rc, "create bridge " + name);
    }
    existing = link(name);
  }
  if (existing->kind != "bridge") {
    throw Error("bridge " + name + ": a link of that name exists and is not a bridge (kind \"" + existing->kind +
                "\")");
  }
  if (existing->mtu != mtu) {
    set_mtu(name, mtu);
  }
  if (!existing->up) {
    set_up(name);
  }
}

void Netlink::create_veth(const std::string& name, const std::string& peer, uint32_t mtu, int peer_netns_fd) {
  check_name(name);
  check_name(peer);
  nl::LinkPtr veth(rtnl_link_veth_alloc());
  if (!veth) {
    throw Error("allocate a veth object: out of memory");
  }
  // The peer object belongs to veth; this reference only keeps it while we set it up.
  nl::LinkPtr peer_link(rtnl_link_veth_get_peer(veth.get()));
  rtnl_link_set_name(veth.get(), name.c_str());
  rtnl_link_set_mtu(veth.get(), mtu);
  rtnl_link_set_name(peer_link.get(), peer.c_str());
  rtnl_link_set_mtu(peer_link.get(), mtu);
  if (peer_netns_fd >= 0) {
    rtnl_link_set_ns_fd(peer_link.get(), peer_netns_fd);
  }
  check(*socket_,
        request(*socket_, [&](nl_sock* sock) { return rtnl_link_add(sock, veth.get(), NLM_F_CREATE | NLM_F_EXCL); }),
        "create veth " + name + " (peer " + peer + ")");
}

void Netlink::move_to_netns(const std::string& name, int netns_fd) {
  nl::LinkPtr changes = alloc_link();
  rtnl_link_set_ns_fd(changes.get(), netns_fd);
  change_link(*socket_, name, changes.get(),
              "move link " + name + " to network namespace fd " + std::to_string(netns_fd));
}

void Netlink::rename(const std::string& name, const std::string& new_name) {
  check_name(new_name);
  nl::LinkPtr changes = alloc_link();
  rtnl_link_set_name(changes.get(), new_name.c_str());
  change_link(*socket_, name, changes.get(), "rename link " + name + " to " + new_name);
}

void Netlink::set_mtu(const std::string& name, uint32_t mtu) {
  nl::LinkPtr changes = alloc_link();
  rtnl_link_set_mtu(changes.get(), mtu);
  change_link(*socket_, name, changes.get(), "set MTU " + std::to_string(mtu) + " on " + name);
}

void Netlink::set_up(const std::string& name) {
  nl::LinkPtr changes = alloc_link();
  rtnl_link_set_flags(changes.get(), IFF_UP);
  change_link(*socket_, name, changes.get(), "set link " + name + " up");
}

void Netlink::set_master(const std::string& name, const std::string& bridge) {
  LinkInfo master = link(bridge);
  nl::LinkPtr changes = alloc_link();
  rtnl_link_set_master(changes.get(), master.index);
  change_link(*socket_, name, changes.get(), "attach link " + name + " to bridge " + bridge);
}

namespace {

// A link object of the AF_BRIDGE family for the port at index: libnl sends bridge port flags
// (IFLA_PROTINFO / IFLA_BRPORT_MODE) only for such objects, and RTM_SETLINK then reaches the
// bridge driver, as `bridge link set dev <port> hairpin on` does.
nl::LinkPtr bridge_port_object(int index) {
  nl::LinkPtr port = alloc_link();
  rtnl_link_set_ifindex(port.get(), index);
  rtnl_link_set_family(port.get(), AF_BRIDGE);
  if (rtnl_link_is_bridge(port.get()) == 0) {
    throw Error("libnl has no AF_BRIDGE link support");
  }
  return port;
}

}  // namespace

void Netlink::set_hairpin(const std::string& name, bool on) {
  std::string context = std::string("set hairpin mode ") + (on ? "on" : "off") + " on " + name;
  LinkInfo port = link(name);
  if (port.master == 0) {
    throw Error(context + ": the link is not attached to a bridge");
  }
  nl::LinkPtr orig = bridge_port_object(port.index);
  nl::LinkPtr changes = bridge_port_object(port.index);
  int rc = on ? rtnl_link_bridge_set_flags(changes.get(), RTNL_BRIDGE_HAIRPIN_MODE)
              : rtnl_link_bridge_unset_flags(changes.get(), RTNL_BRIDGE_HAIRPIN_MODE);
  check(*socket_, rc, context);
  check(*socket_,
        request(*socket_, [&](nl_sock* sock) { return rtnl_link_change(sock, orig.get(), changes.get(), 0); }),
        context);
}

bool Netlink::hairpin(const std::string& name) {
  LinkInfo port = link(name);
  if (port.master == 0) {
    throw Error("read hairpin mode of " + name + ": the link is not attached to a bridge");
  }
  // The kernel answers AF_BRIDGE link requests only as dumps: one entry per bridge port.
  nl_cache* raw = nullptr;
  int rc = request(*socket_, [&](nl_sock* sock) { return rtnl_link_alloc_cache(sock, AF_BRIDGE, &raw); });
  nl::CachePtr cache(raw);
  check(*socket_, rc, "list bridge ports");
  nl::LinkPtr entry(rtnl_link_get(cache.get(), port.index));
  if (!entry) {
    throw Error("read hairpin mode of " + name + ": not among the bridge ports the kernel listed");
  }
  int flags = rtnl_link_bridge_get_flags(entry.get());
  if (flags < 0) {
    throw Error("read hairpin mode of " + name + ": " + nl_geterror(flags));
  }
  return (static_cast<unsigned int>(flags) & RTNL_BRIDGE_HAIRPIN_MODE) != 0;
}

void Netlink::add_address(const std::string& name, const std::string& cidr) {
  if (cidr.find('/') == std::string::npos) {
    throw Error("address \"" + cidr + "\" for " + name + ": needs a prefix length (\"10.88.0.5/16\")");
  }
  nl::AddrPtr local = parse_addr(cidr, AF_UNSPEC, "address");
  int family = nl_addr_get_family(local.get());
  unsigned int prefix = nl_addr_get_prefixlen(local.get());
  LinkInfo target = link(name);

  nl::RtAddrPtr addr(rtnl_addr_alloc());
  if (!addr) {
    throw Error("allocate an address object: out of memory");
  }
  rtnl_addr_set_ifindex(addr.get(), target.index);
  rtnl_addr_set_family(addr.get(), family);
  check(*socket_, rtnl_addr_set_local(addr.get(), local.get()), "address " + cidr);
  rtnl_addr_set_prefixlen(addr.get(), static_cast<int>(prefix));
  if (family == AF_INET && prefix < 31) {
    // As `ip addr add ... brd +`: the highest address of the subnet.
    uint32_t host_mask = prefix == 0 ? ~0U : (1U << (32 - prefix)) - 1;
    uint32_t broadcast{};
    std::memcpy(&broadcast, nl_addr_get_binary_addr(local.get()), sizeof(broadcast));
    broadcast |= htonl(host_mask);
    nl::AddrPtr brd(nl_addr_build(AF_INET, &broadcast, sizeof(broadcast)));
    if (!brd) {
      throw Error("allocate an address object: out of memory");
    }
    check(*socket_, rtnl_addr_set_broadcast(addr.get(), brd.get()), "broadcast address for " + cidr);
  }
  if (family == AF_INET6) {
    // Without this the address stays "tentative" for a second or more, and the pod's first
    // connections fail. Its uniqueness comes from the IPAM instead.
    rtnl_addr_set_flags(addr.get(), IFA_F_NODAD);
  }
  int rc = request(*socket_, [&](nl_sock* sock) { return rtnl_addr_add(sock, addr.get(), NLM_F_EXCL); });
  if (rc < 0 && socket_->kernel_errno != EEXIST) {
    fail(*socket_, rc, "add address " + cidr + " to " + name);
  }
}

void Netlink::add_default_route(const std::string& gateway, const std::string& link_name) {
  nl::AddrPtr via = parse_addr(gateway, AF_UNSPEC, "gateway");
  int family = nl_addr_get_family(via.get());
  nl::AddrPtr any = parse_addr("default", family, "route destination");
  LinkInfo out = link(link_name);

  nl::RoutePtr route(rtnl_route_alloc());
  rtnl_nexthop* hop = rtnl_route_nh_alloc();
  if (!route || hop == nullptr) {
    rtnl_route_nh_free(hop);
    throw Error("allocate a route object: out of memory");
  }
  rtnl_route_nh_set_gateway(hop, via.get());
  rtnl_route_nh_set_ifindex(hop, out.index);
  rtnl_route_add_nexthop(route.get(), hop);  // the route owns it from here
  check(*socket_, rtnl_route_set_family(route.get(), static_cast<uint8_t>(family)), "route family");
  check(*socket_, rtnl_route_set_dst(route.get(), any.get()), "route destination");
  rtnl_route_set_table(route.get(), RT_TABLE_MAIN);
  rtnl_route_set_protocol(route.get(), RTPROT_BOOT);
  rtnl_route_set_scope(route.get(), RT_SCOPE_UNIVERSE);
  check(*socket_, rtnl_route_set_type(route.get(), RTN_UNICAST), "route type");
  check(*socket_, request(*socket_, [&](nl_sock* sock) { return rtnl_route_add(sock, route.get(), NLM_F_EXCL); }),
        "add default route via " + gateway + " dev " + link_name);
}

bool Netlink::delete_link(const std::string& name) {
  nl::LinkPtr target = alloc_link();
  rtnl_link_set_name(target.get(), name.c_str());
  int rc = request(*socket_, [&](nl_sock* sock) { return rtnl_link_delete(sock, target.get()); });
  if (rc < 0) {
    if (socket_->kernel_errno == ENODEV) {
      return false;
    }
    fail(*socket_, rc, "delete link " + name);
  }
  return true;
}

std::vector<std::string> Netlink::addresses(const std::string& name) {
  LinkInfo target = link(name);
  nl_cache* raw = nullptr;
  int rc = request(*socket_, [&](nl_sock* sock) { return rtnl_addr_alloc_cache(sock, &raw); });
  nl::CachePtr cache(raw);
  check(*socket_, rc, "list addresses");
  std::vector<std::string> result;
  for (nl_object* obj = nl_cache_get_first(cache.get()); obj != nullptr; obj = nl_cache_get_next(obj)) {
    auto* addr = reinterpret_cast<rtnl_addr*>(obj);
    if (rtnl_addr_get_ifindex(addr) == target.index) {
      result.push_back(to_string(rtnl_addr_get_local(addr)));
    }
  }
  return result;
}

std::vector<RouteInfo> Netlink::routes() {
  nl_cache* raw = nullptr;
  int rc = request(*socket_, [&](nl_sock* sock) { return rtnl_route_alloc_cache(sock, AF_UNSPEC, 0, &raw); });
  nl::CachePtr cache(raw);
  check(*socket_, rc, "list routes");
  std::vector<RouteInfo> result;
  for (nl_object* obj = nl_cache_get_first(cache.get()); obj != nullptr; obj = nl_cache_get_next(obj)) {
    auto* route = reinterpret_cast<rtnl_route*>(obj);
    if (rtnl_route_get_table(route) != RT_TABLE_MAIN) {
      continue;
    }
    RouteInfo info;
    nl_addr* dst = rtnl_route_get_dst(route);
    info.destination = dst == nullptr || nl_addr_get_prefixlen(dst) == 0 ? "default" : to_string(dst);
    if (rtnl_route_get_nnexthops(route) > 0) {
      rtnl_nexthop* hop = rtnl_route_nexthop_n(route, 0);
      if (nl_addr* gateway = rtnl_route_nh_get_gateway(hop)) {
        info.gateway = to_string(gateway);
      }
      info.link = rtnl_route_nh_get_ifindex(hop);
    }
    result.push_back(std::move(info));
  }
  return result;
}

}  // namespace skiff::netns

#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace skiff::netns {

namespace detail {
struct NetlinkSocket;  // the libnl socket, kept out of this header
}

struct LinkInfo {
  int index = 0;
  std::string name;
  std::string kind;  // "bridge", "veth", ...; empty for loopback and physical links
  uint32_t mtu = 0;
  bool up = false;
  int master = 0;  // index of the bridge the link is attached to, 0 when none
};

struct RouteInfo {
  std::string destination;  // "default" or "10.88.0.0/16"
  std::string gateway;      // empty for an on-link route
  int link = 0;             // index of the outgoing link
};

// A route netlink socket (libnl) in the network namespace the calling thread was in when it was
// made; every operation acts there, whichever thread calls it later. To work in another namespace,
// make one inside in_netns() (in_netns.h).
//
// Links are named by their names. Errors name the operation and carry the kernel's errno and,
// where the kernel gives one, its extended-ack message: "create veth vethab12 (peer eth0): EEXIST
// (File exists)".
class Netlink {
 public:
  Netlink();
  ~Netlink();
  Netlink(Netlink&&) noexcept;
  Netlink& operator=(Netlink&&) noexcept;

  [[nodiscard]] std::optional<LinkInfo> find_link(const std::string& name);
  // As find_link, but a missing link is an error.
  [[nodiscard]] LinkInfo link(const std::string& name);
  [[nodiscard]] std::vector<LinkInfo> links();

  // Makes the bridge if it is missing and sets its MTU and up; a link of that name that is not a
  // bridge is an error. Safe against another process making the same bridge at the same time.
  void ensure_bridge(const std::string& name, uint32_t mtu);
  // A veth pair; with peer_netns_fd the peer is born in that network namespace, under its final
  // name there (no move and rename afterwards, and no clash with a host link of that name).
  void create_veth(const std::string& name, const std::string& peer, uint32_t mtu, int peer_netns_fd = -1);
  // Moves the link into the network namespace netns_fd refers to; it keeps its name there.
  void move_to_netns(const std::string& name, int netns_fd);
  void rename(const std::string& name, const std::string& new_name);
  void set_mtu(const std::string& name, uint32_t mtu);
  void set_up(const std::string& name);
  // Attaches the link to a bridge as one of its ports.
  void set_master(const std::string& name, const std::string& bridge);
  // Turns the hairpin mode of a bridge port on or off: in hairpin mode the bridge may send a
  // frame back out of the port it came in on (a pod reaching its own published port through the
  // host, once br_netfilter has DNATed it back). The link must be attached to a bridge.
  void set_hairpin(const std::string& name, bool on);
  // Whether the bridge port is in hairpin mode (read over netlink, the AF_BRIDGE view of links).
  [[nodiscard]] bool hairpin(const std::string& name);
  // Adds "10.88.0.5/16" or "fd88::5/64" (IPv4 with its broadcast address, IPv6 without duplicate
  // address detection, so that it is usable at once). An address the link already has is kept, so
  // that giving a bridge its gateway address is idempotent.
  void add_address(const std::string& name, const std::string& cidr);
  // Adds the default route of the gateway's family through the link.
  void add_default_route(const std::string& gateway, const std::string& link);
  // Returns false when there was no such link. Deleting one end of a veth pair deletes both.
  bool delete_link(const std::string& name);

  // The link's addresses as "10.88.0.5/16", in the kernel's order (IPv6 link-local ones included).
  [[nodiscard]] std::vector<std::string> addresses(const std::string& name);
  // The routes of the main table, IPv4 and IPv6.
  [[nodiscard]] std::vector<RouteInfo> routes();

 private:
  std::unique_ptr<detail::NetlinkSocket> socket_;
};

}  // namespace skiff::netns

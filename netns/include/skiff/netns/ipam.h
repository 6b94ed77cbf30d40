#pragma once

#include <map>
#include <string>

namespace skiff::netns {

// Host-local address allocation for one subnet, as CNI's host-local plugin does it: the state is
// a directory with one file per allocated address (named by the address, holding its owner's
// id), "last_reserved_ip" to continue round-robin after the last address handed out, and "lock",
// which every operation holds with an exclusive flock, so that processes allocating at the same
// time never hand out the same address. State is plain files and survives restarts.
//
// Addresses come from the subnet less its network address, its gateway (network + 1) and its
// last address (IPv4 broadcast; kept back for IPv6 too, as host-local does).
class Ipam {
 public:
  // subnet: "10.88.0.0/16" or "fd88:5c1f::/64" (no host bits set). dir is made when missing.
  Ipam(const std::string& subnet, std::string dir);

  // The owner's address ("10.88.0.5", without prefix length). An owner that has one already gets
  // it again, so that recovery may repeat an allocation. When every address is taken, the error
  // names the subnet.
  std::string allocate(const std::string& owner);
  // Frees every address of owner; none is fine.
  void release(const std::string& owner);
  // Every allocated address of this subnet and its owner.
  [[nodiscard]] std::map<std::string, std::string> owners() const;

  [[nodiscard]] const std::string& subnet() const { return subnet_; }
  [[nodiscard]] int family() const { return family_; }  // AF_INET or AF_INET6
  [[nodiscard]] int prefix_length() const { return prefix_; }
  // The subnet's first host address, which the bridge takes: "10.88.0.1".
  [[nodiscard]] std::string gateway() const;

 private:
  using Address = unsigned __int128;

  [[nodiscard]] std::map<Address, std::string> scan() const;
  [[nodiscard]] std::string format(Address addr) const;
  [[nodiscard]] bool parse(const std::string& text, Address& addr) const;

  std::string subnet_;
  std::string dir_;
  int family_ = 0;
  int prefix_ = 0;
  Address network_ = 0;
  Address first_ = 0;  // the range handed out
  Address last_ = 0;
};

}  // namespace skiff::netns

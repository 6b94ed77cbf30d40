#include "host_ports.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

#include "skiff/base/error.h"
#include "skiff/base/unique_fd.h"

namespace skiff::pod {

namespace {

// Binds port 0 on host_ip and reads back the port the kernel chose; the socket is closed again,
// so the mapping takes the port over (as podman does, a port taken in between fails the start).
uint16_t free_port(const netns::PortMapping& mapping) {
  bool v6 = mapping.host_ip.find(':') != std::string::npos;
  int type = mapping.protocol == "udp" ? SOCK_DGRAM : SOCK_STREAM;
  UniqueFd fd(::socket(v6 ? AF_INET6 : AF_INET, type | SOCK_CLOEXEC, 0));
  if (!fd) {
    throw_errno("socket for a free " + mapping.protocol + " host port");
  }
  sockaddr_storage address{};
  socklen_t length = 0;
  if (v6) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&address);
    in6->sin6_family = AF_INET6;
    length = sizeof(sockaddr_in6);
    if (::inet_pton(AF_INET6, mapping.host_ip.c_str(), &in6->sin6_addr) != 1) {
      throw Error("publish: invalid host address \"" + mapping.host_ip + "\"", EINVAL);
    }
  } else {
    auto* in4 = reinterpret_cast<sockaddr_in*>(&address);
    in4->sin_family = AF_INET;
    length = sizeof(sockaddr_in);
    std::string ip = mapping.host_ip.empty() ? "0.0.0.0" : mapping.host_ip;
    if (::inet_pton(AF_INET, ip.c_str(), &in4->sin_addr) != 1) {
      throw Error("publish: invalid host address \"" + mapping.host_ip + "\"", EINVAL);
    }
  }
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), length) != 0) {
    throw_errno("bind a free " + mapping.protocol + " port on " +
                (mapping.host_ip.empty() ? std::string("any address") : mapping.host_ip));
  }
  if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    throw_errno("getsockname of a free port");
  }
  return ntohs(v6 ? reinterpret_cast<sockaddr_in6*>(&address)->sin6_port
                  : reinterpret_cast<sockaddr_in*>(&address)->sin_port);
}

}  // namespace

void assign_free_host_ports(std::vector<netns::PortMapping>& ports) {
  for (auto& mapping : ports) {
    if (mapping.host_port == 0) {
      mapping.host_port = free_port(mapping);
    }
  }
}

}  // namespace skiff::pod

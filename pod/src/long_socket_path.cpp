#include "long_socket_path.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "skiff/base/error.h"
#include "skiff/base/path.h"

namespace skiff::pod {

namespace {

struct ShortAddress {
  UniqueFd dir;  // keeps the /proc/self/fd link valid
  sockaddr_un addr{};
};

ShortAddress short_address(const std::string& path, const std::string& what) {
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  ShortAddress out;
  out.dir.reset(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!out.dir) {
    throw_errno(what + ": open " + dir);
  }
  std::string short_path = fd_path(out.dir.get()) + "/" + name;
  if (short_path.size() >= sizeof out.addr.sun_path) {
    throw Error(what + ": socket name " + name + " is too long");
  }
  out.addr.sun_family = AF_UNIX;
  std::memcpy(out.addr.sun_path, short_path.data(), short_path.size());
  return out;
}

}  // namespace

UniqueFd listen_unix_at(const std::string& path, const std::string& what) {
  ShortAddress address = short_address(path, what);
  ::unlink(address.addr.sun_path);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) {
    throw_errno(what + ": socket");
  }
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address.addr), sizeof address.addr) < 0) {
    throw_errno(what + ": bind " + path);
  }
  if (::listen(fd.get(), 16) < 0) {
    throw_errno(what + ": listen on " + path);
  }
  return fd;
}

UniqueFd connect_unix_at(const std::string& path, const std::string& what) {
  ShortAddress address = short_address(path, what);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) {
    throw_errno(what + ": socket");
  }
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address.addr), sizeof address.addr) < 0) {
    throw_errno("connect to " + what + " at " + path);
  }
  return fd;
}

}  // namespace skiff::pod

#include "skiff/netns/ipam.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <filesystem>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/strings.h"
#include "skiff/base/unique_fd.h"

namespace skiff::netns {

namespace {

constexpr const char* kLockFile = "lock";
constexpr const char* kLastReservedFile = "last_reserved_ip";

// Holds the exclusive flock on dir/lock for its lifetime. flock (not fcntl locks) because it
// belongs to the open file, so that two threads of one process exclude each other too.
class DirLock {
 public:
  explicit DirLock(const std::string& dir) {
    mkdir_all(dir, 0755);
    std::string path = dir + "/" + kLockFile;
    fd_.reset(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!fd_) {
      throw_errno("open " + path);
    }
    while (::flock(fd_.get(), LOCK_EX) < 0) {
      if (errno != EINTR) {
        throw_errno("lock " + path);
      }
    }
  }

 private:
  UniqueFd fd_;  // closing it drops the lock
};

// Rewrites last_reserved_ip in place rather than by rename: on ext4, a rename over an existing
// file (and a truncation to zero) starts writeback of the new data (auto_da_alloc), which under
// I/O load stalled a pod start for up to hundreds of ms here. The file is only a round-robin hint
// read under the lock: whatever a crash leaves in it (a longer old tail, zeros) reads as another
// valid address or as none, and allocate() then just starts elsewhere in the range.
void write_hint(const std::string& path, const std::string& text) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
  if (!fd) {
    throw_errno("open " + path);
  }
  if (::pwrite(fd.get(), text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
    throw_errno("write " + path);
  }
  if (::ftruncate(fd.get(), static_cast<off_t>(text.size())) < 0) {
    throw_errno("truncate " + path);
  }
}

void check_owner(const std::string& owner) {
  if (owner.empty() || owner.find_first_of("\r\n") != std::string::npos) {
    throw Error("IPAM owner \"" + owner + "\": must be a non-empty single line");
  }
}

}  // namespace

Ipam::Ipam(const std::string& subnet, std::string dir) : subnet_(subnet), dir_(std::move(dir)) {
  size_t slash = subnet.find('/');
  if (slash == std::string::npos) {
    throw Error("subnet \"" + subnet + "\": needs a prefix length (\"10.88.0.0/16\")");
  }
  std::string base = subnet.substr(0, slash);
  family_ = base.find(':') == std::string::npos ? AF_INET : AF_INET6;
  int bits = family_ == AF_INET ? 32 : 128;
  if (!parse(base, network_)) {
    throw Error("subnet \"" + subnet + "\": \"" + base + "\" is not an IP address");
  }
  int64_t prefix = parse_int(subnet.substr(slash + 1), "prefix length of subnet " + subnet);
  // At least one address besides network, gateway and the last; a /0 IPv6 range would not fit
  // the arithmetic below, and is no pod subnet anyway.
  if (prefix < 1 || prefix > bits - 2) {
    throw Error("subnet \"" + subnet + "\": prefix length must be 1 to " + std::to_string(bits - 2));
  }
  prefix_ = static_cast<int>(prefix);
  Address host_mask = (Address{1} << (bits - prefix_)) - 1;
  if ((network_ & host_mask) != 0) {
    throw Error("subnet \"" + subnet + "\": host bits are set (the subnet is " + format(network_ & ~host_mask) + "/" +
                std::to_string(prefix_) + ")");
  }
  first_ = network_ + 2;
  last_ = (network_ | host_mask) - 1;
}

std::string Ipam::gateway() const {
  return format(network_ + 1);
}

bool Ipam::parse(const std::string& text, Address& addr) const {
  std::array<unsigned char, 16> bytes{};
  if (::inet_pton(family_, text.c_str(), bytes.data()) != 1) {
    return false;
  }
  size_t size = family_ == AF_INET ? 4 : 16;
  addr = 0;
  for (size_t i = 0; i < size; ++i) {
    addr = (addr << 8) | bytes[i];
  }
  return true;
}

std::string Ipam::format(Address addr) const {
  std::array<unsigned char, 16> bytes{};
  size_t size = family_ == AF_INET ? 4 : 16;
  for (size_t i = size; i-- > 0;) {
    bytes[i] = static_cast<unsigned char>(addr & 0xff);
    addr >>= 8;
  }
  std::array<char, INET6_ADDRSTRLEN> text{};
  ::inet_ntop(family_, bytes.data(), text.data(), text.size());
  return text.data();
}

// The allocations in the range. Other entries (the lock, last_reserved_ip, a temporary file left
// by a crash in write_file_atomic) do not parse as addresses and are skipped.
std::map<Ipam::Address, std::string> Ipam::scan() const {
  std::map<Address, std::string> result;
  std::error_code ec;
  std::filesystem::directory_iterator it(dir_, ec);
  for (; !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    Address addr = 0;
    std::string name = it->path().filename();
    if (parse(name, addr) && addr >= first_ && addr <= last_) {
      std::string holder(trim(read_file(dir_ + "/" + name)));
      // Empty only after a power loss (see allocate): its pod is gone with it, the address is free.
      if (!holder.empty()) {
        result.emplace(addr, std::move(holder));
      }
    }
  }
  if (ec) {
    throw Error("list IPAM state " + dir_, ec.value());
  }
  return result;
}

std::string Ipam::allocate(const std::string& owner) {
  check_owner(owner);
  DirLock lock(dir_);
  std::map<Address, std::string> taken = scan();
  for (const auto& [addr, holder] : taken) {
    if (holder == owner) {
      return format(addr);
    }
  }
  if (taken.size() > last_ - first_) {
    throw Error("no free address in subnet " + subnet_ + " (" + std::to_string(taken.size()) + " allocated, state in " +
                dir_ + ")");
  }

  // Round-robin from the address after the last one handed out, as host-local does, so that a
  // released address is not reused at once (connections to the old pod may still be in flight).
  std::string last_path = dir_ + "/" + kLastReservedFile;
  Address candidate = first_;
  Address previous = 0;
  if (path_exists(last_path) && parse(std::string(trim(read_file(last_path))), previous) && previous >= first_ &&
      previous < last_) {
    candidate = previous + 1;
  }
  // A free address exists, so this ends within taken.size() + 1 steps.
  while (taken.contains(candidate)) {
    candidate = candidate == last_ ? first_ : candidate + 1;
  }

  std::string text = format(candidate);
  // Not fsynced: the rename makes the file appear whole to every process (a crash of skiff leaves
  // it complete). Only a power loss can leave it missing or empty, and then every pod that held
  // an address is gone too: a missing file is a free address, and scan() counts an empty one as
  // free (without the fsync it would belong to nobody and leak). An address is thus never lost
  // nor handed out twice to live pods; the fsync cost 0.3-4 ms (more under I/O load) per pod.
  write_file_atomic(dir_ + "/" + text, owner, 0644, false);
  write_hint(last_path, text);
  return text;
}

void Ipam::release(const std::string& owner) {
  check_owner(owner);
  DirLock lock(dir_);
  for (const auto& [addr, holder] : scan()) {
    if (holder != owner) {
      continue;
    }
    std::string path = dir_ + "/" + format(addr);
    if (::unlink(path.c_str()) < 0 && errno != ENOENT) {
      throw_errno("release " + path);
    }
  }
}

std::map<std::string, std::string> Ipam::owners() const {
  DirLock lock(dir_);
  std::map<std::string, std::string> result;
  for (const auto& [addr, holder] : scan()) {
    result.emplace(format(addr), holder);
  }
  return result;
}

}  // namespace skiff::netns

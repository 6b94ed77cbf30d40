// An on-disk cache of compiled seccomp programs: one file per profile, named by a hash of the
// profile and of everything else the compiled program depends on.

#include <fcntl.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <optional>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/log.h"
#include "skiff/base/unique_fd.h"
#include "skiff/runtime/seccomp.h"

namespace skiff::runtime {

namespace {

// Bump when the key's serialization or the file layout changes.
constexpr uint64_t kFormatVersion = 1;
constexpr char kMagic[8] = {'S', 'K', 'F', 'B', 'P', 'F', '\0', '\1'};

struct CacheHeader {
  char magic[8];
  uint32_t flags;
  uint32_t needs_listener;
  uint64_t count;     // instructions that follow the header
  uint64_t checksum;  // FNV-1a of those instructions
};

// 64-bit FNV-1a over a length-prefixed serialization, so that no two profiles feed it the same
// bytes ({"ab","c"} and {"a","bc"} differ). Numbers go in as little-endian bytes on every host.
class Hasher {
 public:
  void bytes(const void* data, size_t size) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < size; ++i) {
      hash_ = (hash_ ^ p[i]) * 0x100000001b3ull;
    }
  }
  void number(uint64_t n) {
    for (int i = 0; i < 8; ++i) {
      unsigned char byte = static_cast<unsigned char>(n >> (8 * i));
      bytes(&byte, 1);
    }
  }
  void text(std::string_view s) {
    number(s.size());
    bytes(s.data(), s.size());
  }
  void optional(const std::optional<uint32_t>& n) {
    number(n.has_value());
    number(n.value_or(0));
  }
  void texts(const std::vector<std::string>& list) {
    number(list.size());
    for (const auto& s : list) {
      text(s);
    }
  }
  [[nodiscard]] uint64_t value() const { return hash_; }

 private:
  uint64_t hash_ = 0xcbf29ce484222325ull;
};

uint64_t checksum(const std::vector<sock_filter>& filter) {
  Hasher h;
  h.bytes(filter.data(), filter.size() * sizeof(sock_filter));
  return h.value();
}

// The compiled program depends on the profile, on libseccomp's version, on the native
// architecture and on the kernel features libseccomp detected (its API level).
uint64_t cache_key(const Seccomp& seccomp) {
  Hasher h;
  h.number(kFormatVersion);
  const scmp_version* version = seccomp_version();
  h.number(version->major);
  h.number(version->minor);
  h.number(version->micro);
  h.number(seccomp_arch_native());
  h.number(seccomp_api_get());
  h.text(seccomp.default_action);
  h.optional(seccomp.default_errno_ret);
  h.texts(seccomp.architectures);
  h.texts(seccomp.flags);
  // listenerPath and listenerMetadata do not change the program: left out, so that containers
  // with different agents share it.
  h.number(seccomp.syscalls.size());
  for (const auto& rule : seccomp.syscalls) {
    h.texts(rule.names);
    h.text(rule.action);
    h.optional(rule.errno_ret);
    h.number(rule.args.size());
    for (const auto& arg : rule.args) {
      h.number(arg.index);
      h.number(arg.value);
      h.number(arg.value_two);
      h.text(arg.op);
    }
  }
  return h.value();
}

std::string encode(const SeccompProgram& program) {
  CacheHeader header{};
  std::memcpy(header.magic, kMagic, sizeof kMagic);
  header.flags = program.flags;
  header.needs_listener = program.needs_listener ? 1 : 0;
  header.count = program.filter.size();
  header.checksum = checksum(program.filter);
  std::string data(reinterpret_cast<const char*>(&header), sizeof header);
  data.append(reinterpret_cast<const char*>(program.filter.data()), program.filter.size() * sizeof(sock_filter));
  return data;
}

// The program in data, or nothing when data is not a whole, intact cache entry.
std::optional<SeccompProgram> decode(const std::string& data) {
  CacheHeader header{};
  if (data.size() < sizeof header) {
    return std::nullopt;
  }
  std::memcpy(&header, data.data(), sizeof header);
  if (std::memcmp(header.magic, kMagic, sizeof kMagic) != 0 || header.needs_listener > 1 || header.count == 0 ||
      header.count > BPF_MAXINSNS || data.size() != sizeof header + header.count * sizeof(sock_filter)) {
    return std::nullopt;
  }
  SeccompProgram program;
  program.flags = header.flags;
  program.needs_listener = header.needs_listener == 1;
  program.filter.resize(header.count);
  std::memcpy(program.filter.data(), data.data() + sizeof header, header.count * sizeof(sock_filter));
  if (checksum(program.filter) != header.checksum) {
    return std::nullopt;
  }
  return program;
}

// An entry decides what a container may do: only trust a directory no one else can write to.
bool private_directory(const std::string& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) < 0) {
    int err = errno;
    log::warning(std::string("seccomp cache: ") + Error("stat " + dir, err).what());
    return false;
  }
  if (st.st_uid != ::geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    log::warning("seccomp cache: " + dir + " is not owned by us or is writable by others; not using it");
    return false;
  }
  return true;
}

std::optional<SeccompProgram> read_entry(const std::string& file) {
  std::string data;
  try {
    data = read_file(file);
  } catch (const Error& e) {
    if (e.code() != ENOENT) {
      log::warning(std::string("seccomp cache: ") + e.what() + "; compiling the profile");
    }
    return std::nullopt;
  }
  std::optional<SeccompProgram> program = decode(data);
  if (!program) {
    log::warning("seccomp cache: " + file + " is corrupt; compiling the profile again");
  }
  return program;
}

// write_file_atomic's fixed "<path>.tmp" would be shared by two runtimes caching the same
// profile at once; a unique temporary name makes each rename install a whole file.
void write_entry(const std::string& file, const std::string& data) {
  std::string tmp = file + ".XXXXXX";
  UniqueFd fd(::mkostemp(tmp.data(), O_CLOEXEC));
  if (!fd) {
    throw_errno("create a temporary file for " + file);
  }
  try {
    write_all(fd.get(), data, tmp);
    if (::fsync(fd.get()) < 0) {
      throw_errno("fsync " + tmp);
    }
    if (::rename(tmp.c_str(), file.c_str()) < 0) {
      throw_errno("rename " + tmp + " to " + file);
    }
  } catch (const Error&) {
    ::unlink(tmp.c_str());
    throw;
  }
}

}  // namespace

SeccompProgram compile_seccomp_cached(const Seccomp& seccomp, const std::string& cache_dir) {
  try {
    mkdir_all(cache_dir, 0700);
  } catch (const Error& e) {
    log::warning(std::string("seccomp cache: ") + e.what());
    return compile_seccomp(seccomp);
  }
  if (!private_directory(cache_dir)) {
    return compile_seccomp(seccomp);
  }
  char name[32];
  std::snprintf(name, sizeof name, "/%016llx.bpf", static_cast<unsigned long long>(cache_key(seccomp)));
  std::string file = cache_dir + name;
  if (std::optional<SeccompProgram> cached = read_entry(file)) {
    return *cached;
  }
  SeccompProgram program = compile_seccomp(seccomp);
  try {
    write_entry(file, encode(program));
  } catch (const Error& e) {
    log::warning(std::string("seccomp cache: ") + e.what());
  }
  return program;
}

}  // namespace skiff::runtime

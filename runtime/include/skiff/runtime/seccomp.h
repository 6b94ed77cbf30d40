#pragma once

#include <linux/filter.h>

#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace skiff::runtime {

// The OCI runtime-spec linux.seccomp object.
struct SeccompArg {
  uint32_t index = 0;
  uint64_t value = 0;
  uint64_t value_two = 0;
  std::string op;  // SCMP_CMP_EQ, ...
};

struct SeccompRule {
  std::vector<std::string> names;
  std::string action;  // SCMP_ACT_ERRNO, ...
  std::optional<uint32_t> errno_ret;
  std::vector<SeccompArg> args;
};

struct Seccomp {
  std::string default_action;
  std::optional<uint32_t> default_errno_ret;
  std::vector<std::string> architectures;  // SCMP_ARCH_X86_64, ...
  std::vector<std::string> flags;          // SECCOMP_FILTER_FLAG_LOG, ...
  std::string listener_path;
  std::string listener_metadata;
  std::vector<SeccompRule> syscalls;
};

// Parses linux.seccomp; errors name the field ("linux.seccomp.syscalls[2].action") and value.
// Unknown actions, operators, architectures and flags are errors here.
Seccomp parse_seccomp(const boost::json::value& value, std::string_view path);

// A filter compiled to classic BPF, ready for seccomp(2).
struct SeccompProgram {
  std::vector<sock_filter> filter;
  unsigned int flags = 0;       // SECCOMP_FILTER_FLAG_* for seccomp(SECCOMP_SET_MODE_FILTER)
  bool needs_listener = false;  // some rule uses SCMP_ACT_NOTIFY
};

// Compiles with libseccomp. Syscall names this libseccomp does not know are skipped with a
// warning (runc and crun do the same, so that profiles written for newer kernels still load).
SeccompProgram compile_seccomp(const Seccomp& seccomp);
// compile_seccomp through an on-disk cache in cache_dir keyed by a hash of the profile and the
// libseccomp version: the same profile is compiled once per host, not once per container.
// A cache that cannot be read or written only costs the compile.
SeccompProgram compile_seccomp_cached(const Seccomp& seccomp, const std::string& cache_dir);

// Loads the program into the calling thread (and all threads with TSYNC) with seccomp(2).
// Returns the notify listener fd when the program needs one, -1 otherwise; throws an Error
// ("load seccomp filter: EACCES ...") on failure. Call after no_new_privs, or with CAP_SYS_ADMIN.
int load_seccomp(const SeccompProgram& program);

// Sends the listener fd to the seccomp agent at listener_path, as runtime-spec's "seccomp notify"
// section describes: one connection carrying the containerProcessState JSON with the fd in
// SCM_RIGHTS. state_json is the container's state object; its ociVersion and pid are repeated at
// the top level, and metadata is linux.seccomp.listenerMetadata.
void send_seccomp_listener(int listener_fd, const std::string& listener_path, const std::string& metadata,
                           const std::string& state_json);

}  // namespace skiff::runtime

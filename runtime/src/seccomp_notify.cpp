// Loading a compiled seccomp program into the container process, and handing its notify
// listener to the seccomp agent.

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstring>

#include "skiff/base/error.h"
#include "skiff/base/json.h"
#include "skiff/base/unique_fd.h"
#include "skiff/base/unix_socket.h"
#include "skiff/runtime/seccomp.h"

#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif
#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif

namespace skiff::runtime {

namespace {

// The runtime-spec's containerProcessState: what a seccomp agent receives with the fd.
std::string container_process_state(const std::string& metadata, const std::string& state_json) {
  boost::json::value state = json::parse(state_json, "container state");
  const auto& obj = json::as_object(state, "container state");
  boost::json::object message;
  if (const auto* version = json::find(obj, "ociVersion")) {
    message["ociVersion"] = *version;
  }
  message["fds"] = boost::json::array{"seccompFd"};
  if (const auto* pid = json::find(obj, "pid")) {
    message["pid"] = *pid;
  }
  message["metadata"] = metadata;
  message["state"] = std::move(state);
  return boost::json::serialize(message);
}

}  // namespace

// No libseccomp here: this runs in the container process, which only has the compiled program.
int load_seccomp(const SeccompProgram& program) {
  if (program.filter.empty()) {
    throw Error("load seccomp filter: the program is empty");
  }
  if (program.filter.size() > BPF_MAXINSNS) {
    throw Error("load seccomp filter: " + std::to_string(program.filter.size()) + " instructions, the kernel takes " +
                std::to_string(BPF_MAXINSNS) + " at most");
  }
  unsigned int flags = program.flags;
  if (program.needs_listener) {
    flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
    // The kernel refuses TSYNC with NEW_LISTENER unless a thread that cannot sync fails the
    // call with ESRCH: the return value is then free to be the listener fd.
    if ((flags & SECCOMP_FILTER_FLAG_TSYNC) != 0) {
      flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
    }
  }
  sock_fprog prog{static_cast<unsigned short>(program.filter.size()), const_cast<sock_filter*>(program.filter.data())};
  long rc = ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
  if (rc < 0) {
    throw_errno("load seccomp filter");
  }
  if (program.needs_listener) {
    return static_cast<int>(rc);
  }
  // With TSYNC alone, a positive result is the id of a thread that could not be synchronized.
  if (rc > 0) {
    throw Error("load seccomp filter: thread " + std::to_string(rc) + " could not be synchronized");
  }
  return -1;
}

void send_seccomp_listener(int listener_fd, const std::string& listener_path, const std::string& metadata,
                           const std::string& state_json) {
  std::string message = container_process_state(metadata, state_json);

  UniqueFd sock = connect_unix_socket(listener_path, "the seccomp agent");
  send_with_fd(sock.get(), message, listener_fd, "the seccomp agent at " + listener_path);
}

}  // namespace skiff::runtime

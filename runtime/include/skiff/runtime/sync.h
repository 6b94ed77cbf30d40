#pragma once

#include <sys/types.h>

#include <cstdint>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "skiff/base/unique_fd.h"

namespace skiff::runtime {

// The steps of container setup at which the runtime and the container's process meet.
enum class SyncStep : uint32_t {
  go = 1,            // runtime -> child: carry on (cgroup joined, maps written, hooks run)
  need_id_maps,      // child -> runtime: user namespace made; write uid/gid maps for me
  child_pid,         // stage 1 -> runtime: the container's process, by host pid (value)
  run_hooks,         // child -> runtime: mounts are done; run prestart and createRuntime hooks
  seccomp_listener,  // child -> runtime: the seccomp notify fd (in fds)
  ready,             // child -> runtime: set up and waiting for start (or exec'ing)
  error,             // child -> runtime: message says what failed
};

struct SyncMessage {
  SyncStep step = SyncStep::go;
  int64_t value = 0;
  std::string text;
  std::vector<UniqueFd> fds;
};

// One end of the SOCK_SEQPACKET pair between the runtime and the processes it starts: small
// typed frames, never JSON, and fds by SCM_RIGHTS.
class SyncSocket {
 public:
  SyncSocket() = default;
  explicit SyncSocket(UniqueFd fd) : fd_(std::move(fd)) {}

  // A connected pair, both ends close-on-exec.
  static std::pair<SyncSocket, SyncSocket> pair();

  void send(SyncStep step, int64_t value = 0, const std::string& text = {}, const std::vector<int>& fds = {}) const;
  // Blocks for the next frame; a closed peer is an Error saying so.
  SyncMessage receive() const;
  // Receives and checks the step; an error frame from the child becomes an Error with its text.
  SyncMessage expect(SyncStep step) const;

  [[nodiscard]] int fd() const { return fd_.get(); }
  void reset() { fd_.reset(); }

 private:
  UniqueFd fd_;
};

// Ends a setup child (a stage of create or exec) after an error. While the runtime still
// listens (before `ready`), the message goes to it and reaches the user verbatim; after that only
// the container's stderr is left to say it. Exits 1 before ready, 127 after (exec failed).
[[noreturn]] void exit_after_error(const SyncSocket& sync, const std::exception& error, bool runtime_listening);

}  // namespace skiff::runtime

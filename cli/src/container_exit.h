#pragma once

// podman's exit codes for a container command that never ran: 127 when it is not found, 126 when
// it cannot be executed (125 stays skiff's own errors).

#include <optional>
#include <string>

#include "skiff/base/error.h"
#include "skiff/base/unique_fd.h"
#include "skiff/pod/container_manager.h"

namespace skiff::cli {

inline constexpr int kCannotRunExitCode = 126;
inline constexpr int kNotFoundExitCode = 127;

class ContainerCommandFailed : public Error {
 public:
  ContainerCommandFailed(const std::string& message, int exit_code) : Error(message), exit_code_(exit_code) {}
  [[nodiscard]] int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

// 127 or 126 for the runtime's message of a failed exec ("exec: \"x\": executable file not found
// in $PATH", "…: permission denied"), which reaches skiff as text through the monitor; none for
// any other failure.
std::optional<int> exec_failure_exit_code(const std::string& message);

// containers.start, whose exec failures throw ContainerCommandFailed.
UniqueFd start_or_exit_code(pod::ContainerManager& containers, const std::string& id, const pod::StartOptions& options);

}  // namespace skiff::cli

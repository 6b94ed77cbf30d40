#include "container_exit.h"

namespace skiff::cli {

std::optional<int> exec_failure_exit_code(const std::string& message) {
  if (message.find("exec: \"") == std::string::npos) {
    return std::nullopt;
  }
  if (message.find("executable file not found") != std::string::npos ||
      message.find("No such file or directory") != std::string::npos) {
    return kNotFoundExitCode;
  }
  return kCannotRunExitCode;
}

UniqueFd start_or_exit_code(pod::ContainerManager& containers, const std::string& id,
                            const pod::StartOptions& options) {
  try {
    return containers.start(id, options);
  } catch (const Error& e) {
    if (auto code = exec_failure_exit_code(e.what())) {
      throw ContainerCommandFailed(e.what(), *code);
    }
    throw;
  }
}

}  // namespace skiff::cli

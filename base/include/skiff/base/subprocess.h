#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace skiff {

struct SubprocessOptions {
  // argv; args[0] is looked up in PATH unless path is set.
  std::vector<std::string> args;
  // The program to execute, when it differs from args[0] (OCI hooks).
  std::string path;
  // The whole environment; the caller's when unset.
  std::optional<std::vector<std::string>> env;
  // Written to the child's stdin, which is then closed. Without it stdin is /dev/null.
  std::optional<std::string> input;
  bool capture_stdout = true;
  bool capture_stderr = true;
  std::string cwd;
  // SIGKILL after this long; the result says it timed out.
  std::optional<std::chrono::milliseconds> timeout;
};

struct SubprocessResult {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;
  bool timed_out = false;
  std::string out;
  std::string err;

  [[nodiscard]] bool ok() const { return exit_code == 0; }
  // "exit status 3", "killed by signal 9", "timed out after ..."
  [[nodiscard]] std::string describe() const;
};

// Runs a program to completion; throws an Error only when it cannot be started.
SubprocessResult run_subprocess(const SubprocessOptions& options);

// Waits for pid and returns its exit code, or 128 + signal for a signal death (as a shell does).
int wait_exit_code(pid_t pid);

}  // namespace skiff

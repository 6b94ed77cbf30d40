#pragma once

// What the monitor does when a container exits (docker's and podman's --restart): carried out by
// the container's monitor, so it holds while no CLI runs. A container the user stopped is never
// restarted.

#include <chrono>
#include <string>
#include <string_view>

namespace skiff::pod {

struct RestartPolicy {
  enum class Kind { no, on_failure, always };
  Kind kind = Kind::no;
  int max_retries = 0;  // on_failure only; 0: no limit

  // Whether a container that exited with exit_code after restart_count restarts runs again.
  [[nodiscard]] bool restarts(int exit_code, int restart_count) const;
};

// "no", "on-failure", "on-failure:3", "always" (also "unless-stopped", which is "always" here:
// a stopped container is never restarted anyway). Throws naming the value.
RestartPolicy parse_restart_policy(std::string_view text);
std::string restart_policy_name(const RestartPolicy& policy);

// The wait before restart number n (0-based): 100 ms doubling, at most kMaxRestartDelay, as
// docker's restart manager.
inline constexpr std::chrono::milliseconds kFirstRestartDelay{100};
inline constexpr std::chrono::milliseconds kMaxRestartDelay{10000};
std::chrono::milliseconds restart_delay(int n);

}  // namespace skiff::pod

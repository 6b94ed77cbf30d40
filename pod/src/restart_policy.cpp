#include "skiff/pod/restart_policy.h"

#include <algorithm>

#include "skiff/base/error.h"
#include "skiff/base/strings.h"

namespace skiff::pod {

bool RestartPolicy::restarts(int exit_code, int restart_count) const {
  switch (kind) {
    case Kind::no:
      return false;
    case Kind::always:
      return true;
    case Kind::on_failure:
      return exit_code != 0 && (max_retries == 0 || restart_count < max_retries);
  }
  return false;
}

RestartPolicy parse_restart_policy(std::string_view text) {
  RestartPolicy policy;
  if (text.empty() || text == "no") {
    return policy;
  }
  if (text == "always" || text == "unless-stopped") {
    policy.kind = RestartPolicy::Kind::always;
    return policy;
  }
  if (text == "on-failure" || text.starts_with("on-failure:")) {
    policy.kind = RestartPolicy::Kind::on_failure;
    if (text.size() > 10) {
      int64_t n = parse_int(text.substr(11), "restart policy on-failure's maximum");
      if (n < 0) {
        throw Error("restart policy " + std::string(text) + ": the maximum retry count must not be negative");
      }
      policy.max_retries = static_cast<int>(n);
    }
    return policy;
  }
  throw Error("invalid restart policy \"" + std::string(text) +
              "\": use no, on-failure[:max-retries], unless-stopped or always");
}

std::string restart_policy_name(const RestartPolicy& policy) {
  switch (policy.kind) {
    case RestartPolicy::Kind::no:
      return "no";
    case RestartPolicy::Kind::always:
      return "always";
    case RestartPolicy::Kind::on_failure:
      return policy.max_retries > 0 ? "on-failure:" + std::to_string(policy.max_retries) : "on-failure";
  }
  return "no";
}

std::chrono::milliseconds restart_delay(int n) {
  auto delay = kFirstRestartDelay;
  for (int i = 0; i < n && delay < kMaxRestartDelay; ++i) {
    delay *= 2;
  }
  return std::min(delay, kMaxRestartDelay);
}

}  // namespace skiff::pod

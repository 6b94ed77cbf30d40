#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "skiff/runtime/spec.h"

namespace skiff::runtime {

// Runs hooks in order, each with the container state JSON on stdin, its args and env, and its
// timeout. kind names the list in errors ("createRuntime"). A hook that fails or times out throws
// an Error naming the hook, its exit status and its stderr.
void run_hooks(const std::vector<Hook>& hooks, std::string_view kind, const std::string& state_json);

// The same, but a failure is only logged as a warning (poststart and poststop: the spec says
// the lifecycle continues).
void run_hooks_warn_only(const std::vector<Hook>& hooks, std::string_view kind, const std::string& state_json);

}  // namespace skiff::runtime

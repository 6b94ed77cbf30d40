#pragma once

// Commands that take several containers or pods act on each in turn, as podman's do: every one
// is tried, each failure reported, the exit code that of the last failure.

#include <functional>
#include <string>
#include <vector>

#include "skiff/base/error.h"

namespace skiff::cli {

// Runs action for each name; prints what it returns (when not empty) or the error. The exit
// code: 0, else that of the last failure (code_for_error's choice, 125 by default).
int for_each_name(const std::vector<std::string>& names, const std::function<std::string(const std::string&)>& action,
                  const std::function<int(const Error&)>& code_for_error = nullptr);

}  // namespace skiff::cli

#pragma once

#include <string>

namespace skiff {

// The current time as RFC 3339 with nanoseconds, in UTC ("2026-11-24T17:54:59.123456789Z").
std::string now_rfc3339();

}  // namespace skiff

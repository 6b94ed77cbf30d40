#pragma once

#include <string_view>

#include "skiff/runtime/spec.h"

namespace skiff::runtime {

// Parses exec's --user "uid[:gid]" strictly: numbers only, nothing else. Names are not
// looked up (runc does the same). Throws an Error naming the flag and the value.
User parse_exec_user(std::string_view value);

}  // namespace skiff::runtime

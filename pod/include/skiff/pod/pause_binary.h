#pragma once

// skiff-pause: the pods' infra process, --init's PID 1 and the rootless CLI's namespace holder.

#include <string>

namespace skiff::pod {

// Where skiff-pause is: $SKIFF_PAUSE, next to the running binary, $PATH, the build tree. Throws
// naming the places it looked.
std::string find_pause_binary();

}  // namespace skiff::pod

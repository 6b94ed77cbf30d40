#pragma once

// Random ids from the kernel's generator (getrandom).

#include <cstddef>
#include <string>

namespace skiff {

// chars random lowercase hex characters: a container's 64-character id, a pod's 12.
std::string random_hex(size_t chars);

}  // namespace skiff

#pragma once

#include <string>
#include <vector>

#include "skiff/cgroups/resources.h"

namespace skiff::cgroups {

// One value to write into one cgroup interface file.
struct FileWrite {
  std::string hierarchy;  // v1 controller ("memory", "cpu", ...) or "unified"
  std::string file;       // "memory.limit_in_bytes"
  std::string value;
};

// The writes that put resources in force on a cgroup v1 host, in the order they must happen
// (for example memory.limit_in_bytes before memory.memsw.limit_in_bytes). On a hybrid host,
// hugetlb limits and the unified map go to the "unified" hierarchy when has_unified is true.
std::vector<FileWrite> translate_v1(const Resources& resources, bool has_unified);
// The same for a cgroup v2 host (cpu.weight from shares, io.max, memory.swap.max, ...).
std::vector<FileWrite> translate_v2(const Resources& resources);

// The conversions runc and crun use, public for the runtime's update command and for tests.
uint64_t cpu_shares_to_weight(uint64_t shares);
uint16_t blkio_weight_to_io_weight(uint16_t weight);

}  // namespace skiff::cgroups

#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace skiff::runtime {

// A mount's "options" list, split into what mount(2) and mount_setattr(2) take.
struct MountOptions {
  unsigned long flags = 0;                 // MS_* set at mount time (MS_RDONLY, MS_NOSUID, ...)
  std::vector<unsigned long> propagation;  // MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE (| MS_REC), in order
  bool bind = false;                       // bind or rbind
  bool recursive_bind = false;             // rbind
  uint64_t attr_set = 0;                   // MOUNT_ATTR_* for the recursive options (rro, rnosuid, ...)
  uint64_t attr_clr = 0;
  std::string data;        // the file-system specific rest ("mode=755,size=65536k")
  bool tmpcopyup = false;  // tmpfs: copy the destination's old content up
};

// Parses the options of one mount; field names the list in errors ("mounts[3].options").
// Unknown words become file-system data, as mount(8) does.
MountOptions parse_mount_options(const std::vector<std::string>& options, std::string_view field);

// The flags that a read-only, nosuid, ... bind mount must be remounted with: a bind mount
// ignores them on the first mount(2) call.
unsigned long bind_remount_flags(const MountOptions& options);

// Parses rootfsPropagation ("rprivate", "slave", ...) into MS_* flags; field names it in errors.
unsigned long parse_propagation(std::string_view value, std::string_view field);

}  // namespace skiff::runtime

#pragma once

// Copies of file system trees, fd-relative so that a path inside a container's rootfs that was
// resolved safely (open_in_root) is never looked up again by name from the host.

#include <string>

namespace skiff::pod {

enum class Owners {
  caller,  // what is made belongs to the caller (cp into and out of a container)
  source,  // what is made keeps the source's owner and group (a volume filled from the image)
};

// Copies src_name in src_dir (not followed: a symlink is copied as the link it is) to dst_name in
// dst_dir, directories recursively; an existing directory at the destination is merged into.
// Files, directories and symlinks only; what names the source in errors.
void copy_entry(int src_dir, const std::string& src_name, int dst_dir, const std::string& dst_name,
                const std::string& what, Owners owners);

}  // namespace skiff::pod

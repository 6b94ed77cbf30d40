#pragma once

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "skiff/base/unique_fd.h"
#include "tar_reader.h"

namespace skiff::image {

// Writes tar entries into a layer dir, fd-relative and never outside it. Entry paths are
// cleaned like tar does (a leading "/" is dropped, ".." may not climb above the layer dir);
// every parent directory is opened beneath the layer dir without following any symlink, so
// an entry below a symlink (a -> /etc, then a/passwd) is refused rather than written through
// it. Hardlinks must point to an entry already in this layer. Whiteouts become overlay
// whiteouts. Errors name the entry.
class LayerDirWriter {
 public:
  // rootless: refuse device nodes, use overlay's user.* xattrs (userxattr mode), skip trusted.*
  // and security.* xattrs other than security.capability, which a user namespace cannot set.
  LayerDirWriter(int layer_dirfd, bool rootless);

  // Writes one entry; a regular file's data comes from reader.
  void write(const TarEntry& entry, TarReader& reader);
  // Sets the directories' modes and mtimes, once nothing more is written into them.
  void finish();

 private:
  struct DirMeta {
    mode_t mode = 0;
    std::optional<timespec> mtime;
    std::optional<timespec> atime;
  };

  // An O_PATH fd of the directory made of the first count components of parts, beneath the
  // layer dir and through no symlink; missing directories are made when create is true.
  UniqueFd open_dir(const std::vector<std::string>& parts, size_t count, const std::string& entry, bool create);
  // The parent directory of an entry (created as needed); the last one is kept open, since a
  // tar lists a directory's entries together.
  int parent_dir(const std::vector<std::string>& parts, const std::string& entry);
  // Removes what is at name unless both it and the new entry are directories; true when an
  // existing directory is kept.
  bool make_room(int parentfd, const std::string& name, const std::string& rel, bool dir, const std::string& entry);

  void write_whiteout(const std::vector<std::string>& parts, const TarEntry& entry);
  void write_file(int parentfd, const std::string& name, const TarEntry& entry, TarReader& reader);
  void write_directory(int parentfd, const std::string& name, const std::string& rel, const TarEntry& entry);
  void write_hardlink(int parentfd, const std::string& name, const std::string& rel, const TarEntry& entry);
  void write_special(int parentfd, const std::string& name, const TarEntry& entry);

  // Owner, xattrs, mode and times of a non-directory made by name (symlinks, nodes).
  void set_metadata_at(int parentfd, const std::string& name, const TarEntry& entry);
  void set_owner(int fd, const char* name, const TarEntry& entry);
  void set_xattrs(int fd, const std::string& proc_path, const TarEntry& entry);

  int root_;
  bool rootless_;
  std::string overlay_prefix_;
  std::string cached_parent_key_;
  UniqueFd cached_parent_;
  // Directories written by entries, by their cleaned path ("" is the layer dir itself).
  std::map<std::string, DirMeta> dirs_;
};

}  // namespace skiff::image

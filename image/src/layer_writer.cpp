#include "layer_writer.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <array>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/path.h"

namespace skiff::image {

namespace {

constexpr std::string_view kWhiteoutPrefix = ".wh.";
// aufs' metadata entries (.wh..wh.plnk, .wh..wh.aufs) start like this; of them only the opaque
// marker means something to overlay.
constexpr std::string_view kWhiteoutMetaPrefix = ".wh..wh.";
constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";

// The components of an entry path cleaned like tar: empty and "." components dropped, a
// leading "/" ignored, ".." allowed only while it stays inside the layer dir.
std::vector<std::string> clean_entry_path(std::string_view path, const std::string& what) {
  std::vector<std::string> parts;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t next = std::min(path.find('/', pos), path.size());
    std::string_view part = path.substr(pos, next - pos);
    pos = next + 1;
    if (part.empty() || part == ".") {
      continue;
    }
    if (part == "..") {
      if (parts.empty()) {
        throw Error(what + " escapes the layer dir");
      }
      parts.pop_back();
      continue;
    }
    parts.emplace_back(part);
  }
  return parts;
}

std::string join(const std::vector<std::string>& parts, size_t count) {
  std::string out;
  for (size_t i = 0; i < count; ++i) {
    if (i > 0) {
      out += '/';
    }
    out += parts[i];
  }
  return out;
}

std::string entry_name(const TarEntry& entry) {
  return "entry " + entry.path;
}

// Times for utimensat: atime left alone when the tar has none.
std::array<timespec, 2> times_of(const std::optional<timespec>& atime, const timespec& mtime) {
  return {atime.value_or(timespec{0, UTIME_OMIT}), mtime};
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

}  // namespace

LayerDirWriter::LayerDirWriter(int layer_dirfd, bool rootless)
    : root_(layer_dirfd), rootless_(rootless), overlay_prefix_(rootless ? "user.overlay." : "trusted.overlay.") {}

UniqueFd LayerDirWriter::open_dir(const std::vector<std::string>& parts, size_t count, const std::string& entry,
                                  bool create) {
  if (count == 0) {
    UniqueFd fd(::openat(root_, ".", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!fd) {
      throw_errno(entry + ": open the layer dir");
    }
    return fd;
  }
  // The fast path: one openat2 that fails on any symlink or escape; the walk below then finds
  // out which component is to blame, or makes the missing directories.
  std::string rel = join(parts, count);
  struct open_how how {};
  how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  long rc = ::syscall(SYS_openat2, root_, rel.c_str(), &how, sizeof how);
  if (rc >= 0) {
    return UniqueFd(static_cast<int>(rc));
  }
  UniqueFd current = open_dir(parts, 0, entry, false);
  for (size_t i = 0; i < count; ++i) {
    const std::string& part = parts[i];
    UniqueFd next(::openat(current.get(), part.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!next && errno == ENOENT && create) {
      if (::mkdirat(current.get(), part.c_str(), 0755) < 0) {
        throw_errno(entry + ": create the directory " + join(parts, i + 1));
      }
      // Exactly 0755, whatever the umask: tar's mode for directories it has to invent.
      if (::fchmodat(current.get(), part.c_str(), 0755, 0) < 0) {
        throw_errno(entry + ": chmod the directory " + join(parts, i + 1));
      }
      next.reset(::openat(current.get(), part.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    }
    if (!next) {
      int err = errno;
      struct stat st {};
      if (::fstatat(current.get(), part.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
        if (S_ISLNK(st.st_mode)) {
          throw Error(entry + ": " + join(parts, i + 1) +
                      " is a symlink; writing through a symlink is refused (it could lead out of the layer dir)");
        }
        if (!S_ISDIR(st.st_mode)) {
          throw Error(entry + ": " + join(parts, i + 1) + " is not a directory");
        }
      }
      throw_errno(err, entry + ": open the directory " + join(parts, i + 1));
    }
    current = std::move(next);
  }
  return current;
}

int LayerDirWriter::parent_dir(const std::vector<std::string>& parts, const std::string& entry) {
  std::string key = join(parts, parts.size() - 1);
  if (!cached_parent_ || key != cached_parent_key_) {
    cached_parent_ = open_dir(parts, parts.size() - 1, entry, true);
    cached_parent_key_ = std::move(key);
  }
  return cached_parent_.get();
}

bool LayerDirWriter::make_room(int parentfd, const std::string& name, const std::string& rel, bool dir,
                               const std::string& entry) {
  struct stat st {};
  if (::fstatat(parentfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
    if (errno == ENOENT) {
      return false;
    }
    throw_errno(entry + ": stat the existing " + rel);
  }
  if (S_ISDIR(st.st_mode)) {
    if (dir) {
      return true;
    }
    remove_all(fd_path(parentfd) + "/" + name);
    // The removed tree's directories are gone: forget them, and the cached parent if it was
    // one of them (parentfd, the removed directory's own parent, stays valid).
    dirs_.erase(rel);
    dirs_.erase(dirs_.lower_bound(rel + "/"), dirs_.lower_bound(rel + "0"));  // '0' follows '/'
    if (cached_parent_key_ == rel || starts_with(cached_parent_key_, rel + "/")) {
      cached_parent_.reset();
    }
    return false;
  }
  if (::unlinkat(parentfd, name.c_str(), 0) < 0) {
    throw_errno(entry + ": remove the existing " + rel);
  }
  return false;
}

void LayerDirWriter::write(const TarEntry& entry, TarReader& reader) {
  std::string what = entry_name(entry);
  std::vector<std::string> parts = clean_entry_path(entry.path, what);
  if (parts.empty()) {
    if (entry.type != TarEntry::Type::directory) {
      throw Error(what + ": the layer dir itself can only be a directory");
    }
    UniqueFd fd(::openat(root_, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) {
      throw_errno(what + ": open the layer dir");
    }
    set_owner(fd.get(), nullptr, entry);
    set_xattrs(fd.get(), "", entry);
    dirs_[""] = DirMeta{entry.mode, entry.mtime, entry.atime};
    return;
  }
  if (starts_with(parts.back(), kWhiteoutPrefix)) {
    write_whiteout(parts, entry);
    return;
  }
  std::string rel = join(parts, parts.size());
  int parentfd = parent_dir(parts, what);
  const std::string& name = parts.back();
  switch (entry.type) {
    case TarEntry::Type::file:
      make_room(parentfd, name, rel, false, what);
      write_file(parentfd, name, entry, reader);
      return;
    case TarEntry::Type::directory:
      write_directory(parentfd, name, rel, entry);
      return;
    case TarEntry::Type::hardlink:
      write_hardlink(parentfd, name, rel, entry);
      return;
    case TarEntry::Type::socket:
      return;  // a socket is a live endpoint, not content; tar implementations skip them too
    case TarEntry::Type::symlink:
    case TarEntry::Type::char_device:
    case TarEntry::Type::block_device:
    case TarEntry::Type::fifo:
      make_room(parentfd, name, rel, false, what);
      write_special(parentfd, name, entry);
      return;
  }
}

void LayerDirWriter::write_whiteout(const std::vector<std::string>& parts, const TarEntry& entry) {
  std::string what = entry_name(entry);
  const std::string& name = parts.back();
  if (name == kOpaqueMarker) {
    UniqueFd parent = open_dir(parts, parts.size() - 1, what, true);
    UniqueFd dir(::openat(parent.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir) {
      throw_errno(what + ": open the opaque directory");
    }
    std::string xattr = overlay_prefix_ + "opaque";
    if (::fsetxattr(dir.get(), xattr.c_str(), "y", 1, 0) < 0) {
      throw_errno(what + ": set " + xattr + " on " + (parts.size() > 1 ? join(parts, parts.size() - 1) : "/"));
    }
    return;
  }
  if (starts_with(name, kWhiteoutMetaPrefix)) {
    return;  // aufs bookkeeping (hardlink dirs, its own markers), meaningless to overlay
  }
  std::string hidden = name.substr(kWhiteoutPrefix.size());
  if (hidden.empty() || hidden == "." || hidden == "..") {
    throw Error(what + ": a whiteout must name an entry");
  }
  std::vector<std::string> hidden_parts = parts;
  hidden_parts.back() = hidden;
  int parentfd = parent_dir(hidden_parts, what);
  make_room(parentfd, hidden, join(hidden_parts, hidden_parts.size()), false, what);
  // Overlay's whiteout: a character device 0/0, which an unprivileged user namespace may make.
  if (::mknodat(parentfd, hidden.c_str(), S_IFCHR, makedev(0, 0)) < 0) {
    throw_errno(what + ": create the whiteout (a 0/0 character device) for " + hidden);
  }
}

void LayerDirWriter::write_file(int parentfd, const std::string& name, const TarEntry& entry, TarReader& reader) {
  std::string what = entry_name(entry);
  UniqueFd fd(::openat(parentfd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) {
    throw_errno(what + ": create the file");
  }
  int64_t end = 0;
  while (auto block = reader.next_block()) {
    const std::byte* data = block->data.data();
    size_t left = block->data.size();
    off_t offset = block->offset;
    while (left > 0) {
      ssize_t n = ::pwrite(fd.get(), data, left, offset);
      if (n < 0) {
        if (errno == EINTR) {
          continue;
        }
        throw_errno(what + ": write the file");
      }
      data += n;
      left -= static_cast<size_t>(n);
      offset += n;
    }
    end = std::max<int64_t>(end, offset);
  }
  // A sparse file may end in a hole.
  if (entry.size > end && ::ftruncate(fd.get(), entry.size) < 0) {
    throw_errno(what + ": extend the file to its size");
  }
  set_owner(fd.get(), nullptr, entry);
  set_xattrs(fd.get(), "", entry);
  // After chown, which clears setuid and setgid.
  if (::fchmod(fd.get(), entry.mode) < 0) {
    throw_errno(what + ": chmod the file");
  }
  if (entry.mtime) {
    auto times = times_of(entry.atime, *entry.mtime);
    if (::futimens(fd.get(), times.data()) < 0) {
      throw_errno(what + ": set the file's times");
    }
  }
}

void LayerDirWriter::write_directory(int parentfd, const std::string& name, const std::string& rel,
                                     const TarEntry& entry) {
  std::string what = entry_name(entry);
  // Owner-writable until finish() sets the entry's mode, so that the directory's own entries
  // can be written into it whatever that mode is.
  if (!make_room(parentfd, name, rel, true, what) && ::mkdirat(parentfd, name.c_str(), 0700) < 0) {
    throw_errno(what + ": create the directory");
  }
  UniqueFd fd(::openat(parentfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) {
    throw_errno(what + ": open the directory");
  }
  set_owner(fd.get(), nullptr, entry);
  set_xattrs(fd.get(), "", entry);
  dirs_[rel] = DirMeta{entry.mode, entry.mtime, entry.atime};
}

void LayerDirWriter::write_hardlink(int parentfd, const std::string& name, const std::string& rel,
                                    const TarEntry& entry) {
  std::string what = entry_name(entry);
  std::string target_what = what + ": hardlink target " + entry.link_target;
  std::vector<std::string> target = clean_entry_path(entry.link_target, target_what);
  if (target.empty()) {
    throw Error(target_what + " is the layer dir itself");
  }
  std::string target_rel = join(target, target.size());
  if (target_rel == rel) {
    return;  // a link to itself: the file is already there
  }
  const std::string same_layer = " (a hardlink must point to a file earlier in the same layer)";
  UniqueFd target_parent;
  try {
    target_parent = open_dir(target, target.size() - 1, target_what, false);
  } catch (const Error& e) {
    throw Error(e.code() == ENOENT ? target_what + " is not in this layer" + same_layer : e.what() + same_layer);
  }
  struct stat st {};
  if (::fstatat(target_parent.get(), target.back().c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
    if (errno == ENOENT) {
      throw Error(target_what + " is not in this layer" + same_layer);
    }
    throw_errno(target_what);
  }
  if (S_ISDIR(st.st_mode)) {
    throw Error(target_what + " is a directory");
  }
  make_room(parentfd, name, rel, false, what);
  // Without AT_SYMLINK_FOLLOW: a link to a symlink links the symlink itself, as tar does.
  if (::linkat(target_parent.get(), target.back().c_str(), parentfd, name.c_str(), 0) < 0) {
    throw_errno(what + ": link to " + target_rel);
  }
}

void LayerDirWriter::write_special(int parentfd, const std::string& name, const TarEntry& entry) {
  std::string what = entry_name(entry);
  switch (entry.type) {
    case TarEntry::Type::symlink:
      if (::symlinkat(entry.link_target.c_str(), parentfd, name.c_str()) < 0) {
        throw_errno(what + ": create the symlink to " + entry.link_target);
      }
      break;
    case TarEntry::Type::char_device:
    case TarEntry::Type::block_device: {
      if (rootless_) {
        throw Error(what + ": a device node (" + std::to_string(major(entry.rdev)) + ":" +
                    std::to_string(minor(entry.rdev)) + ") cannot be created rootless");
      }
      mode_t type = entry.type == TarEntry::Type::char_device ? S_IFCHR : S_IFBLK;
      if (::mknodat(parentfd, name.c_str(), type | 0600, entry.rdev) < 0) {
        throw_errno(what + ": create the device node");
      }
      break;
    }
    case TarEntry::Type::fifo:
      if (::mknodat(parentfd, name.c_str(), S_IFIFO | 0600, 0) < 0) {
        throw_errno(what + ": create the fifo");
      }
      break;
    default:
      throw Error(what + ": not a symlink, device or fifo");
  }
  set_metadata_at(parentfd, name, entry);
}

void LayerDirWriter::set_metadata_at(int parentfd, const std::string& name, const TarEntry& entry) {
  std::string what = entry_name(entry);
  set_owner(parentfd, name.c_str(), entry);
  // No setxattrat before Linux 6.13: the path goes through the parent's fd, so that only the
  // last component is looked up, without following it.
  set_xattrs(-1, fd_path(parentfd) + "/" + name, entry);
  if (entry.type != TarEntry::Type::symlink && ::fchmodat(parentfd, name.c_str(), entry.mode, 0) < 0) {
    throw_errno(what + ": chmod");
  }
  if (entry.mtime) {
    auto times = times_of(entry.atime, *entry.mtime);
    if (::utimensat(parentfd, name.c_str(), times.data(), AT_SYMLINK_NOFOLLOW) < 0) {
      throw_errno(what + ": set the times");
    }
  }
}

void LayerDirWriter::set_owner(int fd, const char* name, const TarEntry& entry) {
  int rc = name != nullptr ? ::fchownat(fd, name, entry.uid, entry.gid, AT_SYMLINK_NOFOLLOW)
                           : ::fchown(fd, entry.uid, entry.gid);
  if (rc == 0) {
    return;
  }
  std::string owner = std::to_string(entry.uid) + ":" + std::to_string(entry.gid);
  if (rootless_ && (errno == EINVAL || errno == EPERM)) {
    throw Error(entry_name(entry) + ": owner " + owner +
                    " is not mapped in this user namespace (the subordinate id range is too small for the image)",
                errno);
  }
  throw_errno(entry_name(entry) + ": chown to " + owner);
}

void LayerDirWriter::set_xattrs(int fd, const std::string& proc_path, const TarEntry& entry) {
  bool by_fd = proc_path.empty();
  for (const auto& [name, value] : entry.xattrs) {
    // Overlay's own xattrs are the snapshotter's to set (from whiteout entries); a layer that
    // carries them would forge opaque dirs, redirects or metacopy files.
    if (starts_with(name, "trusted.overlay.") || starts_with(name, "user.overlay.")) {
      continue;
    }
    if (rootless_ &&
        (starts_with(name, "trusted.") || (starts_with(name, "security.") && name != "security.capability"))) {
      continue;
    }
    // user.* xattrs exist only on regular files and directories.
    if (!by_fd && starts_with(name, "user.")) {
      continue;
    }
    int rc = by_fd ? ::fsetxattr(fd, name.c_str(), value.data(), value.size(), 0)
                   : ::lsetxattr(proc_path.c_str(), name.c_str(), value.data(), value.size(), 0);
    // A file system without this xattr namespace (user.* on an old tmpfs) cannot keep it.
    if (rc < 0 && errno != EOPNOTSUPP) {
      throw_errno(entry_name(entry) + ": set the xattr " + name);
    }
  }
}

void LayerDirWriter::finish() {
  cached_parent_.reset();
  for (const auto& [rel, meta] : dirs_) {
    std::string what = "directory " + (rel.empty() ? std::string("/") : rel);
    UniqueFd fd;
    if (rel.empty()) {
      fd.reset(::openat(root_, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    } else {
      std::vector<std::string> parts = clean_entry_path(rel, what);
      UniqueFd parent = open_dir(parts, parts.size() - 1, what, false);
      fd.reset(::openat(parent.get(), parts.back().c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    }
    if (!fd) {
      throw_errno(what + ": open to set its mode and times");
    }
    if (::fchmod(fd.get(), meta.mode) < 0) {
      throw_errno(what + ": chmod");
    }
    if (meta.mtime) {
      auto times = times_of(meta.atime, *meta.mtime);
      if (::futimens(fd.get(), times.data()) < 0) {
        throw_errno(what + ": set the times");
      }
    }
  }
}

}  // namespace skiff::image

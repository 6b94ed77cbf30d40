#include "tree_copy.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <vector>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/unique_fd.h"

namespace skiff::pod {

namespace {

// The source's owner and exact mode (the umask narrowed it, chown clears set-id bits) on what was
// just made: fd itself when name is empty, else name in the directory fd (a symlink, whose mode
// means nothing).
void keep_owner(int fd, const std::string& name, const struct stat& st, Owners owners, const std::string& what) {
  if (owners != Owners::source) {
    return;
  }
  int flags = name.empty() ? AT_EMPTY_PATH : AT_SYMLINK_NOFOLLOW;
  if (::fchownat(fd, name.c_str(), st.st_uid, st.st_gid, flags) != 0) {
    throw_errno("chown " + what);
  }
  if (name.empty() && ::fchmod(fd, st.st_mode & 07777) != 0) {
    throw_errno("chmod " + what);
  }
}

void copy_data(int from, int to, const std::string& what) {
  char buffer[65536];
  for (;;) {
    ssize_t n = ::read(from, buffer, sizeof buffer);
    if (n == 0) {
      return;
    }
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw_errno("read " + what);
    }
    write_all(to, std::string_view(buffer, static_cast<size_t>(n)), what);
  }
}

}  // namespace

void copy_entry(int src_dir, const std::string& src_name, int dst_dir, const std::string& dst_name,
                const std::string& what, Owners owners) {
  struct stat st {};
  if (::fstatat(src_dir, src_name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    throw_errno("stat " + what);
  }
  if (S_ISDIR(st.st_mode)) {
    if (::mkdirat(dst_dir, dst_name.c_str(), st.st_mode & 07777) != 0 && errno != EEXIST) {
      throw_errno("mkdir " + what);
    }
    UniqueFd dst(::openat(dst_dir, dst_name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dst) {
      throw_errno("open " + what + " (a symlink or not a directory at the destination)");
    }
    keep_owner(dst.get(), "", st, owners, what);
    UniqueFd src(::openat(src_dir, src_name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!src) {
      throw_errno("open " + what);
    }
    DIR* d = ::fdopendir(::dup(src.get()));
    if (d == nullptr) {
      throw_errno("read dir " + what);
    }
    std::vector<std::string> names;
    while (dirent* ent = ::readdir(d)) {
      std::string name = ent->d_name;
      if (name != "." && name != "..") {
        names.push_back(name);
      }
    }
    ::closedir(d);
    for (const auto& name : names) {
      copy_entry(src.get(), name, dst.get(), name, what + "/" + name, owners);
    }
  } else if (S_ISREG(st.st_mode)) {
    UniqueFd src(::openat(src_dir, src_name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!src) {
      throw_errno("open " + what);
    }
    UniqueFd dst(
        ::openat(dst_dir, dst_name.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, st.st_mode & 07777));
    if (!dst) {
      throw_errno("create " + what + " at the destination");
    }
    copy_data(src.get(), dst.get(), what);
    keep_owner(dst.get(), "", st, owners, what);
  } else if (S_ISLNK(st.st_mode)) {
    // Copied as the link it is: its target means something only inside the container.
    std::string target(PATH_MAX, '\0');
    ssize_t n = ::readlinkat(src_dir, src_name.c_str(), target.data(), target.size());
    if (n < 0) {
      throw_errno("readlink " + what);
    }
    target.resize(static_cast<size_t>(n));
    ::unlinkat(dst_dir, dst_name.c_str(), 0);
    if (::symlinkat(target.c_str(), dst_dir, dst_name.c_str()) != 0) {
      throw_errno("symlink " + what);
    }
    keep_owner(dst_dir, dst_name, st, owners, what);
  } else {
    throw Error("copy " + what + ": only files, directories and symlinks are copied", EINVAL);
  }
}

}  // namespace skiff::pod

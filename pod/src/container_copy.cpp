// `cp` into and out of a container, through its overlay rootfs: every path inside the container
// is resolved with open_in_root (RESOLVE_IN_ROOT), so "..", absolute symlinks and symlinks to
// ".." stay inside the rootfs, and the last component is never followed when written.

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "container_store.h"
#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/path.h"
#include "skiff/image/rootfs.h"
#include "skiff/pod/container_manager.h"

namespace skiff::pod {

namespace {

std::string base_name(const std::string& path) {
  std::string clean = clean_path(path);
  size_t slash = clean.rfind('/');
  return slash == std::string::npos ? clean : clean.substr(slash + 1);
}

std::string dir_name(const std::string& path) {
  std::string clean = clean_path(path);
  size_t slash = clean.rfind('/');
  if (slash == std::string::npos) {
    return ".";
  }
  return slash == 0 ? "/" : clean.substr(0, slash);
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

// Copies the file system object open as src_fd (O_PATH, not followed) to name in dst_dir.
void copy_entry(int src_dir, const std::string& src_name, int dst_dir, const std::string& dst_name,
                const std::string& what) {
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
      copy_entry(src.get(), name, dst.get(), name, what + "/" + name);
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
  } else {
    throw Error("copy " + what + ": only files, directories and symlinks are copied", EINVAL);
  }
}

// Where a copy goes: into an existing directory under the source's name, else as the path.
struct Destination {
  UniqueFd dir;
  std::string name;
};

}  // namespace

void ContainerManager::copy_in(const std::string& name_or_id, const std::string& host_path,
                               const std::string& container_path) {
  std::string id = resolve(name_or_id);
  auto rootfs = image::Rootfs::open(*options_.store, id);
  if (!rootfs.mounted()) {
    rootfs.mount();
  }
  UniqueFd root(::open(rootfs.merged().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) {
    throw_errno("open the rootfs of container " + id);
  }
  Destination dest;
  UniqueFd existing = [&] {
    try {
      return open_in_root(root.get(), container_path, O_PATH | O_DIRECTORY);
    } catch (const Error&) {
      return UniqueFd();
    }
  }();
  if (existing) {
    dest.dir = std::move(existing);
    dest.name = base_name(host_path);
  } else {
    dest.dir = open_in_root(root.get(), dir_name(container_path), O_PATH | O_DIRECTORY);
    dest.name = base_name(container_path);
  }
  if (dest.name.empty() || dest.name == "/" || dest.name == "..") {
    throw Error("cp: " + container_path + " does not name a file in the container", EINVAL);
  }
  UniqueFd dest_dir(::openat(dest.dir.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dest_dir) {
    throw_errno("open the destination dir in container " + id);
  }
  UniqueFd src_parent(::open(dir_name(host_path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!src_parent) {
    throw_errno("open " + dir_name(host_path));
  }
  copy_entry(src_parent.get(), base_name(host_path), dest_dir.get(), dest.name, host_path);
}

void ContainerManager::copy_out(const std::string& name_or_id, const std::string& container_path,
                                const std::string& host_path) {
  std::string id = resolve(name_or_id);
  auto rootfs = image::Rootfs::open(*options_.store, id);
  if (!rootfs.mounted()) {
    rootfs.mount();
  }
  UniqueFd root(::open(rootfs.merged().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) {
    throw_errno("open the rootfs of container " + id);
  }
  // The parent resolved inside the rootfs; the last component is then taken as it is (a
  // symlink is copied as a symlink, never followed out).
  UniqueFd src_parent_path = open_in_root(root.get(), dir_name(container_path), O_PATH | O_DIRECTORY);
  UniqueFd src_parent(::openat(src_parent_path.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!src_parent) {
    throw_errno("open " + dir_name(container_path) + " in container " + id);
  }
  std::string src_name = base_name(container_path);
  if (src_name == "/" || src_name.empty()) {
    src_name = ".";
  }
  struct stat st {};
  std::string dest_dir = dir_name(host_path);
  std::string dest_name = base_name(host_path);
  if (::stat(host_path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    dest_dir = host_path;
    dest_name = src_name == "." ? "rootfs" : src_name;
  }
  UniqueFd dest(::open(dest_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dest) {
    throw_errno("open " + dest_dir);
  }
  copy_entry(src_parent.get(), src_name, dest.get(), dest_name, id + ":" + container_path);
}

}  // namespace skiff::pod

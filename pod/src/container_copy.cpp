// `cp` into and out of a container, through its overlay rootfs: every path inside the container
// is resolved with open_in_root (RESOLVE_IN_ROOT), so "..", absolute symlinks and symlinks to
// ".." stay inside the rootfs, and the last component is never followed when written.

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
#include "tree_copy.h"

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
  copy_entry(src_parent.get(), base_name(host_path), dest_dir.get(), dest.name, host_path, Owners::caller);
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
  copy_entry(src_parent.get(), src_name, dest.get(), dest_name, id + ":" + container_path, Owners::caller);
}

}  // namespace skiff::pod

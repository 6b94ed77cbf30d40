// `cp` into and out of a container, through its overlay rootfs or, for a path at or below a
// volume's or bind mount's destination, through that mount's source (where the container sees
// the files): every path inside is resolved with open_in_root (RESOLVE_IN_ROOT), so "..",
// absolute symlinks and symlinks to ".." stay inside the rootfs or the mount, and the last
// component is never followed when written. A symlink of the rootfs that leads into a mount is
// resolved within the rootfs, under the mount.

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
#include "skiff/pod/volumes.h"
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

// The tree a path of the container lives in, and the path within that tree.
struct ContainerTree {
  UniqueFd root;
  std::string path;
  const ContainerMount* mount = nullptr;  // none: the rootfs
};

// The mount whose destination is path or holds it (the deepest one), else the rootfs.
ContainerTree tree_of(const image::Store& store, const std::string& id, const std::vector<ContainerMount>& mounts,
                      const std::string& container_path) {
  std::string clean = clean_path("/" + container_path);
  ContainerTree tree;
  tree.path = clean;
  std::string source;
  size_t matched = 0;
  for (const auto& m : mounts) {
    std::string dest = clean_path(m.destination);
    bool holds = clean == dest || (clean.starts_with(dest) && (dest == "/" || clean[dest.size()] == '/'));
    if (holds && dest.size() >= matched) {
      matched = dest.size();
      tree.mount = &m;
      tree.path = clean_path("/" + clean.substr(dest.size()));
    }
  }
  if (tree.mount != nullptr) {
    source =
        tree.mount->is_volume() ? VolumeStore(store.root()).info(tree.mount->source).mountpoint : tree.mount->source;
  } else {
    auto rootfs = image::Rootfs::open(store, id);
    if (!rootfs.mounted()) {
      rootfs.mount();
    }
    source = rootfs.merged();
  }
  tree.root.reset(::open(source.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!tree.root) {
    throw_errno("open " + source + " (where " + container_path + " of container " + id + " lives)");
  }
  return tree;
}

}  // namespace

void ContainerManager::copy_in(const std::string& name_or_id, const std::string& host_path,
                               const std::string& container_path) {
  std::string id = resolve(name_or_id);
  StandaloneRecord record = load_standalone_record(ContainerLayout{options_.state_root, id});
  ContainerTree tree = tree_of(*options_.store, id, record.spec.mounts, container_path);
  if (tree.mount != nullptr && tree.mount->readonly) {
    throw Error(
        "cp: " + container_path + " is on a read-only mount of container " + id + " (" + tree.mount->destination + ")",
        EROFS);
  }
  Destination dest;
  UniqueFd existing = [&] {
    try {
      return open_in_root(tree.root.get(), tree.path, O_PATH | O_DIRECTORY);
    } catch (const Error&) {
      return UniqueFd();
    }
  }();
  if (existing) {
    dest.dir = std::move(existing);
    dest.name = base_name(host_path);
  } else {
    dest.dir = open_in_root(tree.root.get(), dir_name(tree.path), O_PATH | O_DIRECTORY);
    dest.name = base_name(tree.path);
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
  StandaloneRecord record = load_standalone_record(ContainerLayout{options_.state_root, id});
  ContainerTree tree = tree_of(*options_.store, id, record.spec.mounts, container_path);
  // The parent resolved inside the rootfs or mount; the last component is then taken as it is
  // (a symlink is copied as a symlink, never followed out).
  UniqueFd src_parent_path = open_in_root(tree.root.get(), dir_name(tree.path), O_PATH | O_DIRECTORY);
  UniqueFd src_parent(::openat(src_parent_path.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!src_parent) {
    throw_errno("open " + dir_name(container_path) + " in container " + id);
  }
  std::string src_name = base_name(tree.path);
  if (src_name == "/" || src_name.empty()) {
    src_name = ".";
  }
  struct stat st {};
  std::string dest_dir = dir_name(host_path);
  std::string dest_name = base_name(host_path);
  if (::stat(host_path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    dest_dir = host_path;
    // A mount's whole tree keeps the name the container knows it by.
    std::string known_as = base_name(container_path);
    dest_name = src_name != "." ? src_name : tree.mount != nullptr && known_as != "/" ? known_as : "rootfs";
  }
  UniqueFd dest(::open(dest_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dest) {
    throw_errno("open " + dest_dir);
  }
  copy_entry(src_parent.get(), src_name, dest.get(), dest_name, id + ":" + container_path, Owners::caller);
}

}  // namespace skiff::pod

#include "skiff/runtime/rootfs.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/path.h"
#include "skiff/runtime/devices.h"
#include "skiff/runtime/mounts.h"

namespace skiff::runtime {

namespace {

void mask_path(int rootfd, const std::string& path, int null_fd) {
  UniqueFd target;
  try {
    // A symlink is followed (inside the root): masking the link would leave its target readable.
    target = open_in_root(rootfd, path, O_PATH);
  } catch (const Error& e) {
    if (e.code() == ENOENT) {
      return;
    }
    throw Error("maskedPaths: " + std::string(e.what()));
  }
  struct stat st {};
  if (::fstat(target.get(), &st) < 0) {
    throw_errno("maskedPaths: stat " + path);
  }
  std::string dst = fd_path(target.get());
  if (S_ISDIR(st.st_mode)) {
    if (::mount("tmpfs", dst.c_str(), "tmpfs", MS_RDONLY, "size=0k,nr_inodes=1") < 0) {
      throw_errno("maskedPaths: mount an empty read-only tmpfs over " + path);
    }
    return;
  }
  if (::mount(fd_path(null_fd).c_str(), dst.c_str(), nullptr, MS_BIND, nullptr) < 0) {
    throw_errno("maskedPaths: bind /dev/null over " + path);
  }
}

void readonly_path(int rootfd, const std::string& path) {
  UniqueFd target;
  try {
    target = open_in_root(rootfd, path, O_PATH);
  } catch (const Error& e) {
    if (e.code() == ENOENT) {
      return;
    }
    throw Error("readonlyPaths: " + std::string(e.what()));
  }
  if (::mount(fd_path(target.get()).c_str(), fd_path(target.get()).c_str(), nullptr, MS_BIND | MS_REC, nullptr) < 0) {
    throw_errno("readonlyPaths: bind " + path + " onto itself");
  }
  UniqueFd mounted = open_in_root(rootfd, path, O_PATH);
  remount_bind(mounted.get(), MS_RDONLY | MS_REC, "readonlyPaths: " + path);
}

// The container's /dev/null, checked to be the real null device before it masks anything: an
// image (or a mount) may have put something else there.
UniqueFd open_null(int rootfd) {
  UniqueFd null_fd;
  try {
    null_fd = open_in_root(rootfd, "/dev/null", O_PATH | O_NOFOLLOW);
  } catch (const Error& e) {
    throw Error("maskedPaths: the container has no /dev/null to mask with: " + std::string(e.what()));
  }
  struct stat st {};
  if (::fstat(null_fd.get(), &st) < 0) {
    throw_errno("maskedPaths: stat /dev/null");
  }
  if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != 1 || minor(st.st_rdev) != 3) {
    throw Error("maskedPaths: /dev/null in the container is not the null device (char 1:3); refusing to mask with it");
  }
  return null_fd;
}

void write_sysctls(const Spec& spec) {
  if (spec.linux.sysctl.empty()) {
    return;
  }
  UniqueFd sys(::open("/proc/sys", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!sys) {
    throw_errno("sysctl: open /proc/sys in the container");
  }
  struct statfs sfs {};
  if (::fstatfs(sys.get(), &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC) {
    throw Error("sysctl: /proc/sys in the container is not procfs; refusing to write to it");
  }
  for (const auto& [key, value] : spec.linux.sysctl) {
    std::string rel = key;
    for (char& c : rel) {
      if (c == '.') {
        c = '/';
      }
    }
    UniqueFd fd = open_in_root(sys.get(), rel, O_WRONLY | O_NOFOLLOW);
    try {
      write_all(fd.get(), value, "/proc/sys/" + rel);
    } catch (const Error& e) {
      throw Error("sysctl " + key + "=" + value + ": " + e.what());
    }
  }
}

}  // namespace

void prepare_rootfs(const Spec& spec, const RootfsContext& ctx) {
  unsigned long propagation = MS_SLAVE | MS_REC;
  if (!spec.linux.rootfs_propagation.empty()) {
    propagation = parse_propagation(spec.linux.rootfs_propagation, "linux.rootfsPropagation");
    // The host's mounts must not see ours: a shared rootfs is made shared later, on its own mount.
    if ((propagation & MS_SHARED) != 0) {
      propagation = MS_SLAVE | MS_REC;
    }
  }
  if (::mount(nullptr, "/", nullptr, propagation, nullptr) < 0) {
    throw_errno("make the container's mounts private to it (mount / with propagation)");
  }
  if (::mount(ctx.rootfs.c_str(), ctx.rootfs.c_str(), nullptr, MS_BIND | MS_REC, nullptr) < 0) {
    throw_errno("bind the rootfs " + ctx.rootfs + " onto itself");
  }
  UniqueFd root(::open(ctx.rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) {
    throw_errno("open the rootfs " + ctx.rootfs);
  }
  for (const auto& m : spec.mounts) {
    mount_in_root(root.get(), m, ctx);
  }
  if (ctx.before_devices) {
    ctx.before_devices();
  }
  create_devices(root.get(), spec.linux.devices, ctx.user_namespace);
}

void enter_rootfs(const std::string& rootfs, bool no_pivot) {
  if (::chdir(rootfs.c_str()) < 0) {
    throw_errno("chdir to the rootfs " + rootfs);
  }
  if (no_pivot) {
    if (::mount(rootfs.c_str(), "/", nullptr, MS_MOVE, nullptr) < 0) {
      throw_errno("move the rootfs " + rootfs + " to / (--no-pivot)");
    }
    if (::chroot(".") < 0) {
      throw_errno("chroot to the rootfs " + rootfs);
    }
  } else {
    UniqueFd old_root(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!old_root) {
      throw_errno("open the old root /");
    }
    // pivot_root(".", ".") stacks the old root on the new one; unmounting "." then drops it.
    if (::syscall(SYS_pivot_root, ".", ".") < 0) {
      throw_errno("pivot_root to " + rootfs);
    }
    // "." still names the new root's directory: the old root's own, as runc does, so that making
    // it a slave leaves the propagation of the container's mounts as the config set it.
    if (::fchdir(old_root.get()) < 0) {
      throw_errno("fchdir to the old root");
    }
    if (::mount(nullptr, ".", nullptr, MS_SLAVE | MS_REC, nullptr) < 0) {
      throw_errno("make the old root a slave before unmounting it");
    }
    if (::umount2(".", MNT_DETACH) < 0) {
      throw_errno("unmount the old root");
    }
  }
  if (::chdir("/") < 0) {
    throw_errno("chdir / in the container");
  }
}

void finish_rootfs(const Spec& spec) {
  if (!spec.linux.rootfs_propagation.empty()) {
    unsigned long propagation = parse_propagation(spec.linux.rootfs_propagation, "linux.rootfsPropagation");
    if (::mount(nullptr, "/", nullptr, propagation, nullptr) < 0) {
      throw_errno("linux.rootfsPropagation: set " + spec.linux.rootfs_propagation + " on /");
    }
  }
  UniqueFd root(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) {
    throw_errno("open / in the container");
  }
  write_sysctls(spec);
  if (!spec.linux.masked_paths.empty()) {
    UniqueFd null_fd = open_null(root.get());
    for (const auto& path : spec.linux.masked_paths) {
      mask_path(root.get(), path, null_fd.get());
    }
  }
  for (const auto& path : spec.linux.readonly_paths) {
    readonly_path(root.get(), path);
  }
  if (spec.root_readonly) {
    if (::mount(nullptr, "/", nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) < 0) {
      UniqueFd self(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
      remount_bind(self.get(), MS_RDONLY, "root.readonly: remount / read-only");
    }
  }
}

}  // namespace skiff::runtime

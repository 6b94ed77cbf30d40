#include "skiff/runtime/mounts.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "skiff/base/error.h"
#include "skiff/base/path.h"
#include "skiff/base/strings.h"
#include "skiff/cgroups/manager.h"

namespace skiff::runtime {

namespace {

#ifndef MQUEUE_MAGIC
#define MQUEUE_MAGIC 0x19800202
#endif

std::string describe(const Mount& m) {
  return "mount " + (m.type.empty() ? std::string("bind") : m.type) + " " + m.source + " at " + m.destination;
}

void do_mount(const std::string& source, int target_fd, const char* type, unsigned long flags, const std::string& data,
              const std::string& what) {
  std::string target = fd_path(target_fd);
  if (::mount(source.empty() ? nullptr : source.c_str(), target.c_str(), type, flags,
              data.empty() ? nullptr : data.c_str()) < 0) {
    throw_errno(what);
  }
}

bool is_symlink(int fd) {
  struct stat st {};
  return ::fstat(fd, &st) == 0 && S_ISLNK(st.st_mode);
}

// Magic numbers of what a non-bind mount must show once mounted.
long expected_magic(const std::string& type) {
  if (type == "proc") {
    return PROC_SUPER_MAGIC;
  }
  if (type == "sysfs") {
    return SYSFS_MAGIC;
  }
  if (type == "tmpfs") {
    return TMPFS_MAGIC;
  }
  if (type == "devpts") {
    return DEVPTS_SUPER_MAGIC;
  }
  if (type == "mqueue") {
    return MQUEUE_MAGIC;
  }
  if (type == "cgroup2") {
    return CGROUP2_SUPER_MAGIC;
  }
  return 0;
}

// Re-resolves the destination after mounting: the fd taken before the mount points below it.
UniqueFd reopen_destination(int rootfd, const Mount& m) {
  return open_in_root(rootfd, m.destination, O_PATH);
}

void verify_mounted(int rootfd, const Mount& m, const struct stat* bind_source) {
  UniqueFd fd = reopen_destination(rootfd, m);
  if (bind_source != nullptr) {
    struct stat st {};
    if (::fstat(fd.get(), &st) < 0) {
      throw_errno(describe(m) + ": stat after mounting");
    }
    if (st.st_dev != bind_source->st_dev || st.st_ino != bind_source->st_ino) {
      throw Error(describe(m) + ": the destination does not show the source after mounting");
    }
    return;
  }
  long magic = expected_magic(m.type);
  if (magic == 0) {
    return;
  }
  struct statfs sfs {};
  if (::fstatfs(fd.get(), &sfs) < 0) {
    throw_errno(describe(m) + ": statfs after mounting");
  }
  if (sfs.f_type != magic) {
    throw Error(describe(m) + ": the destination is not a " + m.type + " mount after mounting");
  }
}

void apply_propagation_and_attrs(int fd, const Mount& m) {
  for (unsigned long prop : m.options.propagation) {
    if (::mount(nullptr, fd_path(fd).c_str(), nullptr, prop, nullptr) < 0) {
      throw_errno(describe(m) + ": set propagation");
    }
  }
  if (m.options.attr_set != 0 || m.options.attr_clr != 0) {
    mount_attr attr{};
    attr.attr_set = m.options.attr_set;
    attr.attr_clr = m.options.attr_clr;
    if (::syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0) {
      throw_errno(describe(m) + ": set recursive mount attributes");
    }
  }
}

void mount_bind(int rootfd, const Mount& m, const RootfsContext& ctx) {
  std::string source = m.source.front() == '/' ? m.source : ctx.bundle + "/" + m.source;
  UniqueFd src(::open(source.c_str(), O_PATH | O_CLOEXEC));
  if (!src) {
    throw_errno(describe(m) + ": open source " + source);
  }
  struct stat st {};
  if (::fstat(src.get(), &st) < 0) {
    throw_errno(describe(m) + ": stat source " + source);
  }
  UniqueFd dst = ensure_in_root(rootfd, m.destination, S_ISDIR(st.st_mode), S_ISDIR(st.st_mode) ? 0755 : 0644);
  unsigned long flags = MS_BIND | (m.options.recursive_bind ? MS_REC : 0);
  do_mount(fd_path(src.get()), dst.get(), nullptr, flags, "", describe(m));
  verify_mounted(rootfd, m, &st);
  UniqueFd mounted = reopen_destination(rootfd, m);
  unsigned long remount = m.options.flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME |
                                             MS_RELATIME | MS_STRICTATIME);
  if (remount != 0) {
    remount_bind(mounted.get(), remount, describe(m));
  }
  apply_propagation_and_attrs(mounted.get(), m);
}

// The manager's key for a directory under /sys/fs/cgroup: "cpu,cpuacct" is known by its first
// controller, "systemd" is the named hierarchy "name=systemd".
std::string hierarchy_key(const std::string& dir_name) {
  if (dir_name == "systemd") {
    return "name=systemd";
  }
  return dir_name.substr(0, dir_name.find(','));
}

void mount_cgroup_v1(int rootfd, const Mount& m, const RootfsContext& ctx, unsigned long flags) {
  UniqueFd dst = mkdir_all_in_root(rootfd, m.destination, 0755);
  do_mount("tmpfs", dst.get(), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755", describe(m));
  UniqueFd dir = reopen_destination(rootfd, m);
  DIR* hosts = ::opendir("/sys/fs/cgroup");
  if (hosts == nullptr) {
    throw_errno(describe(m) + ": list /sys/fs/cgroup");
  }
  std::vector<std::pair<std::string, std::string>> links;
  std::vector<std::string> hierarchies;
  while (dirent* ent = ::readdir(hosts)) {
    std::string name = ent->d_name;
    if (name == "." || name == "..") {
      continue;
    }
    if (ent->d_type == DT_LNK) {
      char target[256];
      ssize_t n = ::readlink(("/sys/fs/cgroup/" + name).c_str(), target, sizeof target - 1);
      if (n > 0) {
        links.emplace_back(name, std::string(target, static_cast<size_t>(n)));
      }
    } else if (ent->d_type == DT_DIR) {
      hierarchies.push_back(name);
    }
  }
  ::closedir(hosts);
  std::string inside = m.destination;
  for (const auto& name : hierarchies) {
    std::string source =
        ctx.cgroup != nullptr && ctx.cgroup->enabled() ? ctx.cgroup->directory(hierarchy_key(name)) : "";
    if (source.empty()) {
      // No cgroup of the container here (rootless, or a hierarchy the manager does not use).
      source = "/sys/fs/cgroup/" + name;
    }
    Mount sub = m;
    sub.destination = inside + "/" + name;
    UniqueFd src(::open(source.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!src) {
      throw_errno(describe(sub) + ": open " + source);
    }
    // Made in the tmpfs just mounted, not by a walk from the container's root for each hierarchy.
    UniqueFd target = mkdir_all_in_root(dir.get(), name, 0755);
    do_mount(fd_path(src.get()), target.get(), nullptr, MS_BIND | MS_REC, "", describe(sub));
    UniqueFd mounted = reopen_destination(rootfd, sub);
    remount_bind(mounted.get(),
                 (flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)) | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                 describe(sub));
  }
  for (const auto& [name, target] : links) {
    if (::symlinkat(target.c_str(), dir.get(), name.c_str()) < 0 && errno != EEXIST) {
      throw_errno(describe(m) + ": symlink " + name + " -> " + target);
    }
  }
  if ((flags & MS_RDONLY) != 0) {
    UniqueFd top = reopen_destination(rootfd, m);
    if (::mount(nullptr, fd_path(top.get()).c_str(), nullptr, MS_REMOUNT | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY,
                "mode=755") < 0) {
      throw_errno(describe(m) + ": remount read-only");
    }
  }
}

void mount_cgroup(int rootfd, const Mount& m, const RootfsContext& ctx) {
  unsigned long flags = m.options.flags;
  if (cgroups::detect_mode() != cgroups::Mode::v2) {
    mount_cgroup_v1(rootfd, m, ctx, flags);
    return;
  }
  UniqueFd dst = mkdir_all_in_root(rootfd, m.destination, 0755);
  if (ctx.cgroup_namespace) {
    try {
      do_mount("cgroup2", dst.get(), "cgroup2", flags, m.options.data, describe(m));
      return;
    } catch (const Error& e) {
      // A user namespace may be refused a cgroup2 mount (EPERM), or meet the host's locked
      // /sys/fs/cgroup under a bound /sys (EBUSY): bind the container's cgroup instead, which
      // shows the same tree. runc does the same.
      if (e.code() != EPERM && e.code() != EBUSY) {
        throw;
      }
    }
  }
  std::string source = ctx.cgroup != nullptr && ctx.cgroup->enabled() ? ctx.cgroup->directory("unified") : "";
  if (source.empty()) {
    source = "/sys/fs/cgroup";
  }
  UniqueFd src(::open(source.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!src) {
    throw_errno(describe(m) + ": open " + source);
  }
  do_mount(fd_path(src.get()), dst.get(), nullptr, MS_BIND | MS_REC, "", describe(m));
  UniqueFd mounted = reopen_destination(rootfd, m);
  remount_bind(mounted.get(), flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC), describe(m));
}

// A user namespace that does not own the network namespace cannot mount sysfs, and mqueue
// needs its ipc namespace: fall back to binding the host's, as runc does for rootless.
void mount_with_bind_fallback(int rootfd, const Mount& m, const RootfsContext& ctx, const std::string& host_path) {
  UniqueFd dst = mkdir_all_in_root(rootfd, m.destination, 0755);
  std::string target = fd_path(dst.get());
  if (::mount(m.source.c_str(), target.c_str(), m.type.c_str(), m.options.flags,
              m.options.data.empty() ? nullptr : m.options.data.c_str()) == 0) {
    verify_mounted(rootfd, m, nullptr);
    return;
  }
  int err = errno;
  if (!ctx.user_namespace || (err != EPERM && err != EACCES)) {
    throw_errno(err, describe(m));
  }
  Mount bind = m;
  bind.type = "bind";
  bind.source = host_path;
  bind.options.bind = true;
  bind.options.recursive_bind = true;
  bind.options.data.clear();
  mount_bind(rootfd, bind, ctx);
}

// devpts refuses (EINVAL) a gid= that the user namespace does not map, as gid=5 of the
// default config is under a rootless single mapping: mount again without it, as crun does (the
// ptys then belong to the opener's group).
void mount_devpts_in_user_namespace(int rootfd, const Mount& m) {
  UniqueFd dst = mkdir_all_in_root(rootfd, m.destination, 0755);
  std::string target = fd_path(dst.get());
  std::string source = m.source.empty() ? m.type : m.source;
  auto try_mount = [&](const std::string& data) {
    return ::mount(source.c_str(), target.c_str(), "devpts", m.options.flags, data.empty() ? nullptr : data.c_str());
  };
  if (try_mount(m.options.data) < 0) {
    int err = errno;
    std::string without_gid;
    for (const auto& option : split(m.options.data, ',')) {
      if (option.rfind("gid=", 0) != 0) {
        without_gid += (without_gid.empty() ? "" : ",") + option;
      }
    }
    if (err != EINVAL || without_gid == m.options.data) {
      throw_errno(err, describe(m));
    }
    if (try_mount(without_gid) < 0) {
      throw_errno(describe(m) + " (also without gid=, which this user namespace does not map)");
    }
  }
  verify_mounted(rootfd, m, nullptr);
}

}  // namespace

void remount_bind(int fd, unsigned long flags, const std::string& what) {
  std::string target = fd_path(fd);
  if (::mount(nullptr, target.c_str(), nullptr, MS_REMOUNT | MS_BIND | flags, nullptr) == 0) {
    return;
  }
  int err = errno;
  if (err != EPERM) {
    throw_errno(err, what + ": remount with its options");
  }
  // Locked flags of the source must be kept, or the kernel refuses the remount.
  struct statvfs sv {};
  if (::fstatvfs(fd, &sv) < 0) {
    throw_errno(what + ": statvfs");
  }
  unsigned long locked = 0;
  locked |= (sv.f_flag & ST_NOSUID) != 0 ? MS_NOSUID : 0;
  locked |= (sv.f_flag & ST_NODEV) != 0 ? MS_NODEV : 0;
  locked |= (sv.f_flag & ST_NOEXEC) != 0 ? MS_NOEXEC : 0;
  locked |= (sv.f_flag & ST_RDONLY) != 0 ? MS_RDONLY : 0;
  locked |= (sv.f_flag & ST_NOATIME) != 0 ? MS_NOATIME : 0;
  locked |= (sv.f_flag & ST_NODIRATIME) != 0 ? MS_NODIRATIME : 0;
  locked |= (sv.f_flag & ST_RELATIME) != 0 ? MS_RELATIME : 0;
  if (::mount(nullptr, target.c_str(), nullptr, MS_REMOUNT | MS_BIND | flags | locked, nullptr) < 0) {
    throw_errno(what + ": remount with its options");
  }
}

void mount_in_root(int rootfd, const Mount& m, const RootfsContext& ctx) {
  if (m.options.bind) {
    mount_bind(rootfd, m, ctx);
    return;
  }
  if (m.type == "cgroup" || m.type == "cgroup2") {
    mount_cgroup(rootfd, m, ctx);
    return;
  }
  if (m.type == "proc" || m.type == "sysfs") {
    // CVE-2019-19921: a symlinked /proc would make later writes to "/proc/..." land elsewhere.
    try {
      UniqueFd existing = open_in_root(rootfd, m.destination, O_PATH | O_NOFOLLOW);
      if (is_symlink(existing.get())) {
        throw Error(describe(m) + ": the destination is a symlink; " + m.type + " must be mounted on a directory");
      }
      struct stat st {};
      if (::fstat(existing.get(), &st) == 0 && !S_ISDIR(st.st_mode)) {
        throw Error(describe(m) + ": the destination is not a directory");
      }
    } catch (const Error& e) {
      if (e.code() != ENOENT) {
        throw;
      }
    }
  }
  if (m.type == "sysfs") {
    mount_with_bind_fallback(rootfd, m, ctx, "/sys");
  } else if (m.type == "mqueue") {
    mount_with_bind_fallback(rootfd, m, ctx, "/dev/mqueue");
  } else if (m.type == "devpts" && ctx.user_namespace) {
    mount_devpts_in_user_namespace(rootfd, m);
  } else {
    UniqueFd dst = mkdir_all_in_root(rootfd, m.destination, 0755);
    std::string source = m.source.empty() ? m.type : m.source;
    do_mount(source, dst.get(), m.type.c_str(), m.options.flags, m.options.data, describe(m));
    verify_mounted(rootfd, m, nullptr);
  }
  if (!m.options.propagation.empty() || m.options.attr_set != 0 || m.options.attr_clr != 0) {
    UniqueFd mounted = reopen_destination(rootfd, m);
    apply_propagation_and_attrs(mounted.get(), m);
  }
}

}  // namespace skiff::runtime

#include "skiff/runtime/devices.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "skiff/base/error.h"
#include "skiff/base/path.h"

namespace skiff::runtime {

namespace {

Device make(const char* path, int64_t major, int64_t minor) {
  Device d;
  d.path = path;
  d.type = 'c';
  d.major = major;
  d.minor = minor;
  d.file_mode = 0666;
  d.uid = 0;
  d.gid = 0;
  return d;
}

mode_t type_bits(char type) {
  switch (type) {
    case 'b':
      return S_IFBLK;
    case 'p':
      return S_IFIFO;
    default:
      return S_IFCHR;
  }
}

void split(const std::string& path, std::string& parent, std::string& name) {
  std::string cleaned = clean_path(path);
  size_t slash = cleaned.rfind('/');
  parent = cleaned.substr(0, slash);
  name = cleaned.substr(slash + 1);
}

void bind_device(int rootfd, const Device& d) {
  UniqueFd source(::open(d.path.c_str(), O_PATH | O_CLOEXEC));
  if (!source) {
    throw_errno("device " + d.path + ": open the host's node to bind it");
  }
  UniqueFd target = ensure_in_root(rootfd, d.path, false, 0600);
  if (::mount(fd_path(source.get()).c_str(), fd_path(target.get()).c_str(), nullptr, MS_BIND, nullptr) < 0) {
    throw_errno("device " + d.path + ": bind the host's node");
  }
}

void mknod_device(int rootfd, const Device& d) {
  std::string parent;
  std::string name;
  split(d.path, parent, name);
  mkdir_all_in_root(rootfd, parent, 0755);
  UniqueFd dir = open_in_root(rootfd, parent, O_RDONLY | O_DIRECTORY);
  mode_t mode = d.file_mode.value_or(0666) | type_bits(d.type);
  dev_t dev = d.type == 'p' ? 0 : makedev(static_cast<unsigned>(d.major), static_cast<unsigned>(d.minor));
  // A node the image shipped at this path is replaced: it may be anything.
  if (::unlinkat(dir.get(), name.c_str(), 0) < 0 && errno != ENOENT) {
    if (errno == EBUSY) {
      throw Error("device " + d.path + ": a mount covers it (from config.json's mounts?), so the device cannot be made",
                  EBUSY);
    }
    throw_errno("device " + d.path + ": remove what is there");
  }
  if (::mknodat(dir.get(), name.c_str(), mode, dev) < 0) {
    throw_errno("device " + d.path + ": mknod");
  }
  if (::fchmodat(dir.get(), name.c_str(), d.file_mode.value_or(0666), 0) < 0) {
    throw_errno("device " + d.path + ": chmod");
  }
  if (::fchownat(dir.get(), name.c_str(), d.uid.value_or(0), d.gid.value_or(0), AT_SYMLINK_NOFOLLOW) < 0) {
    throw_errno("device " + d.path + ": chown");
  }
}

}  // namespace

const std::vector<Device>& default_devices() {
  static const std::vector<Device> devices{
      make("/dev/null", 1, 3),   make("/dev/zero", 1, 5),    make("/dev/full", 1, 7),
      make("/dev/random", 1, 8), make("/dev/urandom", 1, 9), make("/dev/tty", 5, 0),
  };
  return devices;
}

void create_devices(int rootfd, const std::vector<Device>& devices, bool bind_from_host) {
  std::vector<Device> all = default_devices();
  for (const auto& d : devices) {
    bool replaced = false;
    for (auto& existing : all) {
      if (clean_path(existing.path) == clean_path(d.path)) {
        existing = d;
        replaced = true;
      }
    }
    if (!replaced) {
      all.push_back(d);
    }
  }
  for (const auto& d : all) {
    if (bind_from_host) {
      bind_device(rootfd, d);
    } else {
      mknod_device(rootfd, d);
    }
  }
  UniqueFd dev = mkdir_all_in_root(rootfd, "/dev", 0755);
  const std::pair<const char*, const char*> links[] = {
      {"/proc/self/fd", "fd"},       {"/proc/self/fd/0", "stdin"}, {"/proc/self/fd/1", "stdout"},
      {"/proc/self/fd/2", "stderr"}, {"pts/ptmx", "ptmx"},
  };
  for (const auto& [target, name] : links) {
    if (std::string(name) == "ptmx") {
      // The image's /dev/ptmx (often a node of the host's devpts) must not shadow our own.
      ::unlinkat(dev.get(), name, 0);
    }
    if (::symlinkat(target, dev.get(), name) < 0 && errno != EEXIST) {
      throw_errno(std::string("symlink /dev/") + name + " -> " + target);
    }
  }
}

}  // namespace skiff::runtime

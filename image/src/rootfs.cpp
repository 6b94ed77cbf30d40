#include "skiff/image/rootfs.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/json.h"
#include "skiff/base/path.h"
#include "store_records.h"

namespace skiff::image {

namespace {

// The lower dirs, top layer first, as overlayfs wants them.
std::vector<std::string> lower_dirs(const Store& store, const ContainerRecord& record) {
  std::vector<std::string> dirs;
  for (auto it = record.layers.rbegin(); it != record.layers.rend(); ++it) {
    dirs.push_back(store.layer_dir(*it));
  }
  return dirs;
}

// What the kernel logged on an fs context (fsconfig's reasons for EINVAL), one message a line.
std::string context_log(int fs_fd) {
  std::string log;
  std::array<char, 1024> buffer{};
  for (;;) {
    ssize_t n = ::read(fs_fd, buffer.data(), buffer.size());
    if (n <= 0) {
      return log;
    }
    log += (log.empty() ? "" : "; ") + std::string(buffer.data(), n);
  }
}

[[noreturn]] void throw_fs_error(int fs_fd, int err, const std::string& context) {
  auto log = context_log(fs_fd);
  throw_errno(err, context + (log.empty() ? "" : " (" + log + ")"));
}

void set_string(int fs_fd, const char* key, const std::string& value, const std::string& what) {
  if (::fsconfig(fs_fd, FSCONFIG_SET_STRING, key, value.c_str(), 0) < 0) {
    throw_fs_error(fs_fd, errno, what + ": overlay " + key + "=" + value);
  }
}

// fsopen/fsconfig with one "lowerdir+" per layer; false when the kernel has no "lowerdir+"
// (before 6.8), before anything was mounted.
bool mount_with_fsconfig(const Store& store, const std::string& dir, const std::vector<std::string>& lowers,
                         bool transient, const std::string& what) {
  UniqueFd fs(::fsopen("overlay", FSOPEN_CLOEXEC));
  if (!fs) {
    if (errno == ENOSYS) {
      return false;
    }
    throw_errno(what + ": fsopen overlay");
  }
  for (size_t i = 0; i < lowers.size(); ++i) {
    if (::fsconfig(fs.get(), FSCONFIG_SET_STRING, "lowerdir+", lowers[i].c_str(), 0) < 0) {
      int err = errno;
      auto log = context_log(fs.get());
      if (i == 0 && err == EINVAL && log.find("lowerdir+") != std::string::npos) {
        return false;
      }
      throw_errno(err, what + ": overlay lowerdir+=" + lowers[i] + (log.empty() ? "" : " (" + log + ")"));
    }
  }
  set_string(fs.get(), "upperdir", dir + "/upper", what);
  set_string(fs.get(), "workdir", dir + "/work", what);
  if (store.rootless() && ::fsconfig(fs.get(), FSCONFIG_SET_FLAG, "userxattr", nullptr, 0) < 0) {
    throw_fs_error(fs.get(), errno, what + ": overlay userxattr");
  }
  if (transient && ::fsconfig(fs.get(), FSCONFIG_SET_FLAG, "volatile", nullptr, 0) < 0) {
    throw_fs_error(fs.get(), errno, what + ": overlay volatile");
  }
  if (::fsconfig(fs.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) < 0) {
    throw_fs_error(fs.get(), errno, what + ": create the overlay");
  }
  UniqueFd mnt(::fsmount(fs.get(), FSMOUNT_CLOEXEC, 0));
  if (!mnt) {
    throw_fs_error(fs.get(), errno, what + ": fsmount overlay");
  }
  auto merged = dir + "/merged";
  if (::move_mount(mnt.get(), "", AT_FDCWD, merged.c_str(), MOVE_MOUNT_F_EMPTY_PATH) < 0) {
    throw_errno(what + ": move the overlay mount to " + merged);
  }
  return true;
}

UniqueFd open_path(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!fd) {
    throw_errno("open " + path);
  }
  return fd;
}

// mount(2) naming every dir by a /proc/self/fd link: short paths without a chdir.
void mount_legacy(const Store& store, const std::string& dir, const std::vector<std::string>& lowers, bool transient,
                  const std::string& what) {
  std::vector<UniqueFd> fds;
  std::string data = "lowerdir=";
  for (size_t i = 0; i < lowers.size(); ++i) {
    fds.push_back(open_path(lowers[i]));
    data += (i == 0 ? "" : ":") + fd_path(fds.back().get());
  }
  fds.push_back(open_path(dir + "/upper"));
  data += ",upperdir=" + fd_path(fds.back().get());
  fds.push_back(open_path(dir + "/work"));
  data += ",workdir=" + fd_path(fds.back().get());
  if (store.rootless()) {
    data += ",userxattr";
  }
  if (transient) {
    data += ",volatile";
  }
  if (data.size() >= static_cast<size_t>(::sysconf(_SC_PAGESIZE))) {
    throw Error(what + ": " + std::to_string(lowers.size()) +
                " layers are too many for mount(2)'s one page of options, and the kernel has no lowerdir+");
  }
  auto merged = dir + "/merged";
  if (::mount("overlay", merged.c_str(), "overlay", 0, data.c_str()) < 0) {
    throw_errno(what + ": mount overlay at " + merged);
  }
}

}  // namespace

Rootfs::Rootfs(const Store& store, ContainerRecord record)
    : store_(&store), record_(std::move(record)), dir_(store.container_dir(record_.id)) {}

Rootfs Rootfs::create(const Store& store, std::string_view id, std::string_view image_name_or_id,
                      Durability durability) {
  Rootfs rootfs(store, store.register_container(id, image_name_or_id, durability == Durability::synced));
  try {
    for (const char* sub : {"/upper", "/work", "/merged"}) {
      auto path = rootfs.dir_ + sub;
      check(::mkdir(path.c_str(), 0755), "mkdir " + path);
    }
  } catch (...) {
    store.unregister_container(id);
    throw;
  }
  return rootfs;
}

Rootfs Rootfs::open(const Store& store, std::string_view id) {
  auto path = store.container_dir(id) + "/container.json";
  if (!path_exists(path)) {
    throw Error("container " + std::string(id) + " has no rootfs in store " + store.root());
  }
  return Rootfs(store, store_detail::container_from_json(json::parse_file(path), path));
}

void Rootfs::mount(OverlayApi api, Durability durability) const {
  auto what = "rootfs of container " + record_.id;
  if (mounted()) {
    throw Error(what + ": already mounted at " + merged());
  }
  auto lowers = lower_dirs(*store_, record_);
  if (lowers.empty()) {
    throw Error(what + ": its image has no layers");
  }
  // A volatile mount leaves this marker, and overlay refuses any later mount while it is there
  // (the upper was never synced). Only transient containers are mounted so, and what they wrote
  // is theirs alone to lose: their next mount goes ahead.
  std::string marker = dir_ + "/work/work/incompat/volatile";
  if (path_exists(marker)) {
    remove_all(marker);
  }
  bool transient = durability == Durability::transient;
  if (api == OverlayApi::automatic && mount_with_fsconfig(*store_, dir_, lowers, transient, what)) {
    return;
  }
  mount_legacy(*store_, dir_, lowers, transient, what);
}

bool Rootfs::mounted() const {
  struct stat merged_st {};
  struct stat dir_st {};
  auto path = merged();
  if (::stat(path.c_str(), &merged_st) < 0 || ::stat(dir_.c_str(), &dir_st) < 0) {
    return false;
  }
  return merged_st.st_dev != dir_st.st_dev;
}

void Rootfs::unmount() const {
  auto path = merged();
  while (mounted()) {
    if (::umount2(path.c_str(), MNT_DETACH) < 0) {
      throw_errno("unmount the rootfs of container " + record_.id + " at " + path);
    }
  }
}

void Rootfs::remove() const {
  unmount();
  store_->unregister_container(record_.id);
}

}  // namespace skiff::image

#include "skiff/runtime/state.h"

#include <dirent.h>
#include <fcntl.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/json.h"
#include "skiff/cgroups/manager.h"

namespace skiff::runtime {

namespace json = skiff::json;

std::string_view status_name(Status status) {
  switch (status) {
    case Status::creating:
      return "creating";
    case Status::created:
      return "created";
    case Status::running:
      return "running";
    case Status::stopped:
      return "stopped";
    case Status::paused:
      return "paused";
  }
  return "unknown";
}

boost::json::object oci_state(const ContainerState& state, Status status) {
  boost::json::object out;
  out["ociVersion"] = "1.2.0";
  out["id"] = state.id;
  out["status"] = status_name(status);
  if (status != Status::stopped) {
    out["pid"] = state.pid;
  }
  out["bundle"] = state.bundle;
  out["rootfs"] = state.rootfs;
  out["created"] = state.created;
  out["owner"] = state.owner;
  boost::json::object annotations;
  for (const auto& [k, v] : state.annotations) {
    annotations[k] = v;
  }
  out["annotations"] = std::move(annotations);
  return out;
}

StateRoot::StateRoot(std::string path) : path_(std::move(path)) {}

std::string StateRoot::default_path() {
  if (::geteuid() == 0) {
    return "/run/skiff";
  }
  const char* xdg = ::getenv("XDG_RUNTIME_DIR");
  if (xdg != nullptr && *xdg != '\0') {
    return std::string(xdg) + "/skiff";
  }
  return "/tmp/skiff-" + std::to_string(::geteuid());
}

std::string StateRoot::container_dir(const std::string& id) const {
  return path_ + "/" + id;
}

std::vector<std::string> StateRoot::list() const {
  std::vector<std::string> ids;
  DIR* dir = ::opendir(path_.c_str());
  if (dir == nullptr) {
    if (errno == ENOENT) {
      return ids;
    }
    throw_errno("open state root " + path_);
  }
  while (dirent* ent = ::readdir(dir)) {
    std::string name = ent->d_name;
    if (name == "." || name == ".." || name.front() == '.') {
      continue;
    }
    if (path_exists(path_ + "/" + name + "/state.json")) {
      ids.push_back(name);
    }
  }
  ::closedir(dir);
  std::sort(ids.begin(), ids.end());
  return ids;
}

bool StateRoot::exists(const std::string& id) const {
  return path_exists(container_dir(id) + "/state.json");
}

void validate_container_id(const std::string& id) {
  if (id.empty()) {
    throw Error("container id must not be empty");
  }
  if (id == "." || id == ".." || id.size() > 1024) {
    throw Error("invalid container id \"" + id + "\"");
  }
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '+' ||
              c == '-' || c == '.';
    if (!ok) {
      throw Error("invalid container id \"" + id + "\": only letters, digits, '_', '+', '-' and '.' are allowed");
    }
  }
}

namespace {

UniqueFd lock_dir(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) {
    throw_errno("open " + path);
  }
  if (::flock(fd.get(), LOCK_EX) < 0) {
    throw_errno("lock " + path);
  }
  return fd;
}

}  // namespace

ContainerDir ContainerDir::create(const StateRoot& root, const std::string& id) {
  validate_container_id(id);
  mkdir_all(root.path(), 0711);
  std::string path = root.container_dir(id);
  if (::mkdir(path.c_str(), 0711) < 0) {
    if (errno == EEXIST) {
      throw Error("container \"" + id + "\" already exists");
    }
    throw_errno("mkdir " + path);
  }
  try {
    return ContainerDir(path, id, lock_dir(path));
  } catch (...) {
    ::rmdir(path.c_str());
    throw;
  }
}

ContainerDir ContainerDir::open(const StateRoot& root, const std::string& id, Lock lock) {
  validate_container_id(id);
  std::string path = root.container_dir(id);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) {
      throw Error("container \"" + id + "\" does not exist");
    }
    throw_errno("open " + path);
  }
  if (lock == Lock::exclusive && ::flock(fd.get(), LOCK_EX) < 0) {
    throw_errno("lock " + path);
  }
  if (::faccessat(fd.get(), "state.json", F_OK, 0) < 0) {
    throw Error("container \"" + id + "\" does not exist");
  }
  return ContainerDir(path, id, std::move(fd));
}

ContainerState ContainerDir::load_state() const {
  auto doc = json::parse(read_file_at(fd(), "state.json"), path_ + "/state.json");
  const auto& obj = json::as_object(doc, "state");
  ContainerState s;
  s.id = json::as_string(obj.at("id"), "id");
  s.pid = static_cast<pid_t>(json::as_int64(obj.at("pid"), "pid"));
  s.pid_start_time = json::as_uint64(obj.at("pidStartTime"), "pidStartTime");
  s.bundle = json::as_string(obj.at("bundle"), "bundle");
  s.rootfs = json::as_string(obj.at("rootfs"), "rootfs");
  s.created = json::as_string(obj.at("created"), "created");
  s.owner = json::as_string(obj.at("owner"), "owner");
  for (const auto& kv : json::as_object(obj.at("annotations"), "annotations")) {
    s.annotations[std::string(kv.key())] = json::as_string(kv.value(), kv.key());
  }
  s.cgroup = obj.at("cgroup");
  s.rootless = json::as_bool(obj.at("rootless"), "rootless");
  s.own_pid_namespace = json::as_bool(obj.at("ownPidNamespace"), "ownPidNamespace");
  s.systemd_cgroup = json::as_bool(obj.at("systemdCgroup"), "systemdCgroup");
  return s;
}

void ContainerDir::save_state(const ContainerState& s) const {
  boost::json::object obj;
  obj["id"] = s.id;
  obj["pid"] = s.pid;
  obj["pidStartTime"] = s.pid_start_time;
  obj["bundle"] = s.bundle;
  obj["rootfs"] = s.rootfs;
  obj["created"] = s.created;
  obj["owner"] = s.owner;
  boost::json::object annotations;
  for (const auto& [k, v] : s.annotations) {
    annotations[k] = v;
  }
  obj["annotations"] = std::move(annotations);
  obj["cgroup"] = s.cgroup;
  obj["rootless"] = s.rootless;
  obj["ownPidNamespace"] = s.own_pid_namespace;
  obj["systemdCgroup"] = s.systemd_cgroup;
  write_file_atomic(path_ + "/state.json", boost::json::serialize(obj), 0600, false);
}

boost::json::value ContainerDir::load_config() const {
  return json::parse(read_file_at(fd(), "config.json"), path_ + "/config.json");
}

void ContainerDir::save_config(const std::string& text) const {
  write_file_atomic(path_ + "/config.json", text, 0600, false);
}

std::string ContainerDir::fifo_path() const {
  return path_ + "/exec.fifo";
}

bool ContainerDir::has_fifo() const {
  return ::faccessat(fd(), "exec.fifo", F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

void ContainerDir::remove() {
  fd_.reset();
  remove_all(path_);
}

uint64_t process_start_time(pid_t pid) {
  std::string stat;
  try {
    stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  } catch (const Error&) {
    return 0;
  }
  // The command name may hold spaces and parentheses: fields start after the last ')'.
  size_t close = stat.rfind(')');
  if (close == std::string::npos) {
    return 0;
  }
  std::vector<std::string> fields;
  size_t pos = close + 2;
  while (pos < stat.size()) {
    size_t next = stat.find(' ', pos);
    if (next == std::string::npos) {
      next = stat.size();
    }
    fields.push_back(stat.substr(pos, next - pos));
    pos = next + 1;
  }
  // fields[0] is field 3 (state); field 22 is fields[19].
  if (fields.size() < 20 || fields[0] == "Z" || fields[0] == "X") {
    return 0;
  }
  return std::stoull(fields[19]);
}

Status container_status(const ContainerDir& dir, const ContainerState& state) {
  if (state.pid <= 0 || process_start_time(state.pid) != state.pid_start_time) {
    return Status::stopped;
  }
  if (dir.has_fifo()) {
    return Status::created;
  }
  auto manager = cgroups::load_manager(state.cgroup);
  if (manager->enabled() && manager->frozen()) {
    return Status::paused;
  }
  return Status::running;
}

}  // namespace skiff::runtime

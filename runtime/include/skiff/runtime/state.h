#pragma once

#include <sys/types.h>

#include <boost/json/value.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "skiff/base/unique_fd.h"

namespace skiff::runtime {

enum class Status { creating, created, running, stopped, paused };
std::string_view status_name(Status status);

// What the runtime remembers of one container between commands: <root>/<id>/state.json.
struct ContainerState {
  std::string id;
  pid_t pid = 0;
  uint64_t pid_start_time = 0;  // /proc/<pid>/stat field 22, to tell a reused pid apart
  std::string bundle;
  std::string rootfs;
  std::string created;  // RFC 3339
  std::string owner;
  std::map<std::string, std::string> annotations;
  boost::json::value cgroup;  // cgroups::Manager::save()
  bool rootless = false;
  bool own_pid_namespace = true;
  bool systemd_cgroup = false;
};

// The OCI state JSON that `state` prints and hooks read on stdin.
boost::json::object oci_state(const ContainerState& state, Status status);

// The runtime's state directory (--root): one directory per container, named by its id.
class StateRoot {
 public:
  explicit StateRoot(std::string path);
  // /run/skiff as root; $XDG_RUNTIME_DIR/skiff for other users.
  static std::string default_path();

  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] std::string container_dir(const std::string& id) const;
  // Ids of every container with a state directory.
  [[nodiscard]] std::vector<std::string> list() const;
  [[nodiscard]] bool exists(const std::string& id) const;

 private:
  std::string path_;
};

// Checks a container id as runc does ([A-Za-z0-9_+.-], not "." or ".."); throws naming it.
void validate_container_id(const std::string& id);

// The container's directory, locked (flock) for one command's mutation.
class ContainerDir {
 public:
  // Creates <root>/<id> exclusively: an existing one is "container <id> already exists".
  static ContainerDir create(const StateRoot& root, const std::string& id);
  enum class Lock { exclusive, none };
  // Opens an existing one: a missing one is "container <id> does not exist". Commands that
  // change the container lock it; readers do not (state files are replaced atomically), so that
  // a hook can ask for the state of the container whose create is running it.
  static ContainerDir open(const StateRoot& root, const std::string& id, Lock lock = Lock::exclusive);

  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] const std::string& id() const { return id_; }
  [[nodiscard]] int fd() const { return fd_.get(); }

  [[nodiscard]] ContainerState load_state() const;
  void save_state(const ContainerState& state) const;
  // The bundle's config.json as given at create time (exec and update read it).
  [[nodiscard]] boost::json::value load_config() const;
  void save_config(const std::string& text) const;
  [[nodiscard]] std::string fifo_path() const;
  [[nodiscard]] bool has_fifo() const;
  // Removes the directory and everything in it.
  void remove();

 private:
  ContainerDir(std::string path, std::string id, UniqueFd fd)
      : path_(std::move(path)), id_(std::move(id)), fd_(std::move(fd)) {}
  std::string path_;
  std::string id_;
  UniqueFd fd_;
};

// The status of a container from its state: stopped when the process is gone (or a zombie,
// or its pid was reused), created while the exec fifo exists, paused when its cgroup is frozen.
Status container_status(const ContainerDir& dir, const ContainerState& state);

// Field 22 of /proc/<pid>/stat, 0 when the process is gone. Zombies count as gone.
uint64_t process_start_time(pid_t pid);

}  // namespace skiff::runtime

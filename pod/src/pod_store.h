#pragma once

// The on-disk state of pods: <state_root>/pods/<id>/ holds
//   creating                 present until create_pod finished (crash recovery looks for it)
//   pod.json                 the spec and what create made (cgroup paths, network)
//   etc/{hosts,hostname,resolv.conf}
//   infra/{config.json,rootfs/skiff-pause,status.json,log}
//   containers/<name>/{config.json,status.json,log}
// status.json is written by the container's monitor only; pod.json by the command holding the
// pod's lock (a flock on the pod directory).

#include <sys/types.h>

#include <boost/json/value.hpp>
#include <optional>
#include <string>

#include "skiff/base/unique_fd.h"
#include "skiff/netns/pod_network.h"
#include "skiff/pod/pod_spec.h"

namespace skiff::pod {

struct PodLayout {
  std::string state_root;
  std::string id;

  [[nodiscard]] std::string dir() const { return state_root + "/pods/" + id; }
  [[nodiscard]] std::string creating_marker() const { return dir() + "/creating"; }
  [[nodiscard]] std::string record() const { return dir() + "/pod.json"; }
  [[nodiscard]] std::string etc_dir() const { return dir() + "/etc"; }
  // The bundle dir of a container; infra when name is empty.
  [[nodiscard]] std::string bundle(const std::string& name) const {
    return name.empty() ? dir() + "/infra" : dir() + "/containers/" + name;
  }
  // The runtime's id for a container; the infra's when name is empty. Names are DNS labels, so
  // "<pod>__pause" never equals "<pod>_<name>".
  [[nodiscard]] std::string runtime_id(const std::string& name) const {
    return id + "_" + (name.empty() ? "_pause" : name);
  }
};

std::string pods_dir(const std::string& state_root);

// A flock on the pod directory, released when the object (and every fork's copy of the fd) is
// closed. The fd is close-on-exec; monitors inherit it across fork on purpose (monitor.h).
class PodLock {
 public:
  // Locks an existing pod dir; "pod <id> does not exist" when it is missing. Without wait,
  // returns an unlocked object when another process holds the lock.
  static PodLock acquire(const PodLayout& layout, bool wait = true);
  [[nodiscard]] bool locked() const { return fd_.valid(); }
  [[nodiscard]] int fd() const { return fd_.get(); }

 private:
  UniqueFd fd_;
};

// What create made, beyond the spec.
struct PodRecord {
  PodSpec spec;
  std::string created_at;
  std::string cgroup_path;    // cgroupsPath of the pod cgroup
  boost::json::value cgroup;  // cgroups::Manager::save() of the pod cgroup
  pid_t infra_pid = 0;
  std::optional<netns::PodNetworkStatus> network;
  bool stopped = false;
};

void save_record(const PodLayout& layout, const PodRecord& record);
PodRecord load_record(const PodLayout& layout);

// One container's status.json, as its monitor writes it.
struct ContainerRecord {
  // creating, created (waiting for its first attach), running, restarting (waiting out the
  // restart delay), exited
  std::string state = "creating";
  pid_t pid = 0;
  pid_t monitor_pid = 0;
  uint64_t monitor_start_time = 0;  // to tell a reused pid from the monitor
  int exit_code = 0;
  bool oom_killed = false;
  std::string started_at;
  std::string finished_at;
  int restart_count = 0;
};

void save_container_record(const std::string& path, const ContainerRecord& record);
// nullopt when the file does not exist (yet).
std::optional<ContainerRecord> load_container_record(const std::string& path);

// True while the record's monitor process is alive (same pid and start time).
bool monitor_alive(const ContainerRecord& record);

}  // namespace skiff::pod

#pragma once

// The on-disk state of standalone containers (container_manager.h has the layout).

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <vector>

#include "skiff/base/unique_fd.h"
#include "skiff/netns/pod_network.h"
#include "skiff/pod/container_manager.h"

namespace skiff::pod {

struct ContainerLayout {
  std::string state_root;
  std::string id;

  [[nodiscard]] std::string dir() const { return containers_dir(state_root) + "/" + id; }
  [[nodiscard]] std::string record() const { return dir() + "/container.json"; }
  [[nodiscard]] std::string creating_marker() const { return dir() + "/creating"; }
  [[nodiscard]] std::string log() const { return dir() + "/ctr.log"; }
  [[nodiscard]] std::string attach_socket() const { return dir() + "/attach"; }
  [[nodiscard]] std::string netns() const { return dir() + "/netns"; }
  [[nodiscard]] std::string network_record() const { return dir() + "/network.json"; }
  [[nodiscard]] std::string stop_marker() const { return dir() + "/stopped"; }
  static std::string containers_dir(const std::string& state_root) { return state_root + "/containers"; }
  static std::string names_dir(const std::string& state_root) { return containers_dir(state_root) + "/names"; }
};

// What create made, beyond the spec.
struct StandaloneRecord {
  std::string id;
  std::string created;
  std::string image_id;
  std::vector<std::string> command;  // process.args
  int stop_signal = 15;
  std::string cgroup_path;
  ContainerRunSpec spec;  // name filled in
};

boost::json::object run_spec_to_json(const ContainerRunSpec& spec);
ContainerRunSpec run_spec_from_json(const boost::json::object& json);
void save_standalone_record(const ContainerLayout& layout, const StandaloneRecord& record);
StandaloneRecord load_standalone_record(const ContainerLayout& layout);

void save_network_status(const std::string& path, const netns::PodNetworkStatus& status);
std::optional<netns::PodNetworkStatus> load_network_status(const std::string& path);

// A flock on the container's dir; held by every command that changes the container.
class ContainerLock {
 public:
  // "no such container" (ENOENT) when the dir is missing. Without wait, an unlocked object when
  // another process holds it.
  static ContainerLock acquire(const ContainerLayout& layout, bool wait = true);
  [[nodiscard]] bool locked() const { return fd_.valid(); }
  [[nodiscard]] int fd() const { return fd_.get(); }

 private:
  UniqueFd fd_;
};

// Claims name for id (names/<name> made exclusively); "the container name … is already in use"
// (EEXIST) naming the holder.
void claim_name(const std::string& state_root, const std::string& name, const std::string& id);
void release_name(const std::string& state_root, const std::string& name, const std::string& id);
// The id holding name, if any.
std::optional<std::string> name_owner(const std::string& state_root, const std::string& name);

// docker's and podman's generated names: "<adjective>_<noun>".
std::string generate_container_name();
// 64 random hex characters.
std::string generate_container_id();
// Container names: [a-zA-Z0-9][a-zA-Z0-9_.-]*, as docker's.
void validate_container_name(const std::string& name);

}  // namespace skiff::pod

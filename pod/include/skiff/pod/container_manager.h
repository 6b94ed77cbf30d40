#pragma once

// Standalone containers (not in a pod): what `skiff run/create/start/stop/…` and the node agent
// call. Each container has
//   <state_root>/containers/<id>/   container.json (its spec and what create made), config.json
//                                   (the OCI bundle's), status.json (its monitor's), ctr.log (its
//                                   CRI log, rotated to ctr.log.1 …), attach (the monitor's attach
//                                   socket, attach.h), netns (its network namespace, bridge and
//                                   none modes), stopped (present once the user stopped it)
//   <state_root>/containers/names/<name>   a file holding the id: names are unique
//   <store root>/containers/<id>/   its overlay rootfs (image/rootfs.h)
//   <store root>/volumes/<name>/    named volumes
// and runs under a monitor (conmon's role) from start until it has ended for good. The runtime
// container (id = the container's id) lives in state_root as the pods' do.

#include <sys/types.h>

#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "skiff/base/unique_fd.h"
#include "skiff/cgroups/manager.h"
#include "skiff/image/store.h"
#include "skiff/netns/pod_network.h"
#include "skiff/pod/cri_log.h"
#include "skiff/pod/pod_manager.h"
#include "skiff/pod/restart_policy.h"

namespace skiff::pod {

// -v: a host path (absolute) or a named volume (made on first use) at destination; an empty
// source is an anonymous volume (-v /data), which create names and the container's removal with
// its volumes (rm -v, --rm) takes away.
struct ContainerMount {
  std::string source;
  std::string destination;
  bool readonly = false;
  bool anonymous = false;  // set by create for an empty source
  [[nodiscard]] bool is_volume() const { return !source.empty() && source.front() != '/'; }
};

// --network: bridge (a veth on the node's bridge, ports published), none (loopback only), host,
// slirp4netns (user-mode networking, ports published through it: rootless), or
// container:<id or name> (that container's network namespace, which must be running).
struct ContainerNetwork {
  enum class Mode { bridge, none, host, slirp4netns, container };
  Mode mode = Mode::bridge;
  std::string container;
};
ContainerNetwork parse_container_network(std::string_view text);
std::string container_network_name(const ContainerNetwork& network);

struct ContainerRunSpec {
  std::string name;   // unique; generated (adjective_noun) when empty
  std::string image;  // a name or id in the store
  // Overrides of the image's config (docker's rules: image/runtime_spec_from_image.h).
  std::optional<std::vector<std::string>> entrypoint;
  std::optional<std::vector<std::string>> command;
  std::vector<std::string> env;  // "K=V"
  std::optional<std::string> user;
  std::optional<std::string> workdir;
  std::vector<ContainerMount> mounts;
  ContainerNetwork network;
  std::vector<netns::PortMapping> ports;  // bridge and slirp4netns only
  std::string hostname;                   // the id's first 12 characters when empty
  // --pod: the pod (pod_manager.h) whose network, IPC and UTS namespaces the container joins (and
  // its PID namespace when the pod shares one), with its cgroup below the pod's and the pod's
  // /etc files. The pod is started with the container when it is not running. Ports, network
  // and hostname are the pod's, so they must be left unset.
  std::string pod;
  std::optional<int64_t> memory;  // bytes
  std::optional<double> cpus;
  std::optional<int64_t> pids_limit;
  std::vector<std::string> cap_add;  // "NET_ADMIN" or "CAP_NET_ADMIN"; "ALL"
  std::vector<std::string> cap_drop;
  bool read_only = false;
  // A seccomp profile (OCI linux.seccomp JSON, as docker's profiles are written) or "unconfined";
  // empty: no filter.
  std::string seccomp_profile;
  bool no_new_privileges = false;
  RestartPolicy restart;
  bool tty = false;          // -t: a terminal, through the runtime's console socket
  bool interactive = false;  // -i: stdin kept open for attach clients
  // --rm: the container is removed once it has ended (by the caller, or with auto_remove by its
  // monitor), so its rootfs is mounted volatile: nothing is synced at unmount.
  bool rm = false;
  // --rm with -d: its monitor removes the container once it has ended for good (or was stopped).
  bool auto_remove = false;
  // --init: skiff-pause runs as PID 1 (bound at /run/skiff-init), the command as its child: it
  // forwards signals and reaps zombies (catatonit's role under podman).
  bool init = false;
  std::map<std::string, std::string> labels;
  LogRotation log;
  std::string stop_signal;  // empty: the image's, else SIGTERM
};

enum class ContainerStatusKind { created, running, restarting, exited, unknown };
std::string_view container_status_name(ContainerStatusKind status);

struct ContainerInfo {
  std::string id;
  std::string name;
  std::string image;     // as given
  std::string image_id;  // sha256:…
  std::vector<std::string> command;
  std::string created;  // RFC 3339
  ContainerStatusKind status = ContainerStatusKind::created;
  pid_t pid = 0;
  int exit_code = 0;
  bool oom_killed = false;
  std::string started_at;
  std::string finished_at;
  int restart_count = 0;
  std::vector<netns::PortMapping> ports;
  std::string ip_address;  // bridge: the container's IPv4 address
  std::string pod;         // the pod's id when it is in one
  std::map<std::string, std::string> labels;
  std::string log_path;
  std::string state_dir;
  [[nodiscard]] bool running() const {
    return status == ContainerStatusKind::running || status == ContainerStatusKind::restarting;
  }
};

struct ContainerManagerOptions {
  // Empty: /run/skiff as root, $XDG_RUNTIME_DIR/skiff otherwise (the runtime's root).
  std::string state_root;
  image::Store* store = nullptr;  // required
  // The parent of container cgroups: relative to the caller's own cgroup, or absolute.
  std::string cgroup_parent = "skiff";
  netns::BridgeNetworkConfig bridge;
};

struct StartOptions {
  // Start the container only once an attach client has connected, and return that connection
  // (for `run -a`, `run -it`, `start -a`): the client sees all of its output.
  bool attach = false;
};

struct LogsOptions {
  bool follow = false;
  std::optional<size_t> tail;
  std::optional<int64_t> since_ns;
};

struct ExecSpec {
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::optional<std::string> user;  // "uid[:gid]" or a name in the container's /etc/passwd
  std::optional<std::string> workdir;
  // The process's stdio: these fds of the caller (a child of the caller dup2s them, so the
  // caller's own fds 0-2 are left alone).
  int stdio_in = 0;
  int stdio_out = 1;
  int stdio_err = 2;
  // -t: the process gets a terminal of its own (through the runtime's console socket) instead
  // of the stdio fds, and on_terminal gets its pty master to relay until the process has ended
  // (reads from the master fail with EIO then).
  bool tty = false;
  std::function<void(UniqueFd master)> on_terminal;
};

struct ProcessRow {
  pid_t pid = 0;  // on the host
  pid_t ppid = 0;
  std::string user;     // the real uid, as a number
  std::string command;  // its command line
};

// podman's port bindings, as HostConfig.PortBindings, NetworkSettings.Ports and a pod's
// InfraConfig.PortBindings show them: {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}.
boost::json::object port_bindings_json(const std::vector<netns::PortMapping>& ports);

class ContainerManager {
 public:
  explicit ContainerManager(ContainerManagerOptions options);

  [[nodiscard]] const std::string& state_root() const { return options_.state_root; }

  // Makes the container (state dir, rootfs, OCI config) without starting it. Errors: a name in
  // use, an unknown image, bad values (each naming the field). Returns the id.
  std::string create(const ContainerRunSpec& spec);
  // Starts a created or exited container under a new monitor. With attach, returns the
  // connection its monitor starts it on (attach.h); an invalid fd otherwise.
  UniqueFd start(const std::string& name_or_id, const StartOptions& options = {});
  // The stop signal, then SIGKILL after timeout; returns when its monitor has recorded the end.
  // A container the user stopped is not restarted. Stopping a stopped container is fine.
  void stop(const std::string& name_or_id, std::chrono::milliseconds timeout);
  void restart(const std::string& name_or_id, std::chrono::milliseconds timeout);
  // Sends signal to the container's process; an error when it is not running.
  void kill(const std::string& name_or_id, int signal);
  // Removes a stopped container; a running one only with force (killed first). With volumes, its
  // anonymous volumes too (rm -v).
  void remove(const std::string& name_or_id, bool force, bool volumes = false);
  std::vector<ContainerInfo> list(bool all);
  ContainerInfo info(const std::string& name_or_id);
  // podman inspect's main fields: Id, Name, Created, State{…}, Image, Config, HostConfig,
  // NetworkSettings, Mounts, LogPath, RestartCount.
  boost::json::object inspect(const std::string& name_or_id);
  // Waits until the container has ended for good (no restart pending); returns its exit code.
  int wait(const std::string& name_or_id);
  // The container's output as lines, to sink (following: until it has ended for good).
  void logs(const std::string& name_or_id, const LogsOptions& options, const std::function<void(const LogLine&)>& sink);
  // Runs a process in the running container with the caller's stdio; returns its exit code.
  int exec(const std::string& name_or_id, const ExecSpec& spec);
  // The processes in the container's cgroup.
  std::vector<ProcessRow> top(const std::string& name_or_id);
  // The figures of its cgroup (a running container's).
  cgroups::Stats stats(const std::string& name_or_id);
  // Copies a host file or directory into the container at container_path (resolved inside its
  // rootfs: symlinks and ".." never leave it), or out of it to host_path.
  void copy_in(const std::string& name_or_id, const std::string& host_path, const std::string& container_path);
  void copy_out(const std::string& name_or_id, const std::string& container_path, const std::string& host_path);
  // Resolves a name, an id or a unique id prefix.
  std::string resolve(const std::string& name_or_id);
  // Removes what interrupted creates left (a state dir still marked creating whose creator is
  // gone, a name without its container). Returns the ids removed.
  std::vector<std::string> recover();
  // The pods beside these containers (same state root, cgroup parent and bridge): the ones
  // ContainerRunSpec::pod names.
  [[nodiscard]] PodManager pods() const;

 private:
  ContainerManagerOptions options_;
};

}  // namespace skiff::pod

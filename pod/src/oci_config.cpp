#include "oci_config.h"

#include <unistd.h>

#include <boost/json.hpp>
#include <iterator>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/runtime/default_spec.h"
#include "userns.h"

namespace skiff::pod {

namespace {

// Docker's and containerd's default set: what ordinary images expect to have.
constexpr const char* kDefaultCapabilities[] = {
    "CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",
    "CAP_MKNOD",   "CAP_NET_RAW",      "CAP_SETGID",           "CAP_SETUID",
    "CAP_SETFCAP", "CAP_SETPCAP",      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
    "CAP_KILL",    "CAP_AUDIT_WRITE"};

boost::json::object capability_sets(const boost::json::array& caps) {
  return {{"bounding", caps}, {"effective", caps}, {"permitted", caps}};
}

bool rootless() {
  return ::geteuid() != 0;
}

// The base config: runc's default, or its rootless form (host /sys bound rather than a sysfs
// mount, devpts without gid=5) for an unprivileged caller.
boost::json::object base_spec() {
  return runtime::default_spec(rootless(), ::geteuid(), ::getegid());
}

boost::json::array namespaces(const PodSpec& pod, pid_t infra_pid) {
  auto shared = [&](const char* type, const char* proc_name) {
    boost::json::object ns{{"type", type}};
    if (infra_pid > 0) {
      ns["path"] = "/proc/" + std::to_string(infra_pid) + "/ns/" + proc_name;
    }
    return ns;
  };
  boost::json::array out;
  if (rootless()) {
    // First, so that the others are made by (and owned by) the pod's user namespace: that is
    // what lets slirp4netns, and the containers' root, configure the network namespace.
    out.push_back(shared("user", "user"));
  }
  out.push_back(shared("ipc", "ipc"));
  out.push_back(shared("uts", "uts"));
  if (pod.network != NetworkMode::host) {
    out.push_back(shared("network", "net"));
  }
  if (pod.share_pid) {
    out.push_back(shared("pid", "pid"));
  } else {
    out.push_back(boost::json::object{{"type", "pid"}});
  }
  out.push_back(boost::json::object{{"type", "mount"}});
  out.push_back(boost::json::object{{"type", "cgroup"}});
  return out;
}

boost::json::object bind_mount(const std::string& source, const std::string& destination, bool readonly) {
  boost::json::array options{"rbind", "nosuid", "nodev"};
  options.emplace_back(readonly ? "ro" : "rw");
  return {{"destination", destination}, {"type", "bind"}, {"source", source}, {"options", options}};
}

}  // namespace

boost::json::object infra_config(const PodSpec& spec, const std::string& cgroups_path, const std::string& pause_path) {
  boost::json::object config = base_spec();
  auto& process = config["process"].as_object();
  process["terminal"] = false;
  process["args"] = boost::json::array{"/skiff-pause"};
  process["env"] = boost::json::array{};
  process["capabilities"] = capability_sets({});
  config["root"] = {{"path", "rootfs"}, {"readonly", true}};
  config["hostname"] = spec.hostname.empty() ? spec.id : spec.hostname;
  // The pause process needs no /sys, /dev/pts, /dev/mqueue or cgroup view.
  boost::json::array mounts;
  for (const auto& m : config["mounts"].as_array()) {
    const auto& destination = m.at("destination").as_string();
    if (destination == "/proc" || destination == "/dev" || destination == "/dev/shm") {
      mounts.push_back(m);
    }
  }
  // Bound rather than copied into every pod's rootfs: one file on the host serves all pods.
  mounts.push_back(bind_mount(pause_path, "/skiff-pause", true));
  config["mounts"] = mounts;
  auto& linux = config["linux"].as_object();
  linux["namespaces"] = namespaces(spec, 0);
  linux["cgroupsPath"] = cgroups_path;
  if (rootless()) {
    IdMaps maps = rootless_id_maps(::geteuid(), ::getegid());
    linux["uidMappings"] = maps.uid_mappings;
    linux["gidMappings"] = maps.gid_mappings;
  }
  return config;
}

boost::json::object container_config(const PodSpec& pod, const ContainerSpec& c, const PodLayout& layout,
                                     pid_t infra_pid, const std::string& cgroups_path) {
  boost::json::object config = base_spec();
  auto& process = config["process"].as_object();
  process["terminal"] = false;
  boost::json::array args;
  for (const auto& a : c.args) {
    args.emplace_back(a);
  }
  process["args"] = args;
  boost::json::array env;
  bool has_path = false;
  for (const auto& e : c.env) {
    has_path = has_path || e.rfind("PATH=", 0) == 0;
    env.emplace_back(e);
  }
  if (!has_path) {
    env.emplace_back("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  }
  env.emplace_back("HOSTNAME=" + (pod.hostname.empty() ? pod.id : pod.hostname));
  process["env"] = env;
  process["cwd"] = c.working_dir.empty() ? "/" : c.working_dir;
  process["user"] = {{"uid", c.uid}, {"gid", c.gid}};
  boost::json::array caps;
  for (const char* cap : kDefaultCapabilities) {
    caps.emplace_back(cap);
  }
  process["capabilities"] = capability_sets(caps);
  config["root"] = {{"path", c.rootfs}, {"readonly", c.readonly_rootfs}};
  // The UTS namespace is the infra's, which already carries the pod's hostname.
  config.erase("hostname");
  auto& mounts = config["mounts"].as_array();
  for (const char* file : {"hosts", "hostname", "resolv.conf"}) {
    mounts.push_back(bind_mount(layout.etc_dir() + "/" + file, std::string("/etc/") + file, true));
  }
  for (const auto& m : c.mounts) {
    mounts.push_back(bind_mount(m.source, m.destination, m.readonly));
  }
  auto& linux = config["linux"].as_object();
  linux["namespaces"] = namespaces(pod, infra_pid);
  linux["cgroupsPath"] = cgroups_path;
  // The infra's user namespace, joined by path, already has its maps.
  linux.erase("uidMappings");
  linux.erase("gidMappings");
  if (!c.resources.empty()) {
    // The rootless default has no resources (nothing to enforce without a delegated cgroup).
    if (!linux["resources"].is_object()) {
      linux["resources"] = boost::json::object{};
    }
    auto& resources = linux["resources"].as_object();
    for (const auto& [key, value] : c.resources) {
      resources[key] = value;
    }
  }
  return config;
}

std::vector<std::string> default_capabilities() {
  return {std::begin(kDefaultCapabilities), std::end(kDefaultCapabilities)};
}

}  // namespace skiff::pod

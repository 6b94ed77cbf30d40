#include "container_config.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>

#include "oci_config.h"
#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/json.h"
#include "skiff/base/path.h"
#include "skiff/base/unique_fd.h"
#include "skiff/image/runtime_spec_from_image.h"
#include "skiff/pod/pause_binary.h"
#include "skiff/pod/volumes.h"
#include "skiff/runtime/capabilities.h"
#include "skiff/runtime/default_spec.h"
#include "tree_copy.h"

namespace skiff::pod {

namespace {

// The CFS period docker uses for --cpus.
constexpr int64_t kCpuPeriod = 100000;
// Where --init's skiff-pause is bound (podman binds catatonit at /run/podman-init).
constexpr const char* kInitPath = "/run/skiff-init";

std::string capability(const std::string& name) {
  std::string upper;
  for (char c : name) {
    upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  if (upper != "ALL" && upper.rfind("CAP_", 0) != 0) {
    upper = "CAP_" + upper;
  }
  if (upper != "ALL" && runtime::capability_from_name(upper) < 0) {
    throw Error("unknown capability \"" + name + "\"", EINVAL);
  }
  return upper;
}

boost::json::object bind_mount(const std::string& source, const std::string& destination, bool readonly) {
  boost::json::array options{"rbind", "nosuid", "nodev"};
  options.emplace_back(readonly ? "ro" : "rw");
  return {{"destination", destination}, {"type", "bind"}, {"source", source}, {"options", options}};
}

boost::json::array json_strings(const std::vector<std::string>& values) {
  boost::json::array out;
  for (const auto& v : values) {
    out.emplace_back(v);
  }
  return out;
}

boost::json::array namespaces(const ContainerConfigInputs& in) {
  boost::json::array out{boost::json::object{{"type", "pid"}}, boost::json::object{{"type", "ipc"}},
                         boost::json::object{{"type", "uts"}}, boost::json::object{{"type", "mount"}},
                         boost::json::object{{"type", "cgroup"}}};
  if (in.spec->network.mode != ContainerNetwork::Mode::host) {
    out.push_back(boost::json::object{{"type", "network"}, {"path", in.netns_path}});
  }
  return out;
}

// Fills a new volume with what the image has at the mount point (its owner and mode too), as
// podman does for a volume's first mount. Nothing to copy when the image has no directory there.
void copy_up(const std::string& rootfs, const std::string& destination, const std::string& volume) {
  UniqueFd root(::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) {
    throw_errno("open the container's rootfs " + rootfs);
  }
  UniqueFd found;
  try {
    found = open_in_root(root.get(), destination, O_PATH | O_DIRECTORY);
  } catch (const Error&) {
    return;  // not in the image, or not a directory: the volume starts empty
  }
  UniqueFd source(::openat(found.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!source) {
    throw_errno("open " + destination + " in the image");
  }
  // Copied onto the volume's _data, which takes the image directory's owner and mode too.
  UniqueFd parent(::open((volume + "/..").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!parent) {
    throw_errno("open " + volume + "/..");
  }
  copy_entry(source.get(), ".", parent.get(), "_data", "the image's " + destination, Owners::source);
}

}  // namespace

std::vector<std::string> effective_capabilities(const std::vector<std::string>& add,
                                                const std::vector<std::string>& drop) {
  std::vector<std::string> caps = default_capabilities();
  for (const auto& name : drop) {
    if (capability(name) == "ALL") {
      caps.clear();
    }
  }
  for (const auto& name : add) {
    std::string cap = capability(name);
    if (cap == "ALL") {
      caps = runtime::known_capabilities();
    } else if (std::find(caps.begin(), caps.end(), cap) == caps.end()) {
      caps.push_back(cap);
    }
  }
  for (const auto& name : drop) {
    std::string cap = capability(name);
    caps.erase(std::remove(caps.begin(), caps.end(), cap), caps.end());
  }
  return caps;
}

void join_pod_namespaces(boost::json::object& config, const PodJoin& pod) {
  auto& linux = config["linux"].as_object();
  boost::json::array joined;
  // /proc/<pid>/ns/ names: the OCI types' own, but "net" for network.
  auto path = [&](std::string_view name) {
    return "/proc/" + std::to_string(pod.infra_pid) + "/ns/" + std::string(name);
  };
  for (const auto& ns : linux["namespaces"].as_array()) {
    std::string_view type = ns.at("type").as_string();
    if (type == "network") {
      continue;
    }
    if (type == "ipc" || type == "uts" || (type == "pid" && pod.share_pid)) {
      joined.push_back(boost::json::object{{"type", type}, {"path", path(type)}});
    } else {
      joined.push_back(ns);
    }
  }
  if (!pod.host_network) {
    joined.push_back(boost::json::object{{"type", "network"}, {"path", path("net")}});
  }
  linux["namespaces"] = std::move(joined);
  config.erase("hostname");
}

boost::json::object standalone_config(const ContainerConfigInputs& in) {
  const ContainerRunSpec& spec = *in.spec;
  boost::json::object config = runtime::default_spec(false, 0, 0);
  image::RunOverrides overrides;
  overrides.entrypoint = spec.entrypoint;
  overrides.args = spec.command;
  overrides.env = spec.env;
  overrides.user = spec.user;
  overrides.workdir = spec.workdir;
  if (std::none_of(spec.env.begin(), spec.env.end(), [](const std::string& e) { return e.starts_with("HOSTNAME="); })) {
    overrides.env.insert(overrides.env.begin(), "HOSTNAME=" + spec.hostname);
  }
  if (spec.tty &&
      std::none_of(spec.env.begin(), spec.env.end(), [](const std::string& e) { return e.starts_with("TERM="); })) {
    overrides.env.push_back("TERM=xterm");
  }
  UniqueFd rootfs_fd(::open(in.rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!rootfs_fd) {
    throw_errno("open the container's rootfs " + in.rootfs);
  }
  image::apply_image_config(config, *in.image, overrides, rootfs_fd.get());

  auto& process = config["process"].as_object();
  process["terminal"] = spec.tty;
  if (spec.init) {
    auto& args = process["args"].as_array();
    args.insert(args.begin(), {kInitPath, "--"});
  }
  boost::json::array caps = json_strings(effective_capabilities(spec.cap_add, spec.cap_drop));
  process["capabilities"] = boost::json::object{{"bounding", caps}, {"effective", caps}, {"permitted", caps}};
  process["noNewPrivileges"] = spec.no_new_privileges;
  config["root"] = {{"path", in.rootfs}, {"readonly", spec.read_only}};
  config["hostname"] = spec.hostname;

  auto& mounts = config["mounts"].as_array();
  for (const char* file : {"hosts", "hostname", "resolv.conf"}) {
    mounts.push_back(bind_mount(in.layout.dir() + "/etc/" + file, std::string("/etc/") + file, false));
  }
  if (spec.init) {
    mounts.push_back(bind_mount(find_pause_binary(), kInitPath, true));
  }
  for (size_t i = 0; i < spec.mounts.size(); ++i) {
    const auto& m = spec.mounts[i];
    std::string source = m.source;
    if (m.is_volume()) {
      VolumeStore volumes(in.store_root);
      source = volumes.ensure(m.source);
      if (volumes.claim_copy_up(m.source)) {
        copy_up(in.rootfs, m.destination, source);
      }
    } else if (!path_exists(source)) {
      throw Error("mounts[" + std::to_string(i) + "]: bind source " + source + " does not exist", ENOENT);
    }
    if (m.destination.empty() || m.destination.front() != '/') {
      throw Error("mounts[" + std::to_string(i) + "]: destination \"" + m.destination + "\" is not an absolute path",
                  EINVAL);
    }
    mounts.push_back(bind_mount(source, m.destination, m.readonly));
  }

  auto& linux = config["linux"].as_object();
  linux["namespaces"] = namespaces(in);
  linux["cgroupsPath"] = in.cgroups_path;
  if (!linux["resources"].is_object()) {
    linux["resources"] = boost::json::object{};
  }
  auto& resources = linux["resources"].as_object();
  if (spec.memory) {
    resources["memory"] = {{"limit", *spec.memory}};
  }
  if (spec.cpus) {
    if (*spec.cpus <= 0) {
      throw Error("cpus: must be more than 0 (got " + std::to_string(*spec.cpus) + ")", EINVAL);
    }
    resources["cpu"] = {{"quota", static_cast<int64_t>(std::llround(*spec.cpus * kCpuPeriod))}, {"period", kCpuPeriod}};
  }
  if (spec.pids_limit) {
    resources["pids"] = {{"limit", *spec.pids_limit}};
  }
  if (!spec.seccomp_profile.empty() && spec.seccomp_profile != "unconfined") {
    linux["seccomp"] = json::parse_file(spec.seccomp_profile);
  }
  if (in.pod) {
    join_pod_namespaces(config, *in.pod);
  }
  auto& annotations =
      config["annotations"].is_object() ? config["annotations"].as_object() : config["annotations"].emplace_object();
  for (const auto& [key, value] : spec.labels) {
    annotations[key] = value;
  }
  return config;
}

}  // namespace skiff::pod

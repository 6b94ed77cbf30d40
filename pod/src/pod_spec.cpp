#include "skiff/pod/pod_spec.h"

#include <boost/json.hpp>
#include <set>

#include "skiff/base/error.h"
#include "skiff/base/json.h"
#include "skiff/image/store.h"

namespace skiff::pod {

namespace {

// Kubernetes' DNS label: what a container name may be. No '_' either, which keeps runtime ids
// "<pod>_<name>" unambiguous.
bool dns_label(const std::string& name) {
  if (name.empty() || name.size() > 63 || name.front() == '-' || name.back() == '-') {
    return false;
  }
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
      return false;
    }
  }
  return true;
}

bool pod_id_ok(const std::string& id) {
  if (id.empty() || id.size() > 128 || id == "." || id == ".." || id.front() == '.') {
    return false;
  }
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
    if (!ok) {
      return false;
    }
  }
  return true;
}

boost::json::array strings(const std::vector<std::string>& items) {
  boost::json::array out;
  for (const auto& s : items) {
    out.emplace_back(s);
  }
  return out;
}

std::vector<std::string> strings_at(const boost::json::object& obj, std::string_view key) {
  const auto* v = json::find(obj, key);
  return v != nullptr ? json::as_string_array(*v, key) : std::vector<std::string>{};
}

std::string string_at(const boost::json::object& obj, std::string_view key, std::string fallback = {}) {
  const auto* v = json::find(obj, key);
  return v != nullptr ? json::as_string(*v, key) : fallback;
}

int64_t int_at(const boost::json::object& obj, std::string_view key, int64_t fallback) {
  const auto* v = json::find(obj, key);
  return v != nullptr ? json::as_int64(*v, key) : fallback;
}

boost::json::object object_at(const boost::json::object& obj, std::string_view key) {
  const auto* v = json::find(obj, key);
  return v != nullptr ? json::as_object(*v, key) : boost::json::object{};
}

boost::json::object container_to_json(const ContainerSpec& c) {
  boost::json::array mounts;
  for (const auto& m : c.mounts) {
    mounts.push_back({{"source", m.source}, {"destination", m.destination}, {"readonly", m.readonly}});
  }
  return {{"name", c.name},
          {"rootfs", c.rootfs},
          {"readonlyRootfs", c.readonly_rootfs},
          {"args", strings(c.args)},
          {"env", strings(c.env)},
          {"workingDir", c.working_dir},
          {"uid", c.uid},
          {"gid", c.gid},
          {"stopSignal", c.stop_signal},
          {"mounts", mounts},
          {"resources", c.resources}};
}

ContainerSpec container_from_json(const boost::json::object& o) {
  ContainerSpec c;
  c.name = string_at(o, "name");
  c.rootfs = string_at(o, "rootfs");
  if (const auto* v = json::find(o, "readonlyRootfs")) {
    c.readonly_rootfs = json::as_bool(*v, "readonlyRootfs");
  }
  c.args = strings_at(o, "args");
  c.env = strings_at(o, "env");
  c.working_dir = string_at(o, "workingDir", "/");
  c.uid = static_cast<uid_t>(int_at(o, "uid", 0));
  c.gid = static_cast<gid_t>(int_at(o, "gid", 0));
  c.stop_signal = static_cast<int>(int_at(o, "stopSignal", SIGTERM));
  if (const auto* v = json::find(o, "mounts")) {
    for (const auto& m : json::as_array(*v, "mounts")) {
      const auto& mo = json::as_object(m, "mounts[]");
      VolumeMount vm{string_at(mo, "source"), string_at(mo, "destination"), false};
      if (const auto* ro = json::find(mo, "readonly")) {
        vm.readonly = json::as_bool(*ro, "readonly");
      }
      c.mounts.push_back(vm);
    }
  }
  c.resources = object_at(o, "resources");
  return c;
}

}  // namespace

std::string_view network_mode_name(NetworkMode mode) {
  switch (mode) {
    case NetworkMode::none:
      return "none";
    case NetworkMode::bridge:
      return "bridge";
    case NetworkMode::host:
      return "host";
    case NetworkMode::slirp4netns:
      return "slirp4netns";
    case NetworkMode::automatic:
      return "auto";
  }
  return "none";
}

NetworkMode resolve_network_mode(NetworkMode mode, bool rootless) {
  if (mode != NetworkMode::automatic) {
    return mode;
  }
  // Without root there is no bridge to join; slirp4netns is what gives a rootless pod a network.
  return rootless ? NetworkMode::slirp4netns : NetworkMode::none;
}

NetworkMode parse_network_mode(std::string_view name) {
  for (NetworkMode mode :
       {NetworkMode::none, NetworkMode::bridge, NetworkMode::host, NetworkMode::slirp4netns, NetworkMode::automatic}) {
    if (network_mode_name(mode) == name) {
      return mode;
    }
  }
  throw Error("network mode: expected none, bridge, host, slirp4netns or auto (got \"" + std::string(name) + "\")");
}

void validate_pod_spec(const PodSpec& spec) {
  if (!pod_id_ok(spec.id)) {
    throw Error("pod id: letters, digits, '-' and '.' only, not starting with '.' (got \"" + spec.id + "\")");
  }
  NetworkMode network = resolve_network_mode(spec.network, image::Store::running_rootless());
  if (!spec.ports.empty() && network != NetworkMode::bridge && network != NetworkMode::slirp4netns) {
    throw Error("pod " + spec.id + ": port mappings need bridge or slirp4netns networking (network mode is " +
                std::string(network_mode_name(network)) + ")");
  }
  std::set<std::string> names;
  auto check = [&](const ContainerSpec& c, const char* field) {
    std::string what = std::string(field) + " " + c.name;
    if (!dns_label(c.name)) {
      throw Error(std::string(field) + " name: a DNS label [a-z0-9-] (got \"" + c.name + "\")");
    }
    if (!names.insert(c.name).second) {
      throw Error(what + ": the name is used twice in pod " + spec.id);
    }
    if (c.rootfs.empty() || c.rootfs.front() != '/') {
      throw Error(what + ": rootfs must be an absolute path (got \"" + c.rootfs + "\")");
    }
    if (c.args.empty()) {
      throw Error(what + ": no args");
    }
    for (const auto& m : c.mounts) {
      if (m.source.empty() || m.source.front() != '/' || m.destination.empty() || m.destination.front() != '/') {
        throw Error(what + ": mount paths must be absolute (got \"" + m.source + "\" -> \"" + m.destination + "\")");
      }
    }
  };
  for (const auto& c : spec.init_containers) {
    check(c, "initContainer");
  }
  for (const auto& c : spec.containers) {
    check(c, "container");
  }
}

boost::json::object pod_spec_to_json(const PodSpec& spec) {
  boost::json::array ports;
  for (const auto& p : spec.ports) {
    ports.push_back({{"protocol", p.protocol},
                     {"hostIP", p.host_ip},
                     {"hostPort", p.host_port},
                     {"containerPort", p.container_port}});
  }
  boost::json::array init;
  for (const auto& c : spec.init_containers) {
    init.push_back(container_to_json(c));
  }
  boost::json::array containers;
  for (const auto& c : spec.containers) {
    containers.push_back(container_to_json(c));
  }
  return {{"id", spec.id},
          {"hostname", spec.hostname},
          {"sharePid", spec.share_pid},
          {"network", network_mode_name(spec.network)},
          {"ports", ports},
          {"dnsServers", strings(spec.dns_servers)},
          {"dnsSearches", strings(spec.dns_searches)},
          {"resources", spec.resources},
          {"initContainers", init},
          {"containers", containers}};
}

PodSpec pod_spec_from_json(const boost::json::object& o) {
  PodSpec spec;
  spec.id = string_at(o, "id");
  spec.hostname = string_at(o, "hostname");
  if (const auto* v = json::find(o, "sharePid")) {
    spec.share_pid = json::as_bool(*v, "sharePid");
  }
  spec.network = parse_network_mode(string_at(o, "network", "auto"));
  if (const auto* v = json::find(o, "ports")) {
    for (const auto& p : json::as_array(*v, "ports")) {
      const auto& po = json::as_object(p, "ports[]");
      netns::PortMapping m;
      m.protocol = string_at(po, "protocol", "tcp");
      m.host_ip = string_at(po, "hostIP");
      m.host_port = static_cast<uint16_t>(int_at(po, "hostPort", 0));
      m.container_port = static_cast<uint16_t>(int_at(po, "containerPort", 0));
      spec.ports.push_back(m);
    }
  }
  spec.dns_servers = strings_at(o, "dnsServers");
  spec.dns_searches = strings_at(o, "dnsSearches");
  spec.resources = object_at(o, "resources");
  for (const char* key : {"initContainers", "containers"}) {
    if (const auto* v = json::find(o, key)) {
      for (const auto& c : json::as_array(*v, key)) {
        (std::string_view(key) == "containers" ? spec.containers : spec.init_containers)
            .push_back(container_from_json(json::as_object(c, key)));
      }
    }
  }
  return spec;
}

}  // namespace skiff::pod

#include "container_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/random.h>
#include <unistd.h>

#include <array>
#include <boost/json.hpp>
#include <cerrno>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/json.h"
#include "skiff/base/random.h"

namespace skiff::pod {

namespace {

// A short list in the spirit of docker's namesgenerator.
constexpr std::array<const char*, 24> kAdjectives = {"admiring", "agile",  "bold",    "brave",  "calm",    "clever",
                                                     "eager",    "elated", "focused", "gentle", "happy",   "jolly",
                                                     "keen",     "lucid",  "nifty",   "quirky", "relaxed", "serene",
                                                     "sharp",    "stoic",  "sweet",   "tender", "vibrant", "zealous"};
constexpr std::array<const char*, 24> kNouns = {"babbage",  "bohr",    "curie",  "darwin",   "dijkstra", "einstein",
                                                "euler",    "fermi",   "gauss",  "hopper",   "kepler",   "knuth",
                                                "lovelace", "meitner", "newton", "noether",  "pascal",   "ramanujan",
                                                "ritchie",  "shannon", "tesla",  "thompson", "turing",   "wozniak"};

std::string str(const boost::json::object& o, std::string_view key) {
  const auto* v = json::find(o, key);
  return v != nullptr ? json::as_string(*v, key) : std::string{};
}

bool flag(const boost::json::object& o, std::string_view key) {
  const auto* v = json::find(o, key);
  return v != nullptr && json::as_bool(*v, key);
}

boost::json::array string_array(const std::vector<std::string>& values) {
  boost::json::array out;
  for (const auto& v : values) {
    out.emplace_back(v);
  }
  return out;
}

std::vector<std::string> strings(const boost::json::object& o, std::string_view key) {
  const auto* v = json::find(o, key);
  return v != nullptr ? json::as_string_array(*v, key) : std::vector<std::string>{};
}

std::optional<std::vector<std::string>> optional_strings(const boost::json::object& o, std::string_view key) {
  const auto* v = json::find(o, key);
  if (v == nullptr) {
    return std::nullopt;
  }
  return json::as_string_array(*v, key);
}

boost::json::array ports_to_json(const std::vector<netns::PortMapping>& ports) {
  boost::json::array out;
  for (const auto& p : ports) {
    out.push_back({{"protocol", p.protocol},
                   {"hostIP", p.host_ip},
                   {"hostPort", p.host_port},
                   {"containerPort", p.container_port}});
  }
  return out;
}

std::vector<netns::PortMapping> ports_from_json(const boost::json::object& o) {
  std::vector<netns::PortMapping> out;
  if (const auto* v = json::find(o, "ports")) {
    for (const auto& p : json::as_array(*v, "ports")) {
      const auto& po = json::as_object(p, "ports[]");
      out.push_back({str(po, "protocol"), str(po, "hostIP"),
                     static_cast<uint16_t>(json::as_int_in(po.at("hostPort"), "hostPort", 0, 65535)),
                     static_cast<uint16_t>(json::as_int_in(po.at("containerPort"), "containerPort", 0, 65535))});
    }
  }
  return out;
}

}  // namespace

boost::json::object run_spec_to_json(const ContainerRunSpec& s) {
  boost::json::object o{{"name", s.name},
                        {"image", s.image},
                        {"env", string_array(s.env)},
                        {"network", container_network_name(s.network)},
                        {"ports", ports_to_json(s.ports)},
                        {"hostname", s.hostname},
                        {"pod", s.pod},
                        {"capAdd", string_array(s.cap_add)},
                        {"capDrop", string_array(s.cap_drop)},
                        {"readOnly", s.read_only},
                        {"rm", s.rm},
                        {"autoRemove", s.auto_remove},
                        {"init", s.init},
                        {"seccompProfile", s.seccomp_profile},
                        {"noNewPrivileges", s.no_new_privileges},
                        {"restart", restart_policy_name(s.restart)},
                        {"tty", s.tty},
                        {"interactive", s.interactive},
                        {"logMaxSize", s.log.max_size},
                        {"logMaxFiles", s.log.max_files},
                        {"stopSignal", s.stop_signal}};
  if (s.entrypoint) {
    o["entrypoint"] = string_array(*s.entrypoint);
  }
  if (s.command) {
    o["command"] = string_array(*s.command);
  }
  if (s.user) {
    o["user"] = *s.user;
  }
  if (s.workdir) {
    o["workdir"] = *s.workdir;
  }
  boost::json::array mounts;
  for (const auto& m : s.mounts) {
    mounts.push_back(
        {{"source", m.source}, {"destination", m.destination}, {"readonly", m.readonly}, {"anonymous", m.anonymous}});
  }
  o["mounts"] = mounts;
  if (s.memory) {
    o["memory"] = *s.memory;
  }
  if (s.cpus) {
    o["cpus"] = *s.cpus;
  }
  if (s.pids_limit) {
    o["pidsLimit"] = *s.pids_limit;
  }
  boost::json::object labels;
  for (const auto& [k, v] : s.labels) {
    labels[k] = v;
  }
  o["labels"] = labels;
  return o;
}

ContainerRunSpec run_spec_from_json(const boost::json::object& o) {
  ContainerRunSpec s;
  s.name = str(o, "name");
  s.image = str(o, "image");
  s.entrypoint = optional_strings(o, "entrypoint");
  s.command = optional_strings(o, "command");
  s.env = strings(o, "env");
  if (const auto* v = json::find(o, "user")) {
    s.user = json::as_string(*v, "user");
  }
  if (const auto* v = json::find(o, "workdir")) {
    s.workdir = json::as_string(*v, "workdir");
  }
  if (const auto* v = json::find(o, "mounts")) {
    for (const auto& m : json::as_array(*v, "mounts")) {
      const auto& mo = json::as_object(m, "mounts[]");
      s.mounts.push_back({str(mo, "source"), str(mo, "destination"), flag(mo, "readonly"), flag(mo, "anonymous")});
    }
  }
  s.network = parse_container_network(str(o, "network"));
  s.ports = ports_from_json(o);
  s.hostname = str(o, "hostname");
  s.pod = str(o, "pod");
  if (const auto* v = json::find(o, "memory")) {
    s.memory = json::as_int64(*v, "memory");
  }
  if (const auto* v = json::find(o, "cpus")) {
    s.cpus = v->to_number<double>();
  }
  if (const auto* v = json::find(o, "pidsLimit")) {
    s.pids_limit = json::as_int64(*v, "pidsLimit");
  }
  s.cap_add = strings(o, "capAdd");
  s.cap_drop = strings(o, "capDrop");
  s.read_only = flag(o, "readOnly");
  s.rm = flag(o, "rm");
  s.auto_remove = flag(o, "autoRemove");
  s.init = flag(o, "init");
  s.seccomp_profile = str(o, "seccompProfile");
  s.no_new_privileges = flag(o, "noNewPrivileges");
  s.restart = parse_restart_policy(str(o, "restart"));
  s.tty = flag(o, "tty");
  s.interactive = flag(o, "interactive");
  if (const auto* v = json::find(o, "logMaxSize")) {
    s.log.max_size = json::as_uint64(*v, "logMaxSize");
  }
  if (const auto* v = json::find(o, "logMaxFiles")) {
    s.log.max_files = static_cast<int>(json::as_int_in(*v, "logMaxFiles", 0, 1000));
  }
  s.stop_signal = str(o, "stopSignal");
  if (const auto* v = json::find(o, "labels")) {
    for (const auto& [k, val] : json::as_object(*v, "labels")) {
      s.labels[std::string(k)] = json::as_string(val, "labels");
    }
  }
  return s;
}

void save_standalone_record(const ContainerLayout& layout, const StandaloneRecord& r) {
  boost::json::object o{{"id", r.id},
                        {"created", r.created},
                        {"imageId", r.image_id},
                        {"command", string_array(r.command)},
                        {"stopSignal", r.stop_signal},
                        {"cgroupPath", r.cgroup_path},
                        {"spec", run_spec_to_json(r.spec)}};
  write_file_atomic(layout.record(), json::pretty(o), 0644, false);
}

StandaloneRecord load_standalone_record(const ContainerLayout& layout) {
  auto doc = json::parse_file(layout.record());
  const auto& o = json::as_object(doc, layout.record());
  StandaloneRecord r;
  r.id = str(o, "id");
  r.created = str(o, "created");
  r.image_id = str(o, "imageId");
  r.command = strings(o, "command");
  if (const auto* v = json::find(o, "stopSignal")) {
    r.stop_signal = static_cast<int>(json::as_int_in(*v, "stopSignal", 1, 64));
  }
  r.cgroup_path = str(o, "cgroupPath");
  r.spec = run_spec_from_json(json::as_object(o.at("spec"), "spec"));
  return r;
}

void save_network_status(const std::string& path, const netns::PodNetworkStatus& n) {
  boost::json::object o{{"interface", n.interface},       {"address4", n.address4}, {"gateway4", n.gateway4},
                        {"address6", n.address6},         {"gateway6", n.gateway6}, {"hostVeth", n.host_veth},
                        {"ports", ports_to_json(n.ports)}};
  write_file_atomic(path, boost::json::serialize(o), 0644, false);
}

std::optional<netns::PodNetworkStatus> load_network_status(const std::string& path) {
  if (!path_exists(path)) {
    return std::nullopt;
  }
  auto doc = json::parse_file(path);
  const auto& o = json::as_object(doc, path);
  netns::PodNetworkStatus n;
  n.interface = str(o, "interface");
  n.address4 = str(o, "address4");
  n.gateway4 = str(o, "gateway4");
  n.address6 = str(o, "address6");
  n.gateway6 = str(o, "gateway6");
  n.host_veth = str(o, "hostVeth");
  n.ports = ports_from_json(o);
  return n;
}

ContainerLock ContainerLock::acquire(const ContainerLayout& layout, bool wait) {
  ContainerLock lock;
  UniqueFd fd(::open(layout.dir().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) {
      throw Error("no such container: " + layout.id, ENOENT);
    }
    throw_errno("open container dir " + layout.dir());
  }
  while (::flock(fd.get(), LOCK_EX | (wait ? 0 : LOCK_NB)) != 0) {
    if (errno == EWOULDBLOCK && !wait) {
      return lock;
    }
    if (errno != EINTR) {
      throw_errno("lock container dir " + layout.dir());
    }
  }
  lock.fd_ = std::move(fd);
  return lock;
}

void claim_name(const std::string& state_root, const std::string& name, const std::string& id) {
  std::string dir = ContainerLayout::names_dir(state_root);
  mkdir_all(dir, 0700);
  std::string path = dir + "/" + name;
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (!fd) {
    if (errno == EEXIST) {
      auto owner = name_owner(state_root, name);
      throw Error("the container name \"" + name + "\" is already in use by " + owner.value_or("another container") +
                      ": remove that container or choose another name",
                  EEXIST);
    }
    throw_errno("claim container name " + path);
  }
  write_all(fd.get(), id, path);
}

void release_name(const std::string& state_root, const std::string& name, const std::string& id) {
  auto owner = name_owner(state_root, name);
  if (owner && *owner == id) {
    ::unlink((ContainerLayout::names_dir(state_root) + "/" + name).c_str());
  }
}

std::optional<std::string> name_owner(const std::string& state_root, const std::string& name) {
  std::string path = ContainerLayout::names_dir(state_root) + "/" + name;
  try {
    return read_file(path);
  } catch (const Error& e) {
    if (e.code() == ENOENT) {
      return std::nullopt;
    }
    throw;
  }
}

std::string generate_container_name() {
  uint32_t r = 0;
  if (::getrandom(&r, sizeof r, 0) != sizeof r) {
    throw_errno("getrandom for a container name");
  }
  return std::string(kAdjectives[r % kAdjectives.size()]) + "_" + kNouns[(r / kAdjectives.size()) % kNouns.size()];
}

std::string generate_container_id() {
  return random_hex(64);
}

void validate_container_name(const std::string& name) {
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
  bool ok = !name.empty() && name.size() <= 253 && alnum(name[0]);
  for (char c : name) {
    ok = ok && (alnum(c) || c == '_' || c == '.' || c == '-');
  }
  if (!ok) {
    throw Error("invalid container name \"" + name + "\": names are [a-zA-Z0-9][a-zA-Z0-9_.-]*", EINVAL);
  }
}

}  // namespace skiff::pod

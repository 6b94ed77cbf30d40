#include "skiff/runtime/spec.h"

#include <sched.h>
#include <sys/resource.h>

#include <array>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/json.h"

namespace skiff::runtime {

namespace json = skiff::json;
using boost::json::object;
using boost::json::value;

namespace {

struct NamespaceInfo {
  NamespaceType type;
  std::string_view spec_name;
  std::string_view proc_name;
  int clone_flag;
};

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

constexpr std::array<NamespaceInfo, 8> kNamespaces{{
    {NamespaceType::pid, "pid", "pid", CLONE_NEWPID},
    {NamespaceType::network, "network", "net", CLONE_NEWNET},
    {NamespaceType::mount, "mount", "mnt", CLONE_NEWNS},
    {NamespaceType::ipc, "ipc", "ipc", CLONE_NEWIPC},
    {NamespaceType::uts, "uts", "uts", CLONE_NEWUTS},
    {NamespaceType::user, "user", "user", CLONE_NEWUSER},
    {NamespaceType::cgroup, "cgroup", "cgroup", CLONE_NEWCGROUP},
    {NamespaceType::time, "time", "time", CLONE_NEWTIME},
}};

struct RlimitName {
  std::string_view name;
  int resource;
};

constexpr std::array<RlimitName, 16> kRlimits{{
    {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},
    {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
}};

void require_absolute(const std::string& p, std::string_view path) {
  if (p.empty() || p.front() != '/') {
    json::invalid(path, "must be an absolute path", value(p));
  }
}

std::vector<std::string> string_list(const object& obj, std::string_view key, std::string_view path) {
  if (const value* v = json::find(obj, key)) {
    return json::as_string_array(*v, json::field(path, key));
  }
  return {};
}

std::string string_field(const object& obj, std::string_view key, std::string_view path) {
  if (const value* v = json::find(obj, key)) {
    return json::as_string(*v, json::field(path, key));
  }
  return {};
}

void check_env(const std::vector<std::string>& env, std::string_view path) {
  for (size_t i = 0; i < env.size(); ++i) {
    size_t eq = env[i].find('=');
    if (eq == std::string::npos || eq == 0) {
      json::invalid(json::element(path, i), "must be NAME=value", value(env[i]));
    }
  }
}

User parse_user(const value& v, const std::string& path) {
  const object& obj = json::as_object(v, path);
  User user;
  if (const value* uid = json::find(obj, "uid")) {
    user.uid = static_cast<uid_t>(json::as_int_in(*uid, json::field(path, "uid"), 0, UINT32_MAX - 1));
  }
  if (const value* gid = json::find(obj, "gid")) {
    user.gid = static_cast<gid_t>(json::as_int_in(*gid, json::field(path, "gid"), 0, UINT32_MAX - 1));
  }
  if (const value* umask = json::find(obj, "umask")) {
    user.umask = static_cast<mode_t>(json::as_int_in(*umask, json::field(path, "umask"), 0, 0777));
  }
  if (const value* gids = json::find(obj, "additionalGids")) {
    const auto& arr = json::as_array(*gids, json::field(path, "additionalGids"));
    for (size_t i = 0; i < arr.size(); ++i) {
      user.additional_gids.push_back(static_cast<gid_t>(
          json::as_int_in(arr[i], json::element(json::field(path, "additionalGids"), i), 0, UINT32_MAX - 1)));
    }
  }
  return user;
}

std::vector<Rlimit> parse_rlimits(const value& v, const std::string& path) {
  std::vector<Rlimit> out;
  const auto& arr = json::as_array(v, path);
  for (size_t i = 0; i < arr.size(); ++i) {
    std::string at = json::element(path, i);
    const object& obj = json::as_object(arr[i], at);
    Rlimit limit;
    const value* type = json::find(obj, "type");
    if (type == nullptr) {
      json::invalid(json::field(at, "type"), "is required");
    }
    limit.type = json::as_string(*type, json::field(at, "type"));
    limit.resource = rlimit_from_name(limit.type);
    if (limit.resource < 0) {
      json::invalid(json::field(at, "type"), "unknown rlimit type", *type);
    }
    for (const auto& earlier : out) {
      if (earlier.resource == limit.resource) {
        json::invalid(json::field(at, "type"), "duplicate rlimit type", *type);
      }
    }
    if (const value* soft = json::find(obj, "soft")) {
      limit.soft = json::as_uint64(*soft, json::field(at, "soft"));
    }
    if (const value* hard = json::find(obj, "hard")) {
      limit.hard = json::as_uint64(*hard, json::field(at, "hard"));
    }
    if (limit.soft > limit.hard) {
      json::invalid(at,
                    "soft limit " + std::to_string(limit.soft) + " is above hard limit " + std::to_string(limit.hard));
    }
    out.push_back(limit);
  }
  return out;
}

std::vector<Hook> parse_hook_list(const value& v, const std::string& path) {
  std::vector<Hook> out;
  const auto& arr = json::as_array(v, path);
  for (size_t i = 0; i < arr.size(); ++i) {
    std::string at = json::element(path, i);
    const object& obj = json::as_object(arr[i], at);
    Hook hook;
    hook.path = string_field(obj, "path", at);
    require_absolute(hook.path, json::field(at, "path"));
    hook.args = string_list(obj, "args", at);
    hook.env = string_list(obj, "env", at);
    check_env(hook.env, json::field(at, "env"));
    if (const value* timeout = json::find(obj, "timeout")) {
      hook.timeout_seconds = static_cast<int>(json::as_int_in(*timeout, json::field(at, "timeout"), 1, INT32_MAX));
    }
    out.push_back(std::move(hook));
  }
  return out;
}

Hooks parse_hooks(const value& v, const std::string& path) {
  const object& obj = json::as_object(v, path);
  Hooks hooks;
  auto read = [&](std::string_view key, std::vector<Hook>& into) {
    if (const value* list = json::find(obj, key)) {
      into = parse_hook_list(*list, json::field(path, key));
    }
  };
  read("prestart", hooks.prestart);
  read("createRuntime", hooks.create_runtime);
  read("createContainer", hooks.create_container);
  read("startContainer", hooks.start_container);
  read("poststart", hooks.poststart);
  read("poststop", hooks.poststop);
  return hooks;
}

std::vector<Mount> parse_mounts(const value& v, const std::string& path) {
  std::vector<Mount> out;
  const auto& arr = json::as_array(v, path);
  for (size_t i = 0; i < arr.size(); ++i) {
    std::string at = json::element(path, i);
    const object& obj = json::as_object(arr[i], at);
    Mount m;
    m.destination = string_field(obj, "destination", at);
    require_absolute(m.destination, json::field(at, "destination"));
    m.type = string_field(obj, "type", at);
    m.source = string_field(obj, "source", at);
    m.raw_options = string_list(obj, "options", at);
    m.options = parse_mount_options(m.raw_options, json::field(at, "options"));
    if (m.type == "bind") {
      m.options.bind = true;
    }
    if (m.type.empty() && !m.options.bind) {
      json::invalid(json::field(at, "type"), "is required unless the options say bind or rbind");
    }
    if (m.options.bind && m.source.empty()) {
      json::invalid(json::field(at, "source"), "is required for a bind mount");
    }
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<IdMapping> parse_id_mappings(const value& v, const std::string& path) {
  std::vector<IdMapping> out;
  const auto& arr = json::as_array(v, path);
  for (size_t i = 0; i < arr.size(); ++i) {
    std::string at = json::element(path, i);
    const object& obj = json::as_object(arr[i], at);
    IdMapping m;
    auto num = [&](std::string_view key) -> uint32_t {
      const value* f = json::find(obj, key);
      if (f == nullptr) {
        json::invalid(json::field(at, key), "is required");
      }
      return static_cast<uint32_t>(json::as_int_in(*f, json::field(at, key), 0, UINT32_MAX));
    };
    m.container_id = num("containerID");
    m.host_id = num("hostID");
    m.size = num("size");
    if (m.size == 0) {
      json::invalid(json::field(at, "size"), "must be at least 1", value(0));
    }
    out.push_back(m);
  }
  return out;
}

Device parse_device(const value& v, const std::string& at) {
  const object& obj = json::as_object(v, at);
  Device d;
  d.path = string_field(obj, "path", at);
  require_absolute(d.path, json::field(at, "path"));
  std::string type = string_field(obj, "type", at);
  if (type != "c" && type != "b" && type != "u" && type != "p") {
    json::invalid(json::field(at, "type"), "must be c, b, u or p", value(type));
  }
  d.type = type[0];
  if (d.type != 'p') {
    const value* major = json::find(obj, "major");
    const value* minor = json::find(obj, "minor");
    if (major == nullptr || minor == nullptr) {
      json::invalid(at, "major and minor are required for device type " + type);
    }
    d.major = json::as_int_in(*major, json::field(at, "major"), 0, 4095);
    d.minor = json::as_int_in(*minor, json::field(at, "minor"), 0, (1 << 20) - 1);
  }
  if (const value* mode = json::find(obj, "fileMode")) {
    d.file_mode = static_cast<mode_t>(json::as_int_in(*mode, json::field(at, "fileMode"), 0, 07777));
  }
  if (const value* uid = json::find(obj, "uid")) {
    d.uid = static_cast<uid_t>(json::as_int_in(*uid, json::field(at, "uid"), 0, UINT32_MAX - 1));
  }
  if (const value* gid = json::find(obj, "gid")) {
    d.gid = static_cast<gid_t>(json::as_int_in(*gid, json::field(at, "gid"), 0, UINT32_MAX - 1));
  }
  return d;
}

TimeOffset parse_time_offset(const value& v, const std::string& at) {
  const object& obj = json::as_object(v, at);
  TimeOffset t;
  if (const value* secs = json::find(obj, "secs")) {
    t.secs = json::as_int64(*secs, json::field(at, "secs"));
  }
  if (const value* nanos = json::find(obj, "nanosecs")) {
    t.nanosecs = static_cast<uint32_t>(json::as_int_in(*nanos, json::field(at, "nanosecs"), 0, 999999999));
  }
  return t;
}

void parse_namespaces(const value& v, const std::string& path, Linux& linux) {
  const auto& arr = json::as_array(v, path);
  for (size_t i = 0; i < arr.size(); ++i) {
    std::string at = json::element(path, i);
    const object& obj = json::as_object(arr[i], at);
    const value* type = json::find(obj, "type");
    if (type == nullptr) {
      json::invalid(json::field(at, "type"), "is required");
    }
    auto parsed = namespace_type_from_name(json::as_string(*type, json::field(at, "type")));
    if (!parsed) {
      json::invalid(json::field(at, "type"),
                    "unknown namespace type (want pid, network, mount, ipc, uts, user, cgroup or time)", *type);
    }
    if (linux.find_namespace(*parsed) != nullptr) {
      json::invalid(json::field(at, "type"), "namespace listed twice", *type);
    }
    Namespace ns{*parsed, string_field(obj, "path", at)};
    if (!ns.path.empty()) {
      require_absolute(ns.path, json::field(at, "path"));
    }
    linux.namespaces.push_back(std::move(ns));
  }
}

Linux parse_linux(const value& v, const std::string& path) {
  const object& obj = json::as_object(v, path);
  Linux linux;
  if (const value* ns = json::find(obj, "namespaces")) {
    parse_namespaces(*ns, json::field(path, "namespaces"), linux);
  }
  if (const value* m = json::find(obj, "uidMappings")) {
    linux.uid_mappings = parse_id_mappings(*m, json::field(path, "uidMappings"));
  }
  if (const value* m = json::find(obj, "gidMappings")) {
    linux.gid_mappings = parse_id_mappings(*m, json::field(path, "gidMappings"));
  }
  if (const value* devices = json::find(obj, "devices")) {
    std::string at = json::field(path, "devices");
    const auto& arr = json::as_array(*devices, at);
    for (size_t i = 0; i < arr.size(); ++i) {
      linux.devices.push_back(parse_device(arr[i], json::element(at, i)));
    }
  }
  linux.cgroups_path = string_field(obj, "cgroupsPath", path);
  if (const value* resources = json::find(obj, "resources")) {
    linux.resources = cgroups::parse_resources(*resources, json::field(path, "resources"));
  }
  if (const value* sysctl = json::find(obj, "sysctl")) {
    std::string at = json::field(path, "sysctl");
    for (const auto& kv : json::as_object(*sysctl, at)) {
      std::string key(kv.key());
      if (key.empty() || key.find("..") != std::string::npos || key.front() == '/' || key.front() == '.') {
        json::invalid(json::field(at, key), "invalid sysctl name");
      }
      linux.sysctl[key] = json::as_string(kv.value(), json::field(at, key));
    }
  }
  if (const value* seccomp = json::find(obj, "seccomp")) {
    linux.seccomp = parse_seccomp(*seccomp, json::field(path, "seccomp"));
  }
  linux.rootfs_propagation = string_field(obj, "rootfsPropagation", path);
  if (!linux.rootfs_propagation.empty()) {
    parse_propagation(linux.rootfs_propagation, json::field(path, "rootfsPropagation"));
  }
  linux.masked_paths = string_list(obj, "maskedPaths", path);
  linux.readonly_paths = string_list(obj, "readonlyPaths", path);
  for (size_t i = 0; i < linux.masked_paths.size(); ++i) {
    require_absolute(linux.masked_paths[i], json::element(json::field(path, "maskedPaths"), i));
  }
  for (size_t i = 0; i < linux.readonly_paths.size(); ++i) {
    require_absolute(linux.readonly_paths[i], json::element(json::field(path, "readonlyPaths"), i));
  }
  linux.mount_label = string_field(obj, "mountLabel", path);
  if (const value* offsets = json::find(obj, "timeOffsets")) {
    std::string at = json::field(path, "timeOffsets");
    for (const auto& kv : json::as_object(*offsets, at)) {
      if (kv.key() == "monotonic") {
        linux.time_monotonic = parse_time_offset(kv.value(), json::field(at, "monotonic"));
      } else if (kv.key() == "boottime") {
        linux.time_boottime = parse_time_offset(kv.value(), json::field(at, "boottime"));
      } else {
        json::invalid(json::field(at, kv.key()), "unknown clock (want monotonic or boottime)");
      }
    }
  }
  if (const value* personality = json::find(obj, "personality")) {
    std::string at = json::field(path, "personality");
    const object& p = json::as_object(*personality, at);
    Personality pers;
    pers.domain = string_field(p, "domain", at);
    if (pers.domain != "LINUX" && pers.domain != "LINUX32") {
      json::invalid(json::field(at, "domain"), "must be LINUX or LINUX32", value(pers.domain));
    }
    pers.flags = string_list(p, "flags", at);
    linux.personality = std::move(pers);
  }
  return linux;
}

void validate(Spec& spec) {
  const Linux& linux = spec.linux;
  bool new_user = false;
  if (const Namespace* user = linux.find_namespace(NamespaceType::user)) {
    new_user = user->path.empty();
  }
  if (new_user && (linux.uid_mappings.empty() || linux.gid_mappings.empty())) {
    json::invalid("linux.uidMappings", "a new user namespace needs uidMappings and gidMappings");
  }
  if (linux.find_namespace(NamespaceType::user) == nullptr &&
      (!linux.uid_mappings.empty() || !linux.gid_mappings.empty())) {
    json::invalid("linux.uidMappings", "id mappings are given but linux.namespaces has no user namespace");
  }
  const Namespace* uts = linux.find_namespace(NamespaceType::uts);
  if ((!spec.hostname.empty() || !spec.domainname.empty()) && (uts == nullptr || !uts->path.empty())) {
    bool host = !spec.hostname.empty();
    json::invalid(host ? "hostname" : "domainname", "setting it needs a new uts namespace in linux.namespaces",
                  value(host ? spec.hostname : spec.domainname));
  }
  const Namespace* time = linux.find_namespace(NamespaceType::time);
  if ((linux.time_monotonic || linux.time_boottime) && (time == nullptr || !time->path.empty())) {
    json::invalid("linux.timeOffsets", "time offsets need a new time namespace in linux.namespaces");
  }
  for (const auto& [key, val] : linux.sysctl) {
    bool net = key.rfind("net.", 0) == 0;
    bool ipc = key.rfind("kernel.msg", 0) == 0 || key.rfind("kernel.sem", 0) == 0 || key.rfind("kernel.shm", 0) == 0 ||
               key.rfind("fs.mqueue.", 0) == 0;
    bool uts_key = key == "kernel.hostname" || key == "kernel.domainname";
    auto owns = [&](NamespaceType t) { return linux.find_namespace(t) != nullptr; };
    if (net && !owns(NamespaceType::network)) {
      json::invalid("linux.sysctl." + key, "needs a network namespace in linux.namespaces");
    }
    if (ipc && !owns(NamespaceType::ipc)) {
      json::invalid("linux.sysctl." + key, "needs an ipc namespace in linux.namespaces");
    }
    if (uts_key && !owns(NamespaceType::uts)) {
      json::invalid("linux.sysctl." + key, "needs a uts namespace in linux.namespaces");
    }
    if (!net && !ipc && !uts_key) {
      json::invalid("linux.sysctl." + key,
                    "is not namespaced: only net.*, kernel.msg*, kernel.sem*, kernel.shm*, fs.mqueue.*, "
                    "kernel.hostname and kernel.domainname can be set for a container",
                    value(val));
    }
  }
  if (spec.process && spec.process->args.empty()) {
    json::invalid("process.args", "must name the program to run");
  }
}

}  // namespace

const Namespace* Linux::find_namespace(NamespaceType type) const {
  for (const auto& ns : namespaces) {
    if (ns.type == type) {
      return &ns;
    }
  }
  return nullptr;
}

std::string_view namespace_type_name(NamespaceType type) {
  for (const auto& info : kNamespaces) {
    if (info.type == type) {
      return info.spec_name;
    }
  }
  return "unknown";
}

std::optional<NamespaceType> namespace_type_from_name(std::string_view name) {
  for (const auto& info : kNamespaces) {
    if (info.spec_name == name) {
      return info.type;
    }
  }
  return std::nullopt;
}

int namespace_clone_flag(NamespaceType type) {
  for (const auto& info : kNamespaces) {
    if (info.type == type) {
      return info.clone_flag;
    }
  }
  return 0;
}

std::string_view namespace_proc_name(NamespaceType type) {
  for (const auto& info : kNamespaces) {
    if (info.type == type) {
      return info.proc_name;
    }
  }
  return "";
}

int rlimit_from_name(std::string_view name) {
  for (const auto& r : kRlimits) {
    if (r.name == name) {
      return r.resource;
    }
  }
  return -1;
}

Process parse_process(const value& v, const std::string& path) {
  const object& obj = json::as_object(v, path);
  Process p;
  if (const value* terminal = json::find(obj, "terminal")) {
    p.terminal = json::as_bool(*terminal, json::field(path, "terminal"));
  }
  if (const value* size = json::find(obj, "consoleSize")) {
    std::string at = json::field(path, "consoleSize");
    const object& s = json::as_object(*size, at);
    ConsoleSize cs;
    if (const value* h = json::find(s, "height")) {
      cs.height = static_cast<unsigned short>(json::as_int_in(*h, json::field(at, "height"), 0, 65535));
    }
    if (const value* w = json::find(s, "width")) {
      cs.width = static_cast<unsigned short>(json::as_int_in(*w, json::field(at, "width"), 0, 65535));
    }
    p.console_size = cs;
  }
  if (const value* user = json::find(obj, "user")) {
    p.user = parse_user(*user, json::field(path, "user"));
  }
  p.args = string_list(obj, "args", path);
  if (json::find(obj, "commandLine") != nullptr) {
    json::invalid(json::field(path, "commandLine"), "is for Windows; use args");
  }
  p.env = string_list(obj, "env", path);
  check_env(p.env, json::field(path, "env"));
  if (const value* cwd = json::find(obj, "cwd")) {
    p.cwd = json::as_string(*cwd, json::field(path, "cwd"));
  }
  require_absolute(p.cwd, json::field(path, "cwd"));
  if (const value* caps = json::find(obj, "capabilities")) {
    p.capabilities = parse_capabilities(*caps, json::field(path, "capabilities"));
  }
  if (const value* rlimits = json::find(obj, "rlimits")) {
    p.rlimits = parse_rlimits(*rlimits, json::field(path, "rlimits"));
  }
  if (const value* nnp = json::find(obj, "noNewPrivileges")) {
    p.no_new_privileges = json::as_bool(*nnp, json::field(path, "noNewPrivileges"));
  }
  if (const value* oom = json::find(obj, "oomScoreAdj")) {
    p.oom_score_adj = static_cast<int>(json::as_int_in(*oom, json::field(path, "oomScoreAdj"), -1000, 1000));
  }
  p.apparmor_profile = string_field(obj, "apparmorProfile", path);
  p.selinux_label = string_field(obj, "selinuxLabel", path);
  return p;
}

Spec parse_spec(const value& document, const std::string& what) {
  try {
    const object& obj = json::as_object(document, "config");
    Spec spec;
    spec.oci_version = string_field(obj, "ociVersion", "");
    if (spec.oci_version.empty()) {
      json::invalid("ociVersion", "is required");
    }
    if (spec.oci_version.rfind("1.", 0) != 0) {
      json::invalid("ociVersion", "unsupported version (want 1.x)", value(spec.oci_version));
    }
    const value* root = json::find(obj, "root");
    if (root == nullptr) {
      json::invalid("root", "is required");
    }
    const object& root_obj = json::as_object(*root, "root");
    spec.root_path = string_field(root_obj, "path", "root");
    if (spec.root_path.empty()) {
      json::invalid("root.path", "is required");
    }
    if (const value* ro = json::find(root_obj, "readonly")) {
      spec.root_readonly = json::as_bool(*ro, "root.readonly");
    }
    spec.hostname = string_field(obj, "hostname", "");
    spec.domainname = string_field(obj, "domainname", "");
    if (const value* process = json::find(obj, "process")) {
      spec.process = parse_process(*process, "process");
    }
    if (const value* mounts = json::find(obj, "mounts")) {
      spec.mounts = parse_mounts(*mounts, "mounts");
    }
    if (const value* hooks = json::find(obj, "hooks")) {
      spec.hooks = parse_hooks(*hooks, "hooks");
    }
    if (const value* annotations = json::find(obj, "annotations")) {
      for (const auto& kv : json::as_object(*annotations, "annotations")) {
        spec.annotations[std::string(kv.key())] = json::as_string(kv.value(), json::field("annotations", kv.key()));
      }
    }
    if (const value* linux = json::find(obj, "linux")) {
      spec.linux = parse_linux(*linux, "linux");
    } else {
      json::invalid("linux", "is required on Linux");
    }
    validate(spec);
    return spec;
  } catch (const Error& e) {
    throw Error(what + ": " + e.what());
  }
}

Spec load_spec(const std::string& bundle) {
  std::string path = bundle + "/config.json";
  return parse_spec(json::parse_file(path), path);
}

}  // namespace skiff::runtime

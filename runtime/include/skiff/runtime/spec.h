#pragma once

#include <sys/types.h>

#include <boost/json/value.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "skiff/cgroups/resources.h"
#include "skiff/runtime/capabilities.h"
#include "skiff/runtime/mount_options.h"
#include "skiff/runtime/seccomp.h"

namespace skiff::runtime {

// The OCI runtime-spec config.json model, as far as skiff implements it. parse_spec fills and
// validates it; everything below is already checked (names, numbers, paths).

struct User {
  uid_t uid = 0;
  gid_t gid = 0;
  std::optional<mode_t> umask;
  std::vector<gid_t> additional_gids;
};

struct Rlimit {
  int resource = 0;  // RLIMIT_NOFILE, ...
  std::string type;  // "RLIMIT_NOFILE", for messages
  uint64_t soft = 0;
  uint64_t hard = 0;
};

struct ConsoleSize {
  unsigned short height = 0;
  unsigned short width = 0;
};

struct Process {
  bool terminal = false;
  std::optional<ConsoleSize> console_size;
  User user;
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::string cwd = "/";
  std::optional<CapabilitySets> capabilities;
  std::vector<Rlimit> rlimits;
  bool no_new_privileges = false;
  std::optional<int> oom_score_adj;
  std::string apparmor_profile;
  std::string selinux_label;
};

struct Mount {
  std::string destination;
  std::string type;
  std::string source;
  MountOptions options;
  std::vector<std::string> raw_options;  // as written, for the state and messages
};

struct Hook {
  std::string path;
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::optional<int> timeout_seconds;
};

struct Hooks {
  std::vector<Hook> prestart;
  std::vector<Hook> create_runtime;
  std::vector<Hook> create_container;
  std::vector<Hook> start_container;
  std::vector<Hook> poststart;
  std::vector<Hook> poststop;
};

enum class NamespaceType { pid, network, mount, ipc, uts, user, cgroup, time };

struct Namespace {
  NamespaceType type = NamespaceType::pid;
  std::string path;  // empty: a new namespace; else join this one
};

struct IdMapping {
  uint32_t container_id = 0;
  uint32_t host_id = 0;
  uint32_t size = 0;
};

struct Device {
  std::string path;
  char type = 'c';  // c, b, u or p
  int64_t major = 0;
  int64_t minor = 0;
  std::optional<mode_t> file_mode;
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
};

struct TimeOffset {
  int64_t secs = 0;
  uint32_t nanosecs = 0;
};

struct Personality {
  std::string domain;  // LINUX or LINUX32
  std::vector<std::string> flags;
};

struct Linux {
  std::vector<Namespace> namespaces;
  std::vector<IdMapping> uid_mappings;
  std::vector<IdMapping> gid_mappings;
  std::vector<Device> devices;
  std::string cgroups_path;
  std::optional<cgroups::Resources> resources;
  std::map<std::string, std::string> sysctl;
  std::optional<Seccomp> seccomp;
  std::string rootfs_propagation;
  std::vector<std::string> masked_paths;
  std::vector<std::string> readonly_paths;
  std::string mount_label;
  std::optional<TimeOffset> time_monotonic;
  std::optional<TimeOffset> time_boottime;
  std::optional<Personality> personality;

  [[nodiscard]] const Namespace* find_namespace(NamespaceType type) const;
};

struct Spec {
  std::string oci_version;
  std::string root_path;  // as written (relative to the bundle or absolute)
  bool root_readonly = false;
  std::string hostname;
  std::string domainname;
  std::optional<Process> process;
  std::vector<Mount> mounts;
  Hooks hooks;
  std::map<std::string, std::string> annotations;
  Linux linux;
};

// Parses and validates a config.json document; what names the file in errors. Every error names
// the field and the value ("linux.namespaces[2].type: unknown namespace type (got \"foo\")").
Spec parse_spec(const boost::json::value& document, const std::string& what);
// Reads <bundle>/config.json and parses it.
Spec load_spec(const std::string& bundle);
// Parses one process object (config.json's process, or exec --process's file).
Process parse_process(const boost::json::value& value, const std::string& path);

std::string_view namespace_type_name(NamespaceType type);
std::optional<NamespaceType> namespace_type_from_name(std::string_view name);
// CLONE_NEWPID, ...
int namespace_clone_flag(NamespaceType type);
// "pid", "net", "mnt", ... as under /proc/<pid>/ns.
std::string_view namespace_proc_name(NamespaceType type);

// Parses an rlimit type name ("RLIMIT_NOFILE"); -1 when unknown.
int rlimit_from_name(std::string_view name);

}  // namespace skiff::runtime

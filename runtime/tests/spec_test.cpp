#include "skiff/runtime/spec.h"

#include <gtest/gtest.h>
#include <linux/mount.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include <string>

#include "skiff/base/error.h"
#include "skiff/base/json.h"

namespace skiff::runtime {
namespace {

// A config.json with every section skiff reads.
constexpr const char* kFullConfig = R"({
  "ociVersion": "1.2.0",
  "root": {"path": "rootfs", "readonly": true},
  "hostname": "box",
  "domainname": "example.org",
  "process": {
    "terminal": true,
    "consoleSize": {"height": 24, "width": 80},
    "user": {"uid": 1000, "gid": 1001, "umask": 18, "additionalGids": [5, 6]},
    "args": ["sh", "-c", "echo hi"],
    "env": ["PATH=/bin", "A=b=c"],
    "cwd": "/work",
    "capabilities": {
      "bounding": ["CAP_KILL", "CAP_CHOWN"],
      "effective": ["CAP_KILL"],
      "permitted": ["CAP_KILL"],
      "inheritable": [],
      "ambient": []
    },
    "rlimits": [
      {"type": "RLIMIT_NOFILE", "soft": 1024, "hard": 4096},
      {"type": "RLIMIT_CORE", "soft": 0, "hard": 0}
    ],
    "noNewPrivileges": true,
    "oomScoreAdj": -500,
    "apparmorProfile": "profile",
    "selinuxLabel": "label"
  },
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "mode=755", "size=65536k"]},
    {"destination": "/data", "source": "/srv/data", "options": ["rbind", "ro", "rprivate"]},
    {"destination": "/typed", "type": "bind", "source": "relative/dir"}
  ],
  "hooks": {
    "prestart": [{"path": "/bin/pre", "args": ["pre", "1"], "env": ["X=1"], "timeout": 5}],
    "createRuntime": [{"path": "/bin/cr"}],
    "createContainer": [{"path": "/bin/cc"}],
    "startContainer": [{"path": "/bin/sc"}],
    "poststart": [{"path": "/bin/ps"}, {"path": "/bin/ps2"}],
    "poststop": [{"path": "/bin/stop"}]
  },
  "annotations": {"org.example/key": "value"},
  "linux": {
    "namespaces": [
      {"type": "pid"}, {"type": "network", "path": "/proc/1/ns/net"}, {"type": "mount"}, {"type": "ipc"},
      {"type": "uts"}, {"type": "user"}, {"type": "cgroup"}, {"type": "time"}
    ],
    "uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
    "gidMappings": [{"containerID": 0, "hostID": 200000, "size": 1000}, {"containerID": 1000, "hostID": 5, "size": 1}],
    "devices": [
      {"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 438, "uid": 0, "gid": 0},
      {"path": "/dev/fifo", "type": "p"}
    ],
    "cgroupsPath": "/skiff/box",
    "resources": {"memory": {"limit": 67108864}, "pids": {"limit": 100},
                  "devices": [{"allow": false, "access": "rwm"}]},
    "sysctl": {"net.ipv4.ip_forward": "1", "kernel.shmmax": "1000", "kernel.hostname": "h"},
    "seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
                "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]},
    "rootfsPropagation": "rslave",
    "maskedPaths": ["/proc/kcore"],
    "readonlyPaths": ["/proc/sys"],
    "mountLabel": "mlabel",
    "timeOffsets": {"monotonic": {"secs": 100, "nanosecs": 5}, "boottime": {"secs": -7}},
    "personality": {"domain": "LINUX32", "flags": []}
  }
})";

boost::json::value full() {
  return json::parse(kFullConfig, "full");
}

// A small valid config to break one field of.
boost::json::value minimal() {
  return json::parse(R"({
    "ociVersion": "1.0.2",
    "root": {"path": "rootfs"},
    "process": {"args": ["true"], "cwd": "/"},
    "linux": {"namespaces": [{"type": "mount"}, {"type": "pid"}]}
  })",
                     "minimal");
}

// The message parse_spec throws for doc, or "" when it accepts it.
std::string spec_error(const boost::json::value& doc) {
  try {
    parse_spec(doc, "config.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

boost::json::object& linux_of(boost::json::value& doc) {
  return doc.at("linux").as_object();
}

#define EXPECT_CONTAINS(text, part) EXPECT_NE(std::string(text).find(part), std::string::npos) << (text)

TEST(ParseSpec, FullConfig) {
  Spec spec = parse_spec(full(), "config.json");
  EXPECT_EQ(spec.oci_version, "1.2.0");
  EXPECT_EQ(spec.root_path, "rootfs");
  EXPECT_TRUE(spec.root_readonly);
  EXPECT_EQ(spec.hostname, "box");
  EXPECT_EQ(spec.domainname, "example.org");
  EXPECT_EQ(spec.annotations.at("org.example/key"), "value");

  ASSERT_TRUE(spec.process);
  const Process& p = *spec.process;
  EXPECT_TRUE(p.terminal);
  ASSERT_TRUE(p.console_size);
  EXPECT_EQ(p.console_size->height, 24);
  EXPECT_EQ(p.console_size->width, 80);
  EXPECT_EQ(p.user.uid, 1000u);
  EXPECT_EQ(p.user.gid, 1001u);
  EXPECT_EQ(p.user.umask, 022u);
  EXPECT_EQ(p.user.additional_gids, (std::vector<gid_t>{5, 6}));
  EXPECT_EQ(p.args, (std::vector<std::string>{"sh", "-c", "echo hi"}));
  EXPECT_EQ(p.env, (std::vector<std::string>{"PATH=/bin", "A=b=c"}));
  EXPECT_EQ(p.cwd, "/work");
  ASSERT_TRUE(p.capabilities);
  EXPECT_EQ(p.capabilities->bounding, (1ULL << 5) | (1ULL << 0));  // CAP_KILL, CAP_CHOWN
  EXPECT_EQ(p.capabilities->effective, 1ULL << 5);
  EXPECT_EQ(p.capabilities->inheritable, 0u);
  ASSERT_EQ(p.rlimits.size(), 2u);
  EXPECT_EQ(p.rlimits[0].resource, RLIMIT_NOFILE);
  EXPECT_EQ(p.rlimits[0].type, "RLIMIT_NOFILE");
  EXPECT_EQ(p.rlimits[0].soft, 1024u);
  EXPECT_EQ(p.rlimits[0].hard, 4096u);
  EXPECT_EQ(p.rlimits[1].resource, RLIMIT_CORE);
  EXPECT_TRUE(p.no_new_privileges);
  EXPECT_EQ(p.oom_score_adj, -500);
  EXPECT_EQ(p.apparmor_profile, "profile");
  EXPECT_EQ(p.selinux_label, "label");

  ASSERT_EQ(spec.mounts.size(), 4u);
  EXPECT_EQ(spec.mounts[0].destination, "/proc");
  EXPECT_EQ(spec.mounts[0].type, "proc");
  EXPECT_FALSE(spec.mounts[0].options.bind);
  EXPECT_EQ(spec.mounts[1].options.flags, static_cast<unsigned long>(MS_NOSUID));
  EXPECT_EQ(spec.mounts[1].options.data, "mode=755,size=65536k");
  EXPECT_EQ(spec.mounts[1].raw_options.size(), 3u);
  EXPECT_TRUE(spec.mounts[2].options.bind);
  EXPECT_TRUE(spec.mounts[2].options.recursive_bind);
  EXPECT_EQ(spec.mounts[2].options.flags, static_cast<unsigned long>(MS_RDONLY));
  EXPECT_EQ(spec.mounts[2].options.propagation, (std::vector<unsigned long>{MS_PRIVATE | MS_REC}));
  EXPECT_TRUE(spec.mounts[3].options.bind);  // type "bind" means a bind mount
  EXPECT_FALSE(spec.mounts[3].options.recursive_bind);

  ASSERT_EQ(spec.hooks.prestart.size(), 1u);
  EXPECT_EQ(spec.hooks.prestart[0].path, "/bin/pre");
  EXPECT_EQ(spec.hooks.prestart[0].args, (std::vector<std::string>{"pre", "1"}));
  EXPECT_EQ(spec.hooks.prestart[0].env, (std::vector<std::string>{"X=1"}));
  EXPECT_EQ(spec.hooks.prestart[0].timeout_seconds, 5);
  EXPECT_EQ(spec.hooks.create_runtime.size(), 1u);
  EXPECT_EQ(spec.hooks.create_container.size(), 1u);
  EXPECT_EQ(spec.hooks.start_container.size(), 1u);
  EXPECT_EQ(spec.hooks.poststart.size(), 2u);
  ASSERT_EQ(spec.hooks.poststop.size(), 1u);
  EXPECT_FALSE(spec.hooks.poststop[0].timeout_seconds);

  const Linux& l = spec.linux;
  ASSERT_EQ(l.namespaces.size(), 8u);
  EXPECT_EQ(l.namespaces[0].type, NamespaceType::pid);
  ASSERT_NE(l.find_namespace(NamespaceType::network), nullptr);
  EXPECT_EQ(l.find_namespace(NamespaceType::network)->path, "/proc/1/ns/net");
  EXPECT_EQ(l.find_namespace(NamespaceType::time)->path, "");
  ASSERT_EQ(l.uid_mappings.size(), 1u);
  EXPECT_EQ(l.uid_mappings[0].container_id, 0u);
  EXPECT_EQ(l.uid_mappings[0].host_id, 100000u);
  EXPECT_EQ(l.uid_mappings[0].size, 65536u);
  ASSERT_EQ(l.gid_mappings.size(), 2u);
  EXPECT_EQ(l.gid_mappings[1].container_id, 1000u);
  EXPECT_EQ(l.gid_mappings[1].host_id, 5u);
  ASSERT_EQ(l.devices.size(), 2u);
  EXPECT_EQ(l.devices[0].path, "/dev/fuse");
  EXPECT_EQ(l.devices[0].type, 'c');
  EXPECT_EQ(l.devices[0].major, 10);
  EXPECT_EQ(l.devices[0].minor, 229);
  EXPECT_EQ(l.devices[0].file_mode, 0666u);
  EXPECT_EQ(l.devices[0].uid, 0u);
  EXPECT_EQ(l.devices[1].type, 'p');
  EXPECT_FALSE(l.devices[1].file_mode);
  EXPECT_EQ(l.cgroups_path, "/skiff/box");
  ASSERT_TRUE(l.resources);
  ASSERT_TRUE(l.resources->memory);
  EXPECT_EQ(l.resources->memory->limit, 64 * 1024 * 1024);
  EXPECT_EQ(l.resources->pids_limit, 100);
  EXPECT_EQ(l.resources->devices.size(), 1u);
  EXPECT_EQ(l.sysctl.size(), 3u);
  EXPECT_EQ(l.sysctl.at("net.ipv4.ip_forward"), "1");
  ASSERT_TRUE(l.seccomp);
  EXPECT_EQ(l.seccomp->default_action, "SCMP_ACT_ALLOW");
  ASSERT_EQ(l.seccomp->syscalls.size(), 1u);
  EXPECT_EQ(l.seccomp->syscalls[0].errno_ret, 1u);
  EXPECT_EQ(l.rootfs_propagation, "rslave");
  EXPECT_EQ(l.masked_paths, (std::vector<std::string>{"/proc/kcore"}));
  EXPECT_EQ(l.readonly_paths, (std::vector<std::string>{"/proc/sys"}));
  EXPECT_EQ(l.mount_label, "mlabel");
  ASSERT_TRUE(l.time_monotonic);
  EXPECT_EQ(l.time_monotonic->secs, 100);
  EXPECT_EQ(l.time_monotonic->nanosecs, 5u);
  ASSERT_TRUE(l.time_boottime);
  EXPECT_EQ(l.time_boottime->secs, -7);
  ASSERT_TRUE(l.personality);
  EXPECT_EQ(l.personality->domain, "LINUX32");
}

TEST(ParseSpec, MinimalConfigDefaults) {
  Spec spec = parse_spec(minimal(), "config.json");
  EXPECT_FALSE(spec.root_readonly);
  ASSERT_TRUE(spec.process);
  EXPECT_FALSE(spec.process->terminal);
  EXPECT_EQ(spec.process->user.uid, 0u);
  EXPECT_FALSE(spec.process->capabilities);
  EXPECT_FALSE(spec.process->oom_score_adj);
  EXPECT_TRUE(spec.mounts.empty());
  EXPECT_FALSE(spec.linux.resources);
  EXPECT_FALSE(spec.linux.seccomp);
}

TEST(ParseSpec, ProcessIsOptional) {
  auto doc = minimal();
  doc.as_object().erase("process");
  Spec spec = parse_spec(doc, "config.json");
  EXPECT_FALSE(spec.process);
}

TEST(ParseSpec, ErrorsStartWithTheFileName) {
  auto doc = minimal();
  doc.as_object()["hostname"] = 5;
  std::string msg = spec_error(doc);
  EXPECT_EQ(msg, "config.json: hostname: must be a string (got 5)");
}

TEST(SpecValidation, UnknownNamespaceType) {
  auto doc = minimal();
  linux_of(doc)["namespaces"].as_array().push_back(boost::json::object{{"type", "foo"}});
  std::string msg = spec_error(doc);
  EXPECT_CONTAINS(msg, "linux.namespaces[2].type");
  EXPECT_CONTAINS(msg, "unknown namespace type");
  EXPECT_CONTAINS(msg, "\"foo\"");
}

TEST(SpecValidation, DuplicateNamespace) {
  auto doc = minimal();
  linux_of(doc)["namespaces"].as_array().push_back(boost::json::object{{"type", "pid"}});
  std::string msg = spec_error(doc);
  EXPECT_CONTAINS(msg, "linux.namespaces[2].type");
  EXPECT_CONTAINS(msg, "twice");
  EXPECT_CONTAINS(msg, "\"pid\"");
}

TEST(SpecValidation, NamespaceTypeMissingOrRelativePath) {
  auto doc = minimal();
  linux_of(doc)["namespaces"].as_array().push_back(boost::json::object{{"path", "/proc/1/ns/ipc"}});
  EXPECT_CONTAINS(spec_error(doc), "linux.namespaces[2].type: is required");
  doc = minimal();
  linux_of(doc)["namespaces"].as_array().push_back(boost::json::object{{"type", "ipc"}, {"path", "proc/1/ns/ipc"}});
  std::string msg = spec_error(doc);
  EXPECT_CONTAINS(msg, "linux.namespaces[2].path: must be an absolute path");
  EXPECT_CONTAINS(msg, "\"proc/1/ns/ipc\"");
}

TEST(SpecValidation, RelativeMountDestination) {
  auto doc = minimal();
  doc.as_object()["mounts"] = {{{"destination", "proc"}, {"type", "proc"}, {"source", "proc"}}};
  std::string msg = spec_error(doc);
  EXPECT_CONTAINS(msg, "mounts[0].destination");
  EXPECT_CONTAINS(msg, "absolute");
  EXPECT_CONTAINS(msg, "\"proc\"");
}

TEST(SpecValidation, MountWithoutTypeOrBindSource) {
  auto doc = minimal();
  doc.as_object()["mounts"] = {{{"destination", "/x"}, {"source", "/y"}}};
  EXPECT_CONTAINS(spec_error(doc), "mounts[0].type: is required");
  doc.as_object()["mounts"] = {{{"destination", "/x"}, {"options", {"bind"}}}};
  EXPECT_CONTAINS(spec_error(doc), "mounts[0].source: is required for a bind mount");
}

TEST(SpecValidation, MissingRootPath) {
  auto doc = minimal();
  doc.at("root").as_object().erase("path");
  EXPECT_CONTAINS(spec_error(doc), "root.path: is required");
  doc.as_object().erase("root");
  EXPECT_CONTAINS(spec_error(doc), "root: is required");
}

TEST(SpecValidation, BadRlimitType) {
  auto doc = minimal();
  doc.at("process").as_object()["rlimits"] = {{{"type", "RLIMIT_BOGUS"}, {"soft", 1}, {"hard", 1}}};
  std::string msg = spec_error(doc);
  EXPECT_CONTAINS(msg, "process.rlimits[0].type");
  EXPECT_CONTAINS(msg, "unknown rlimit type");
  EXPECT_CONTAINS(msg, "\"RLIMIT_BOGUS\"");
}

TEST(SpecValidation, DuplicateRlimit) {
  auto doc = minimal();
  doc.at("process").as_object()["rlimits"] = {{{"type", "RLIMIT_NOFILE"}, {"soft", 1}, {"hard", 1}},
                                              {{"type", "RLIMIT_NOFILE"}, {"soft", 2}, {"hard", 2}}};
  std::string msg = spec_error(doc);
  EXPECT_CONTAINS(msg, "process.rlimits[1].type");
  EXPECT_CONTAINS(msg, "duplicate");
}

TEST(SpecValidation, RlimitSoftAboveHard) {
  auto doc = minimal();
  doc.at("process").as_object()["rlimits"] = {{{"type", "RLIMIT_NOFILE"}, {"soft", 2048}, {"hard", 1024}}};
  std::string msg = spec_error(doc);
  EXPECT_CONTAINS(msg, "process.rlimits[0]");
  EXPECT_CONTAINS(msg, "2048");
  EXPECT_CONTAINS(msg, "1024");
}

TEST(SpecValidation, SysctlNotNamespaced) {
  auto doc = minimal();
  linux_of(doc)["sysctl"] = {{"vm.swappiness", "10"}};
  std::string msg = spec_error(doc);
  EXPECT_CONTAINS(msg, "linux.sysctl.vm.swappiness");
  EXPECT_CONTAINS(msg, "not namespaced");
  EXPECT_CONTAINS(msg, "\"10\"");
}

TEST(SpecValidation, SysctlNeedsItsNamespace) {
  auto doc = minimal();
  linux_of(doc)["sysctl"] = {{"net.ipv4.ip_forward", "1"}};
  std::string msg = spec_error(doc);
  EXPECT_CONTAINS(msg, "linux.sysctl.net.ipv4.ip_forward");
  EXPECT_CONTAINS(msg, "network namespace");
  doc = minimal();
  linux_of(doc)["sysctl"] = {{"kernel.shmmax", "1"}};
  EXPECT_CONTAINS(spec_error(doc), "ipc namespace");
  doc = minimal();
  linux_of(doc)["sysctl"] = {{"../../etc/passwd", "1"}};
  EXPECT_CONTAINS(spec_error(doc), "invalid sysctl name");
}

TEST(SpecValidation, IdMappingsWithoutUserNamespace) {
  auto doc = minimal();
  linux_of(doc)["uidMappings"] = {{{"containerID", 0}, {"hostID", 1000}, {"size", 1}}};
  linux_of(doc)["gidMappings"] = {{{"containerID", 0}, {"hostID", 1000}, {"size", 1}}};
  std::string msg = spec_error(doc);
  EXPECT_CONTAINS(msg, "linux.uidMappings");
  EXPECT_CONTAINS(msg, "no user namespace");
}

TEST(SpecValidation, UserNamespaceWithoutMappings) {
  auto doc = minimal();
  linux_of(doc)["namespaces"].as_array().push_back(boost::json::object{{"type", "user"}});
  EXPECT_CONTAINS(spec_error(doc), "needs uidMappings and gidMappings");
  // Joining an existing user namespace needs none.
  linux_of(doc)["namespaces"].as_array().back().as_object()["path"] = "/proc/1/ns/user";
  EXPECT_EQ(spec_error(doc), "");
}

TEST(SpecValidation, IdMappingFields) {
  auto doc = minimal();
  linux_of(doc)["namespaces"].as_array().push_back(boost::json::object{{"type", "user"}});
  linux_of(doc)["uidMappings"] = {{{"containerID", 0}, {"hostID", 1000}, {"size", 0}}};
  linux_of(doc)["gidMappings"] = {{{"containerID", 0}, {"hostID", 1000}, {"size", 1}}};
  EXPECT_CONTAINS(spec_error(doc), "linux.uidMappings[0].size: must be at least 1");
  linux_of(doc)["uidMappings"] = {{{"containerID", 0}, {"size", 1}}};
  EXPECT_CONTAINS(spec_error(doc), "linux.uidMappings[0].hostID: is required");
  linux_of(doc)["uidMappings"] = {{{"containerID", -1}, {"hostID", 0}, {"size", 1}}};
  EXPECT_CONTAINS(spec_error(doc), "linux.uidMappings[0].containerID");
}

TEST(SpecValidation, HostnameWithoutUtsNamespace) {
  auto doc = minimal();
  doc.as_object()["hostname"] = "box";
  std::string msg = spec_error(doc);
  EXPECT_CONTAINS(msg, "hostname");
  EXPECT_CONTAINS(msg, "uts namespace");
  EXPECT_CONTAINS(msg, "\"box\"");
  doc = minimal();
  doc.as_object()["domainname"] = "example.org";
  msg = spec_error(doc);
  EXPECT_CONTAINS(msg, "domainname");
  EXPECT_CONTAINS(msg, "\"example.org\"");
}

TEST(SpecValidation, TimeOffsetsWithoutTimeNamespace) {
  auto doc = minimal();
  linux_of(doc)["timeOffsets"] = {{"monotonic", {{"secs", 10}}}};
  std::string msg = spec_error(doc);
  EXPECT_CONTAINS(msg, "linux.timeOffsets");
  EXPECT_CONTAINS(msg, "time namespace");
  doc = minimal();
  linux_of(doc)["timeOffsets"] = {{"realtime", {{"secs", 10}}}};
  EXPECT_CONTAINS(spec_error(doc), "linux.timeOffsets.realtime: unknown clock");
  doc = minimal();
  linux_of(doc)["namespaces"].as_array().push_back(boost::json::object{{"type", "time"}});
  linux_of(doc)["timeOffsets"] = {{"boottime", {{"nanosecs", 1000000000}}}};
  EXPECT_CONTAINS(spec_error(doc), "linux.timeOffsets.boottime.nanosecs");
}

TEST(SpecValidation, OciVersion) {
  auto doc = minimal();
  doc.as_object().erase("ociVersion");
  EXPECT_CONTAINS(spec_error(doc), "ociVersion: is required");
  doc.as_object()["ociVersion"] = "2.0.0";
  std::string msg = spec_error(doc);
  EXPECT_CONTAINS(msg, "ociVersion: unsupported version");
  EXPECT_CONTAINS(msg, "\"2.0.0\"");
  doc.as_object()["ociVersion"] = 1;
  EXPECT_CONTAINS(spec_error(doc), "ociVersion: must be a string (got 1)");
}

TEST(SpecValidation, LinuxSectionRequired) {
  auto doc = minimal();
  doc.as_object().erase("linux");
  EXPECT_CONTAINS(spec_error(doc), "linux: is required");
}

TEST(SpecValidation, ProcessFields) {
  auto doc = minimal();
  doc.at("process").as_object()["args"] = boost::json::array{};
  EXPECT_CONTAINS(spec_error(doc), "process.args: must name the program");
  doc = minimal();
  doc.at("process").as_object()["cwd"] = "work";
  EXPECT_CONTAINS(spec_error(doc), "process.cwd: must be an absolute path (got \"work\")");
  doc = minimal();
  doc.at("process").as_object()["env"] = {"NOEQUALS"};
  EXPECT_CONTAINS(spec_error(doc), "process.env[0]: must be NAME=value (got \"NOEQUALS\")");
  doc = minimal();
  doc.at("process").as_object()["oomScoreAdj"] = 1001;
  EXPECT_CONTAINS(spec_error(doc), "process.oomScoreAdj: must be between -1000 and 1000 (got 1001)");
  doc = minimal();
  doc.at("process").as_object()["user"] = {{"uid", -1}};
  EXPECT_CONTAINS(spec_error(doc), "process.user.uid");
  doc = minimal();
  doc.at("process").as_object()["commandLine"] = "cmd.exe";
  EXPECT_CONTAINS(spec_error(doc), "process.commandLine");
}

TEST(SpecValidation, DevicesHooksAndPersonality) {
  auto doc = minimal();
  linux_of(doc)["devices"] = {{{"path", "/dev/x"}, {"type", "q"}}};
  EXPECT_CONTAINS(spec_error(doc), "linux.devices[0].type: must be c, b, u or p (got \"q\")");
  linux_of(doc)["devices"] = {{{"path", "/dev/x"}, {"type", "c"}}};
  EXPECT_CONTAINS(spec_error(doc), "linux.devices[0]: major and minor are required");
  doc = minimal();
  doc.as_object()["hooks"] = {{"prestart", {{{"path", "relative"}}}}};
  EXPECT_CONTAINS(spec_error(doc), "hooks.prestart[0].path: must be an absolute path (got \"relative\")");
  doc = minimal();
  doc.as_object()["hooks"] = {{"poststop", {{{"path", "/bin/x"}, {"timeout", 0}}}}};
  EXPECT_CONTAINS(spec_error(doc), "hooks.poststop[0].timeout");
  doc = minimal();
  linux_of(doc)["personality"] = {{"domain", "WINDOWS"}};
  EXPECT_CONTAINS(spec_error(doc), "linux.personality.domain: must be LINUX or LINUX32 (got \"WINDOWS\")");
  doc = minimal();
  linux_of(doc)["rootfsPropagation"] = "sideways";
  EXPECT_CONTAINS(spec_error(doc), "linux.rootfsPropagation");
  EXPECT_CONTAINS(spec_error(doc), "\"sideways\"");
  doc = minimal();
  linux_of(doc)["maskedPaths"] = {"proc/kcore"};
  EXPECT_CONTAINS(spec_error(doc), "linux.maskedPaths[0]: must be an absolute path");
}

TEST(SpecNames, NamespacesAndRlimits) {
  EXPECT_EQ(namespace_type_from_name("network"), NamespaceType::network);
  EXPECT_EQ(namespace_type_from_name("net"), std::nullopt);
  EXPECT_EQ(namespace_type_name(NamespaceType::mount), "mount");
  EXPECT_EQ(namespace_proc_name(NamespaceType::mount), "mnt");
  EXPECT_EQ(namespace_proc_name(NamespaceType::network), "net");
  EXPECT_EQ(namespace_clone_flag(NamespaceType::user), CLONE_NEWUSER);
  EXPECT_EQ(namespace_clone_flag(NamespaceType::pid), CLONE_NEWPID);
  EXPECT_EQ(rlimit_from_name("RLIMIT_NOFILE"), RLIMIT_NOFILE);
  EXPECT_EQ(rlimit_from_name("RLIMIT_RTTIME"), RLIMIT_RTTIME);
  EXPECT_EQ(rlimit_from_name("NOFILE"), -1);
}

}  // namespace
}  // namespace skiff::runtime

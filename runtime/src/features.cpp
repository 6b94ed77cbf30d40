#include <seccomp.h>

#include <boost/json.hpp>

#include "skiff/runtime/capabilities.h"
#include "skiff/runtime/default_spec.h"

namespace skiff::runtime {

boost::json::object runtime_features() {
  auto strings = [](std::initializer_list<const char*> items) {
    boost::json::array out;
    for (const char* s : items) {
      out.emplace_back(s);
    }
    return out;
  };
  boost::json::array caps;
  for (const auto& name : known_capabilities()) {
    caps.emplace_back(name);
  }
  const scmp_version* version = seccomp_version();
  std::string libseccomp =
      std::to_string(version->major) + "." + std::to_string(version->minor) + "." + std::to_string(version->micro);
  return {
      {"ociVersionMin", "1.0.0"},
      {"ociVersionMax", "1.2.0"},
      {"hooks", strings({"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"})},
      {"mountOptions",
       strings({"async",        "atime",       "bind",        "defaults",    "dev",           "diratime",
                "dirsync",      "exec",        "loud",        "mand",        "noatime",       "nodev",
                "nodiratime",   "noexec",      "nomand",      "norelatime",  "nostrictatime", "nosuid",
                "private",      "rbind",       "rdev",        "rdiratime",   "relatime",      "remount",
                "rexec",        "rnoatime",    "rnodev",      "rnodiratime", "rnoexec",       "rnosuid",
                "ro",           "rprivate",    "rro",         "rrw",         "rshared",       "rslave",
                "rstrictatime", "rsuid",       "runbindable", "rw",          "shared",        "silent",
                "slave",        "strictatime", "suid",        "sync",        "tmpcopyup",     "unbindable"})},
      {"linux",
       {{"namespaces", strings({"cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"})},
        {"capabilities", caps},
        {"cgroup", {{"v1", true}, {"v2", true}, {"systemd", true}, {"systemdUser", true}, {"rdma", false}}},
        {"seccomp",
         {{"enabled", true},
          {"actions",
           strings({"SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
                    "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY", "SCMP_ACT_TRACE", "SCMP_ACT_TRAP"})},
          {"operators", strings({"SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE", "SCMP_CMP_LT",
                                 "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE"})},
          {"archs",
           strings({"SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"})},
          {"knownFlags", strings({"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
                                  "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"})},
          {"supportedFlags",
           strings({"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"})}}},
        // Accepted in config.json but not applied: said plainly so that callers do not rely on them.
        {"apparmor", {{"enabled", false}}},
        {"selinux", {{"enabled", false}}},
        {"intelRdt", {{"enabled", false}}},
        {"mountExtensions", {{"idmap", {{"enabled", false}}}}}}},
      {"annotations",
       {{"org.opencontainers.runc.checkpoint.enabled", "false"},
        {"io.github.skiff.libseccomp.version", libseccomp},
        {"io.github.skiff.version", SKIFF_VERSION}}},
  };
}

}  // namespace skiff::runtime

#include "skiff/runtime/default_spec.h"

#include <boost/json.hpp>

namespace skiff::runtime {

namespace {

boost::json::array strings(std::initializer_list<const char*> items) {
  boost::json::array out;
  for (const char* s : items) {
    out.emplace_back(s);
  }
  return out;
}

boost::json::object mount(const char* destination, const char* type, const char* source,
                          std::initializer_list<const char*> options) {
  return {{"destination", destination}, {"type", type}, {"source", source}, {"options", strings(options)}};
}

}  // namespace

boost::json::object default_spec(bool rootless, uint32_t uid, uint32_t gid) {
  boost::json::array caps = strings({"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"});
  boost::json::object process{
      {"terminal", true},
      {"user", {{"uid", 0}, {"gid", 0}}},
      {"args", strings({"sh"})},
      {"env", strings({"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"})},
      {"cwd", "/"},
      {"capabilities", {{"bounding", caps}, {"effective", caps}, {"permitted", caps}}},
      {"rlimits", boost::json::array{{{"type", "RLIMIT_NOFILE"}, {"hard", 1024}, {"soft", 1024}}}},
      {"noNewPrivileges", true},
  };
  boost::json::array mounts{
      mount("/proc", "proc", "proc", {}),
      mount("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}),
      mount("/dev/pts", "devpts", "devpts", {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}),
      mount("/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}),
      mount("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}),
      mount("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}),
      mount("/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "noexec", "nodev", "relatime", "ro"}),
  };
  boost::json::array namespaces{
      {{"type", "pid"}}, {{"type", "network"}}, {{"type", "ipc"}},
      {{"type", "uts"}}, {{"type", "mount"}},   {{"type", "cgroup"}},
  };
  boost::json::object linux{
      {"resources", {{"devices", boost::json::array{{{"allow", false}, {"access", "rwm"}}}}}},
      {"namespaces", namespaces},
      {"maskedPaths",
       strings({"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
                "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"})},
      {"readonlyPaths", strings({"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"})},
  };
  if (rootless) {
    // An unprivileged user can neither mount sysfs without its own network namespace nor set
    // up devpts with gid=5 unless gid 5 is mapped.
    mounts[2] =
        mount("/dev/pts", "devpts", "devpts", {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"});
    mounts[5] = mount("/sys", "none", "/sys", {"rbind", "nosuid", "noexec", "nodev", "ro"});
    mounts.erase(mounts.begin() + 6);
    boost::json::array rootless_ns;
    for (const auto& ns : namespaces) {
      if (ns.at("type") != "network" && ns.at("type") != "cgroup") {
        rootless_ns.push_back(ns);
      }
    }
    rootless_ns.push_back(boost::json::object{{"type", "user"}});
    linux["namespaces"] = rootless_ns;
    linux["uidMappings"] = boost::json::array{{{"containerID", 0}, {"hostID", uid}, {"size", 1}}};
    linux["gidMappings"] = boost::json::array{{{"containerID", 0}, {"hostID", gid}, {"size", 1}}};
    linux.erase("resources");
  }
  return {
      {"ociVersion", "1.2.0"}, {"process", process}, {"root", {{"path", "rootfs"}, {"readonly", true}}},
      {"hostname", "skiff"},   {"mounts", mounts},   {"linux", linux},
  };
}

}  // namespace skiff::runtime

#include "skiff/runtime/idmap.h"

#include <unistd.h>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/subprocess.h"

namespace skiff::runtime {

std::string format_id_map(const std::vector<IdMapping>& mappings) {
  std::string out;
  for (const auto& m : mappings) {
    out += std::to_string(m.container_id) + " " + std::to_string(m.host_id) + " " + std::to_string(m.size) + "\n";
  }
  return out;
}

bool can_write_map_directly(const std::vector<IdMapping>& mappings, uint32_t own_id) {
  if (::geteuid() == 0) {
    return true;
  }
  return mappings.size() == 1 && mappings[0].size == 1 && mappings[0].host_id == own_id;
}

int64_t map_to_host(const std::vector<IdMapping>& mappings, uint32_t container_id) {
  for (const auto& m : mappings) {
    if (container_id >= m.container_id && container_id - m.container_id < m.size) {
      return static_cast<int64_t>(m.host_id) + (container_id - m.container_id);
    }
  }
  return -1;
}

namespace {

void run_map_helper(const std::string& helper, pid_t pid, const std::vector<IdMapping>& mappings) {
  SubprocessOptions options;
  options.args = {helper, std::to_string(pid)};
  for (const auto& m : mappings) {
    options.args.push_back(std::to_string(m.container_id));
    options.args.push_back(std::to_string(m.host_id));
    options.args.push_back(std::to_string(m.size));
  }
  SubprocessResult result;
  try {
    result = run_subprocess(options);
  } catch (const Error& e) {
    throw Error(std::string(e.what()) + " (install the uidmap package for " + helper + ")");
  }
  if (!result.ok()) {
    std::string err = result.err;
    while (!err.empty() && err.back() == '\n') {
      err.pop_back();
    }
    if (result.exit_code == 127) {
      throw Error(helper + " is not installed: a rootless id range needs it (apt-get install uidmap)");
    }
    throw Error(helper + " failed (" + result.describe() + "): " + err +
                " (check the ranges for this user in /etc/subuid and /etc/subgid)");
  }
}

}  // namespace

void write_id_maps(pid_t pid, const std::vector<IdMapping>& uid_mappings, const std::vector<IdMapping>& gid_mappings) {
  std::string proc = "/proc/" + std::to_string(pid);
  if (can_write_map_directly(uid_mappings, ::geteuid())) {
    write_existing_file(proc + "/uid_map", format_id_map(uid_mappings));
  } else {
    run_map_helper("newuidmap", pid, uid_mappings);
  }
  if (can_write_map_directly(gid_mappings, ::getegid())) {
    if (::geteuid() != 0) {
      // The kernel lets an unprivileged process map its own gid only with setgroups denied.
      write_existing_file(proc + "/setgroups", "deny");
    }
    write_existing_file(proc + "/gid_map", format_id_map(gid_mappings));
  } else {
    run_map_helper("newgidmap", pid, gid_mappings);
  }
}

}  // namespace skiff::runtime

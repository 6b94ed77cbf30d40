#include "skiff/cgroups/own_cgroup.h"

#include <set>
#include <sstream>
#include <vector>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/path.h"

namespace skiff::cgroups {

namespace {

std::vector<std::string> split(std::string_view text, char sep) {
  std::vector<std::string> out;
  size_t pos = 0;
  for (;;) {
    size_t next = text.find(sep, pos);
    out.emplace_back(text.substr(pos, next == std::string_view::npos ? std::string_view::npos : next - pos));
    if (next == std::string_view::npos) {
      return out;
    }
    pos = next + 1;
  }
}

bool is_octal(char c) {
  return c >= '0' && c <= '7';
}

// mountinfo escapes blanks and backslashes in paths as \ooo.
std::string unescape(std::string_view field) {
  std::string out;
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size() && is_octal(field[i + 1]) && is_octal(field[i + 2]) &&
        is_octal(field[i + 3])) {
      out += static_cast<char>((field[i + 1] - '0') * 64 + (field[i + 2] - '0') * 8 + (field[i + 3] - '0'));
      i += 3;
    } else {
      out += field[i];
    }
  }
  return out;
}

// Super options of a v1 mount that are not controllers (the kernel's cgroup1_parse_param).
bool is_controller_option(const std::string& option) {
  static const std::set<std::string> non_controllers = {
      "rw",    "ro",           "none",          "all", "noprefix", "clone_children", "cpuset_v2_mode",
      "xattr", "favordynmods", "nofavordynmods"};
  return !non_controllers.contains(option) && !option.starts_with("release_agent=");
}

bool under_sys_fs_cgroup(const std::string& path) {
  return path == "/sys/fs/cgroup" || path.starts_with("/sys/fs/cgroup/");
}

void add_mount(std::map<std::string, CgroupMount>& out, const std::string& key, const CgroupMount& mount) {
  auto it = out.find(key);
  if (it == out.end()) {
    out.emplace(key, mount);
  } else if (!under_sys_fs_cgroup(it->second.mount_point) && under_sys_fs_cgroup(mount.mount_point)) {
    it->second = mount;
  }
}

}  // namespace

std::map<std::string, std::string> parse_proc_cgroup(std::string_view text) {
  std::map<std::string, std::string> out;
  for (const std::string& line : split(text, '\n')) {
    if (line.empty()) {
      continue;
    }
    // "id:controllers:path"; the path itself may contain colons.
    size_t first = line.find(':');
    size_t second = first == std::string::npos ? first : line.find(':', first + 1);
    if (second == std::string::npos) {
      throw Error("/proc/self/cgroup: malformed line \"" + line + "\"");
    }
    std::string controllers = line.substr(first + 1, second - first - 1);
    std::string path = line.substr(second + 1);
    if (controllers.empty()) {
      out["unified"] = path;
      continue;
    }
    for (const std::string& controller : split(controllers, ',')) {
      out[controller] = path;
    }
  }
  return out;
}

std::map<std::string, std::string> own_cgroups() {
  return parse_proc_cgroup(read_file("/proc/self/cgroup"));
}

std::map<std::string, CgroupMount> parse_cgroup_mounts(std::string_view mountinfo) {
  std::map<std::string, CgroupMount> out;
  for (const std::string& line : split(mountinfo, '\n')) {
    // "id parent maj:min root mount-point options [optional...] - fstype source super-options"
    std::istringstream in(line);
    std::vector<std::string> fields;
    for (std::string f; in >> f;) {
      fields.push_back(f);
    }
    size_t dash = 0;
    while (dash < fields.size() && fields[dash] != "-") {
      ++dash;
    }
    if (dash < 6 || dash + 1 >= fields.size()) {
      continue;
    }
    const std::string& fstype = fields[dash + 1];
    CgroupMount mount{unescape(fields[4]), unescape(fields[3])};
    if (fstype == "cgroup2") {
      add_mount(out, "unified", mount);
    } else if (fstype == "cgroup" && dash + 3 < fields.size()) {
      for (const std::string& option : split(fields[dash + 3], ',')) {
        if (is_controller_option(option)) {
          add_mount(out, option, mount);
        }
      }
    }
  }
  return out;
}

std::map<std::string, CgroupMount> cgroup_mounts() {
  return parse_cgroup_mounts(read_file("/proc/self/mountinfo"));
}

std::string own_dir(const CgroupMount& mount, std::string_view own_path) {
  std::string own = clean_path(own_path);
  std::string root = clean_path(mount.root);
  // A mount of a subtree (a container's view without a cgroup namespace) shows own's path
  // relative to that subtree.
  if (root != "/") {
    if (own != root && !own.starts_with(root + "/")) {
      throw Error("cgroup " + own + " lies outside the subtree " + root + " mounted at " + mount.mount_point);
    }
    own = own.substr(root.size());
  }
  return join_path(mount.mount_point, own);
}

std::string v2_relative_base(std::string_view own_path) {
  std::string own = clean_path(own_path);
  auto slash = own.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : own.substr(0, slash);
}

std::string resolve_dir(const CgroupMount& mount, std::string_view own_path, std::string_view cgroups_path,
                        std::string_view container_id) {
  std::string_view name = cgroups_path.empty() ? container_id : cgroups_path;
  if (name.empty()) {
    throw Error("cgroup path: neither linux.cgroupsPath nor a container id is given");
  }
  bool absolute = name.front() == '/';
  if (clean_path("/" + std::string(name)) == "/") {
    throw Error("cgroupsPath \"" + std::string(name) + "\" names " +
                (absolute ? "the root of the cgroup hierarchy" : "the caller's own cgroup") +
                ", not a cgroup for the container");
  }
  return join_path(absolute ? mount.mount_point : own_dir(mount, own_path), name);
}

}  // namespace skiff::cgroups

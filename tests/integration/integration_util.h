#pragma once

// Helpers shared by the root integration tests (tests/integration/*_test.cpp). Header-only so
// that test_support stays the library every test layer shares.

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <csignal>
#include <string>
#include <vector>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/json.h"
#include "skiff/base/subprocess.h"
#include "skiff/base/unique_fd.h"
#include "skiff/cgroups/own_cgroup.h"
#include "test_support.h"

namespace skiff::testing {

// A host command (argv, no shell), to completion.
inline Result host(const std::vector<std::string>& args, const std::optional<std::string>& input = std::nullopt) {
  SubprocessOptions options;
  options.args = args;
  options.input = input;
  options.timeout = std::chrono::seconds(60);
  auto r = run_subprocess(options);
  return {r.signal != 0 ? 128 + r.signal : r.exit_code, r.out, r.err};
}

inline Result host_sh(const std::string& script) {
  return host({"/bin/sh", "-c", script});
}

// The OCI state of a container, or an empty object when `state` fails.
inline boost::json::object state_of(const Runtime& rt, const std::string& id) {
  Result r = rt.run({"state", id});
  if (r.code != 0) {
    return {};
  }
  return json::parse(r.out, "state").as_object();
}

// Polls (bounded, ~20 s) until path exists and holds at least min_lines lines.
inline std::string wait_for_lines(const std::string& path, size_t min_lines) {
  std::string text;
  for (int i = 0; i < 400; ++i) {
    text = path_exists(path) ? read_file(path) : "";
    if (static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) >= min_lines) {
      break;
    }
    usleep(50000);
  }
  return text;
}

// Polls (bounded, ~20 s) until path exists.
inline bool wait_for_file(const std::string& path) {
  for (int i = 0; i < 400; ++i) {
    if (path_exists(path)) {
      return true;
    }
    usleep(50000);
  }
  return false;
}

// True when pid no longer runs comm ("sleep"): gone, a zombie waiting for its reaper, or the
// pid reused by another program.
inline bool process_gone(int64_t pid, const std::string& comm) {
  std::string path = "/proc/" + std::to_string(pid) + "/stat";
  std::string stat;
  try {
    stat = read_file(path);
  } catch (const std::exception&) {
    return true;
  }
  return stat.empty() || stat.find(") Z") != std::string::npos || stat.find("(" + comm + ")") == std::string::npos;
}

inline boost::json::array strings(const std::vector<std::string>& items) {
  boost::json::array out;
  for (const auto& s : items) {
    out.emplace_back(s);
  }
  return out;
}

inline void add_mount(Bundle& bundle, const std::string& destination, const std::string& type,
                      const std::string& source, const std::vector<std::string>& options) {
  bundle.config()["mounts"].as_array().push_back(boost::json::object{
      {"destination", destination}, {"type", type}, {"source", source}, {"options", strings(options)}});
}

inline void remove_namespace(Bundle& bundle, const std::string& type) {
  auto& ns = bundle.linux()["namespaces"].as_array();
  for (auto it = ns.begin(); it != ns.end();) {
    it = it->as_object().at("type").as_string() == type ? ns.erase(it) : it + 1;
  }
}

// Adds (or replaces) a namespace entry; an empty path asks for a new namespace.
inline void set_namespace(Bundle& bundle, const std::string& type, const std::string& path = "") {
  remove_namespace(bundle, type);
  boost::json::object entry{{"type", type}};
  if (!path.empty()) {
    entry["path"] = path;
  }
  bundle.linux()["namespaces"].as_array().push_back(std::move(entry));
}

// The inode of a namespace file (/proc/self/ns/net), 0 when it cannot be read.
inline ino_t ns_inode(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

// True on a host with cgroup v1 controllers (v1 or hybrid), whose file names the cgroup tests
// read; a pure cgroup v2 host has /sys/fs/cgroup/cgroup.controllers.
inline bool cgroup_v1_host() {
  return !path_exists("/sys/fs/cgroup/cgroup.controllers");
}

#define SKIFF_SKIP_UNLESS_CGROUP_V1()                                     \
  if (!::skiff::testing::cgroup_v1_host()) {                              \
    GTEST_SKIP() << "reads cgroup v1 files; this host is pure cgroup v2"; \
  }

// "/sys/fs/cgroup/<hierarchy>/<own cgroup>/<name>": where a container's cgroup with a relative
// cgroupsPath (or none: its id) lives on the host. On cgroup v2 it is
// "/sys/fs/cgroup/<parent of own>/<name>": the runtime resolves against the parent there.
inline std::string host_cgroup_dir(const std::string& hierarchy, const std::string& name) {
  if (!cgroup_v1_host()) {
    std::string base = skiff::cgroups::v2_relative_base(own_cgroup(""));
    return "/sys/fs/cgroup" + base + (base.ends_with("/") ? "" : "/") + name;
  }
  std::string own = own_cgroup(hierarchy);
  if (own.empty() || own.back() != '/') {
    own += "/";
  }
  return "/sys/fs/cgroup/" + hierarchy + own + name;
}

inline std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) {
    s.pop_back();
  }
  return s;
}

// One "Name:\tvalue" line of a /proc/<pid>/status text.
inline std::string status_field(const std::string& status, const std::string& name) {
  size_t pos = status.find(name + ":");
  if (pos == std::string::npos) {
    return "";
  }
  size_t start = status.find_first_not_of(" \t", pos + name.size() + 1);
  size_t end = status.find('\n', start);
  return status.substr(start, end - start);
}

// What a container left behind on the host: its state dir under the runtime's root, cgroup
// directories named after it below our own cgroup, mounts that mention its bundle. Empty when
// nothing is left.
inline std::vector<std::string> leftovers(const Runtime& rt, const std::string& id, const std::string& bundle) {
  std::vector<std::string> found;
  if (path_exists(rt.root() + "/" + id)) {
    found.push_back("state dir " + rt.root() + "/" + id);
  }
  // /sys/fs/cgroup/<dir> and the name of its line in /proc/self/cgroup.
  const std::pair<const char*, const char*> hierarchies[] = {
      {"memory", "memory"},        {"pids", "pids"},       {"cpu", "cpu"},         {"cpuacct", "cpuacct"},
      {"cpuset", "cpuset"},        {"freezer", "freezer"}, {"devices", "devices"}, {"blkio", "blkio"},
      {"systemd", "name=systemd"}, {"unified", ""}};
  for (const auto& [dir_name, key] : hierarchies) {
    std::string base = std::string("/sys/fs/cgroup/") + dir_name;
    if (!path_exists(base)) {
      continue;
    }
    std::string own = own_cgroup(key);
    std::string dir = base + own + (own.ends_with("/") ? "" : "/") + id;
    if (path_exists(dir)) {
      found.push_back("cgroup " + dir);
    }
  }
  if (!cgroup_v1_host() && path_exists(host_cgroup_dir("", id))) {
    found.push_back("cgroup " + host_cgroup_dir("", id));
  }
  std::string mounts = read_file("/proc/self/mountinfo");
  size_t pos = 0;
  while (pos < mounts.size()) {
    size_t end = mounts.find('\n', pos);
    std::string line = mounts.substr(pos, end - pos);
    pos = end == std::string::npos ? mounts.size() : end + 1;
    if (line.find(bundle) != std::string::npos) {
      found.push_back("mount " + line);
    }
  }
  return found;
}

inline std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) {
    out += s + "\n";
  }
  return out;
}

// skiff-runtime --root <root> args started in the background, with extra_fds dup'ed to fds 3,
// 4, ... (inherited, as a caller of --preserve-fds does). Output is captured through files.
// The destructor kills it if it was not waited for.
class SpawnedRuntime {
 public:
  SpawnedRuntime(const Runtime& rt, const std::vector<std::string>& args, const std::vector<int>& extra_fds = {})
      : out_path_(dir_.path() + "/out"), err_path_(dir_.path() + "/err") {
    std::vector<std::string> argv{runtime_path(), "--root", rt.root()};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> cargv;
    for (auto& a : argv) {
      cargv.push_back(a.data());
    }
    cargv.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ < 0) {
      throw_errno("fork");
    }
    if (pid_ == 0) {
      int null_fd = ::open("/dev/null", O_RDONLY);
      int out_fd = ::open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int err_fd = ::open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (null_fd < 0 || out_fd < 0 || err_fd < 0) {
        ::_exit(126);
      }
      // Move the fds to pass out of the way first, then into place from 3 on.
      std::vector<int> moved;
      for (int fd : extra_fds) {
        moved.push_back(::fcntl(fd, F_DUPFD, 100));
      }
      ::dup2(null_fd, 0);
      ::dup2(out_fd, 1);
      ::dup2(err_fd, 2);
      for (size_t i = 0; i < moved.size(); ++i) {
        ::dup2(moved[i], static_cast<int>(3 + i));
      }
      ::syscall(SYS_close_range, 3 + moved.size(), ~0U, 0);
      sigset_t none;
      sigemptyset(&none);
      ::sigprocmask(SIG_SETMASK, &none, nullptr);
      ::execv(cargv[0], cargv.data());
      ::_exit(127);
    }
  }
  SpawnedRuntime(const SpawnedRuntime&) = delete;
  SpawnedRuntime& operator=(const SpawnedRuntime&) = delete;
  ~SpawnedRuntime() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  [[nodiscard]] pid_t pid() const { return pid_; }

  // Waits (bounded: it is killed after timeout_seconds) and returns its exit code and output.
  Result wait(int timeout_seconds = 120) {
    int status = 0;
    pid_t done = 0;
    for (int i = 0; i < timeout_seconds * 20 && done == 0; ++i) {
      done = ::waitpid(pid_, &status, WNOHANG);
      if (done == 0) {
        usleep(50000);
      }
    }
    if (done == 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
    }
    pid_ = 0;
    int code = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
    return {done == 0 ? -2 : code, read_file(out_path_), read_file(err_path_)};
  }

 private:
  TempDir dir_{"skiff-spawn-"};
  std::string out_path_;
  std::string err_path_;
  pid_t pid_ = 0;
};

inline Result run_with_fds(const Runtime& rt, const std::vector<std::string>& args, const std::vector<int>& extra_fds) {
  SpawnedRuntime spawned(rt, args, extra_fds);
  return spawned.wait();
}

// The SHA-256 of a file, as hex.
inline std::string sha256_of(const std::string& path) {
  Result r = host({"sha256sum", path});
  return r.out.substr(0, r.out.find(' '));
}

}  // namespace skiff::testing

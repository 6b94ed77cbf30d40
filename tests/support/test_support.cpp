#include "test_support.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/json.h"
#include "skiff/base/strings.h"
#include "skiff/base/subprocess.h"
#include "skiff/cgroups/own_cgroup.h"

namespace skiff::testing {

std::string runtime_path() {
  const char* path = std::getenv("SKIFF_RUNTIME");
  if (path == nullptr || *path == '\0') {
    throw Error("SKIFF_RUNTIME is not set: run the tests through ctest, or set it to the skiff-runtime binary");
  }
  return path;
}

TempDir::TempDir(const std::string& prefix) {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/" + prefix + "XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) {
    throw_errno("mkdtemp " + pattern);
  }
  path_ = buf.data();
  ::chmod(path_.c_str(), 0755);
}

TempDir::~TempDir() {
  // Mounts below the directory (a failed test's leftovers) are detached before removal.
  std::string mounts = read_file("/proc/self/mountinfo");
  size_t pos = 0;
  std::vector<std::string> below;
  while (pos < mounts.size()) {
    size_t end = mounts.find('\n', pos);
    std::string line = mounts.substr(pos, end - pos);
    pos = end == std::string::npos ? mounts.size() : end + 1;
    size_t start = 0;
    for (int field = 0; field < 4 && start != std::string::npos; ++field) {
      start = line.find(' ', start + 1);
    }
    if (start == std::string::npos) {
      continue;
    }
    std::string point = line.substr(start + 1, line.find(' ', start + 1) - start - 1);
    if (point.rfind(path_ + "/", 0) == 0) {
      below.push_back(point);
    }
  }
  for (auto it = below.rbegin(); it != below.rend(); ++it) {
    ::umount2(it->c_str(), MNT_DETACH);
  }
  try {
    remove_all(path_);
  } catch (const std::exception&) {
  }
}

std::string busybox_path() {
  const char* path = std::getenv("SKIFF_BUSYBOX");
  return path != nullptr && *path != '\0' ? path : "/bin/busybox";
}

Bundle::Bundle(const std::vector<std::string>& spec_args) : dir_("skiff-bundle-") {
  std::string bin = rootfs() + "/bin";
  mkdir_all(bin);
  SubprocessOptions copy;
  copy.args = {"cp", busybox_path(), bin + "/busybox"};
  if (!run_subprocess(copy).ok()) {
    throw Error("copy " + busybox_path() + " into the test rootfs (is busybox-static installed?)");
  }
  SubprocessOptions list;
  list.args = {busybox_path(), "--list"};
  for (const auto& applet : split(run_subprocess(list).out, '\n')) {
    if (!applet.empty() && applet != "busybox") {
      ::symlink("busybox", (bin + "/" + applet).c_str());
    }
  }
  for (const char* dir : {"/etc", "/tmp", "/root", "/proc", "/sys", "/dev"}) {
    mkdir_all(rootfs() + dir);
  }
  ::chmod((rootfs() + "/tmp").c_str(), 01777);
  write_file(rootfs() + "/etc/passwd",
             "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n");
  write_file(rootfs() + "/etc/group", "root:x:0:\nnogroup:x:65534:\n");
  SubprocessOptions spec;
  spec.args = {runtime_path(), "spec", "--bundle", path()};
  spec.args.insert(spec.args.end(), spec_args.begin(), spec_args.end());
  auto result = run_subprocess(spec);
  if (!result.ok()) {
    throw Error("skiff-runtime spec: " + result.err);
  }
  config_ = json::parse_file(path() + "/config.json").as_object();
  std::remove((path() + "/config.json").c_str());
  process()["terminal"] = false;
  config_["root"].as_object()["readonly"] = false;
}

void Bundle::set_args(const std::vector<std::string>& args) {
  boost::json::array arr;
  for (const auto& a : args) {
    arr.emplace_back(a);
  }
  process()["args"] = std::move(arr);
}

void Bundle::save() const {
  write_file(path() + "/config.json", json::pretty(config_));
}

Runtime::Runtime() : root_("skiff-root-") {}

Runtime::~Runtime() {
  SubprocessOptions list;
  list.args = {runtime_path(), "--root", root_.path(), "list", "-q"};
  auto result = run_subprocess(list);
  for (const auto& id : split(result.out, '\n')) {
    if (!id.empty()) {
      SubprocessOptions del;
      del.args = {runtime_path(), "--root", root_.path(), "delete", "--force", id};
      run_subprocess(del);
    }
  }
}

Result Runtime::run(const std::vector<std::string>& args, const std::optional<std::string>& input,
                    int timeout_seconds) const {
  SubprocessOptions options;
  options.args = {runtime_path(), "--root", root_.path()};
  options.args.insert(options.args.end(), args.begin(), args.end());
  options.input = input;
  options.timeout = std::chrono::seconds(timeout_seconds);
  auto result = run_subprocess(options);
  return {result.signal != 0 ? 128 + result.signal : result.exit_code, result.out, result.err};
}

Result run_in_container(const Runtime& rt, Bundle& bundle, const std::string& id, const std::string& script) {
  bundle.set_args({"sh", "-c", script});
  bundle.save();
  return rt.run({"run", "--bundle", bundle.path(), id});
}

std::string status_of(const Runtime& rt, const std::string& id) {
  Result r = rt.run({"state", id});
  if (r.code != 0) {
    return "error: " + r.err;
  }
  return std::string(json::parse(r.out, "state").as_object().at("status").as_string());
}

std::string wait_for_status(const Runtime& rt, const std::string& id, const std::string& want) {
  std::string status;
  for (int i = 0; i < 400; ++i) {
    status = status_of(rt, id);
    if (status == want) {
      break;
    }
    ::usleep(50000);
  }
  return status;
}

std::string own_cgroup(const std::string& hierarchy) {
  auto own = cgroups::own_cgroups();
  auto it = own.find(hierarchy.empty() ? "unified" : hierarchy);
  return it == own.end() ? "" : it->second;
}

std::string unique_id(const std::string& prefix) {
  static std::atomic<int> counter{0};
  return prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

void run_killed_after(const std::function<void()>& work, int delay_ms) {
  pid_t child = check(::fork(), "fork");
  if (child == 0) {
    try {
      work();
    } catch (...) {
      ::_exit(1);
    }
    ::_exit(0);
  }
  ::usleep(static_cast<useconds_t>(delay_ms) * 1000);
  ::kill(child, SIGKILL);
  while (::waitpid(child, nullptr, 0) < 0 && errno == EINTR) {
  }
}

std::vector<std::string> mounts_below(const std::string& dir) {
  std::vector<std::string> found;
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string id, parent, dev, root, mount_point;
    fields >> id >> parent >> dev >> root >> mount_point;
    if (mount_point.starts_with(dir)) {
      found.push_back(mount_point);
    }
  }
  return found;
}

}  // namespace skiff::testing

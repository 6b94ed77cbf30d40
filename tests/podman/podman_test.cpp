// podman drives skiff-runtime: `podman --runtime <skiff-runtime>` runs, execs in, stops, logs and
// removes containers made from a busybox image it imported itself. Everything is real: podman
// starts conmon, and conmon calls our runtime binary (create, start, state, kill, delete, exec).
//
// The podman store, its configuration, its temporary files and its locks all live in one temp
// directory, so that nothing of the host's podman state is used or left behind:
//   - storage.conf, containers.conf and registries.conf are our own (CONTAINERS_STORAGE_CONF,
//     CONTAINERS_CONF, CONTAINERS_REGISTRIES_CONF), as are --root, --runroot and --tmpdir;
//   - locks are files under the temp dir (lock_type = "file"), not the host's /dev/shm segment;
//   - events are off, the CNI config dir and the hooks dir are empty temp dirs;
//   - `import` gets our own policy.json and runs in a private mount namespace with a tmpfs over
//     /var/lib/containers (see import_image).
// The one host directory used is skiff-runtime's default state root (/run/skiff): podman 4.3
// does not pass --runtime-flag on to the cleanup command conmon runs when a container exits, so
// a --root of our own would make that cleanup's `delete` miss the container. Each container's
// state there is checked to be gone.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <cstring>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/json.h"
#include "skiff/base/path.h"
#include "skiff/base/strings.h"
#include "skiff/base/subprocess.h"
#include "skiff/cgroups/own_cgroup.h"
#include "test_support.h"

extern char** environ;

namespace skiff::testing {
namespace {

constexpr auto kPodmanTimeout = std::chrono::seconds(120);
constexpr const char* kImage = "localhost/skiff-busybox:test";

std::string absolute(const std::string& path) {
  char resolved[PATH_MAX];
  if (::realpath(path.c_str(), resolved) == nullptr) {
    throw_errno("realpath " + path);
  }
  return resolved;
}

bool is_below(const std::string& path, const std::string& ancestor) {
  return ancestor == "/" || path == ancestor || path.starts_with(ancestor + "/");
}

// rmdir of a cgroup tree, children first. A cgroup that still holds processes (only ours can be
// below our parent: podman's containers and conmons) has them killed first.
void remove_cgroup_tree(const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return;
  }
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.is_directory(ec) && !entry.is_symlink(ec)) {
      remove_cgroup_tree(entry.path().string());
    }
  }
  int err = 0;
  for (int attempt = 0; attempt < 50; ++attempt) {
    if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) {
      return;
    }
    err = errno;
    if (err != EBUSY) {
      break;
    }
    try {
      for (const auto& pid : split(read_file(dir + "/cgroup.procs"), '\n')) {
        if (!pid.empty()) {
          ::kill(static_cast<pid_t>(std::stol(pid)), SIGKILL);
        }
      }
    } catch (const std::exception&) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ADD_FAILURE() << "could not remove cgroup " << dir << ": " << std::strerror(err);
}

// One podman store with everything it needs, isolated from the host's; its destructor removes
// every container, the cgroups podman and the runtime made, and the whole directory.
class PodmanStore {
 public:
  PodmanStore() : dir_("skiff-pm-") {
    runtime_ = absolute(runtime_path());
    for (const char* sub : {"root", "runroot", "tmp", "home", "net.d", "hooks.d"}) {
      mkdir_all(path(sub), 0700);
    }
    auto quoted = [this](const std::string& sub) { return "\"" + path(sub) + "\""; };
    std::string storage = "[storage]\n";
    storage += "driver = \"vfs\"\n";
    storage += "graphroot = " + quoted("root") + "\n";
    storage += "runroot = " + quoted("runroot") + "\n";
    write_file(path("storage.conf"), storage);
    std::string conf = "[containers]\n";
    conf += "log_driver = \"k8s-file\"\n";
    conf += "[engine]\n";
    conf += "events_logger = \"none\"\n";
    conf += "lock_type = \"file\"\n";
    conf += "tmp_dir = " + quoted("tmp") + "\n";
    conf += "volume_path = " + quoted("root/volumes") + "\n";
    conf += "image_copy_tmp_dir = " + quoted("tmp") + "\n";
    conf += "hooks_dir = [" + quoted("hooks.d") + "]\n";
    conf += "[network]\n";
    conf += "network_backend = \"cni\"\n";
    conf += "network_config_dir = " + quoted("net.d") + "\n";
    write_file(path("containers.conf"), conf);
    write_file(path("registries.conf"), "unqualified-search-registries = []\n");
    write_file(path("home/auth.json"), R"({"auths": {}})");
    write_file(path("policy.json"), R"({"default": [{"type": "insecureAcceptAnything"}]})");
    env_ = environment();
    choose_cgroup_parent();
  }

  PodmanStore(const PodmanStore&) = delete;
  PodmanStore& operator=(const PodmanStore&) = delete;

  ~PodmanStore() {
    Result removed = podman({"rm", "--all", "--force", "--time", "0"});
    if (removed.code != 0) {
      ADD_FAILURE() << "podman rm -af: " << removed.err;
    }
    delete_leftover_containers();
    kill_leftover_conmons();
    for (const auto& [dir, created] : cgroup_dirs_) {
      remove_cgroup_tree(dir);
      // The ancestors podman made on the way (in hierarchies where our own cgroup is higher up).
      for (const auto& ancestor : created) {
        ::rmdir(ancestor.c_str());
      }
    }
  }

  [[nodiscard]] std::string path(const std::string& sub) const { return dir_.path() + "/" + sub; }
  [[nodiscard]] const std::string& runtime() const { return runtime_; }
  [[nodiscard]] const std::string& cgroup_parent() const { return cgroup_parent_; }

  // podman <isolating flags> args..., bounded in time, its output captured.
  Result podman(const std::vector<std::string>& args, const std::optional<std::string>& input = std::nullopt) const {
    return run(podman_command(args), input);
  }

  // The options every `run` gets: no network, cgroups below ours, limits this host allows
  // (our hard RLIMIT_NOFILE is below podman's default of 1048576, and we lack CAP_SYS_RESOURCE).
  [[nodiscard]] std::vector<std::string> run_options() const {
    std::vector<std::string> options = {"--network", "none", "--cgroup-parent", cgroup_parent_};
    options.insert(options.end(), {"--ulimit", "nofile=20000:20000", "--ulimit", "nproc=4096:4096"});
    return options;
  }

  // `podman import` of a tar of a rootfs holding busybox and its applet symlinks; throws on failure.
  void import_image() const {
    std::string rootfs = path("rootfs");
    mkdir_all(rootfs + "/bin");
    mkdir_all(rootfs + "/tmp");
    SubprocessOptions copy;
    copy.args = {"cp", busybox_path(), rootfs + "/bin/busybox"};
    if (!run_subprocess(copy).ok()) {
      throw Error("copy " + busybox_path() + " into the image's rootfs (is busybox-static installed?)");
    }
    SubprocessOptions list;
    list.args = {busybox_path(), "--list"};
    for (const auto& applet : split(run_subprocess(list).out, '\n')) {
      if (!applet.empty() && applet != "busybox" && ::symlink("busybox", (rootfs + "/bin/" + applet).c_str()) < 0) {
        throw_errno("symlink " + rootfs + "/bin/" + applet);
      }
    }
    SubprocessOptions tar;
    tar.args = {"tar", "-C", rootfs, "-cf", path("busybox.tar"), "."};
    SubprocessResult tarred = run_subprocess(tar);
    if (!tarred.ok()) {
      throw Error("tar of the image's rootfs: " + tarred.err);
    }
    // The image copy writes a blob-info cache to /var/lib/containers/cache for root, whatever
    // --root says (containers/image 5.23 has no setting for it): a tmpfs over it (or over
    // /var/lib when it does not exist), in a mount namespace of the import's own, keeps it off
    // the host.
    static constexpr const char* kTmpfsOverCache =
        "t=/var/lib/containers; [ -d $t ] || t=/var/lib; mount -t tmpfs -o mode=0755,size=16m skiff-podman $t && "
        "exec \"$@\"";
    std::vector<std::string> command = {"unshare", "--mount", "--propagation", "private", "--",
                                        "/bin/sh", "-c",      kTmpfsOverCache, "sh"};
    std::vector<std::string> import = {
        "import", "--quiet", "--signature-policy", path("policy.json"), path("busybox.tar"), kImage};
    for (auto& arg : podman_command(import)) {
      command.push_back(std::move(arg));
    }
    Result imported = run(command);
    if (imported.code != 0 || !imported.out.starts_with("sha256:")) {
      throw Error("podman import (exit " + std::to_string(imported.code) + "): " + imported.out + imported.err);
    }
  }

 private:
  [[nodiscard]] std::vector<std::string> podman_command(const std::vector<std::string>& args) const {
    // --runtime and --cgroup-manager are passed on to conmon's cleanup command; the config files
    // (by environment) to every podman process.
    std::vector<std::string> command = {"podman",        "--root",           path("root"), "--runroot",
                                        path("runroot"), "--tmpdir",         path("tmp"),  "--storage-driver",
                                        "vfs",           "--events-backend", "none"};
    command.insert(command.end(), {"--cgroup-manager", "cgroupfs", "--runtime", runtime_});
    command.insert(command.end(), args.begin(), args.end());
    return command;
  }

  Result run(const std::vector<std::string>& command, const std::optional<std::string>& input = std::nullopt) const {
    SubprocessOptions options;
    options.args = command;
    options.env = env_;
    options.input = input;
    options.timeout = kPodmanTimeout;
    SubprocessResult r = run_subprocess(options);
    if (r.timed_out) {
      r.err += "\n(timed out after " + std::to_string(kPodmanTimeout.count()) + "s)";
    }
    return {r.signal != 0 ? 128 + r.signal : r.exit_code, r.out, r.err};
  }

  // The caller's environment without anything that points podman elsewhere, plus our config.
  [[nodiscard]] std::vector<std::string> environment() const {
    std::vector<std::string> env;
    for (char** e = environ; *e != nullptr; ++e) {
      std::string var = *e;
      if (var.starts_with("CONTAINERS_") || var.starts_with("CONTAINER_") || var.starts_with("XDG_") ||
          var.starts_with("HOME=") || var.starts_with("TMPDIR=") || var.starts_with("NOTIFY_SOCKET=") ||
          var.starts_with("REGISTRY_AUTH_FILE=") || var.starts_with("STORAGE_")) {
        continue;
      }
      env.push_back(var);
    }
    env.push_back("CONTAINERS_CONF=" + path("containers.conf"));
    env.push_back("CONTAINERS_STORAGE_CONF=" + path("storage.conf"));
    env.push_back("CONTAINERS_REGISTRIES_CONF=" + path("registries.conf"));
    env.push_back("REGISTRY_AUTH_FILE=" + path("home/auth.json"));
    env.push_back("HOME=" + path("home"));
    env.push_back("TMPDIR=" + path("tmp"));
    return env;
  }

  // With the cgroupfs manager podman passes an absolute cgroupsPath (<parent>/libpod-<id>) and
  // puts conmon in <parent>/conmon, both below the hierarchy's root: its default parent is
  // /libpod_parent, and a relative --cgroup-parent is taken from the root as well (podman made
  // /sys/fs/cgroup/<ctrl>/<relative>/conmon when tried). This process may only make cgroups
  // below its own, which the machine's supervisor owns in the memory hierarchy, so the parent
  // is named absolutely below our own cgroup: the deepest of our cgroups, which must hold the
  // others (here memory:/process_api/<id>, the rest "/").
  void choose_cgroup_parent() {
    auto own = cgroups::own_cgroups();
    std::string deepest = "/";
    for (const auto& [hierarchy, cgroup] : own) {
      if (cgroup.size() > deepest.size()) {
        deepest = cgroup;
      }
    }
    for (const auto& [hierarchy, cgroup] : own) {
      if (!is_below(deepest, cgroup)) {
        throw Error("no cgroup parent lies below this process's cgroup in every hierarchy: " + hierarchy + " is " +
                    cgroup + ", " + deepest + " is elsewhere");
      }
    }
    cgroup_parent_ = join_path(deepest, "skiff-podman-" + std::to_string(::getpid()));
    // Which directories podman will create, in every mounted hierarchy, to remove them again.
    std::set<std::string> seen;
    for (const auto& [hierarchy, mount] : cgroups::cgroup_mounts()) {
      if (!seen.insert(mount.mount_point).second) {
        continue;
      }
      std::string dir = cgroups::resolve_dir(mount, "/", cgroup_parent_, "");
      std::vector<std::string> created;
      for (std::string up = parent_dir(dir); is_below(up, mount.mount_point) && up != mount.mount_point;
           up = parent_dir(up)) {
        if (!path_exists(up)) {
          created.push_back(up);
        }
      }
      cgroup_dirs_.emplace_back(dir, created);
    }
  }

  static std::string parent_dir(const std::string& dir) { return dir.substr(0, dir.rfind('/')); }

  // Containers of this store that a broken podman left in the runtime's state root.
  void delete_leftover_containers() const {
    SubprocessOptions list;
    list.args = {runtime_, "list", "--format", "json"};
    list.timeout = std::chrono::seconds(30);
    SubprocessResult listed = run_subprocess(list);
    if (!listed.ok()) {
      return;
    }
    try {
      boost::json::value containers = json::parse(listed.out, "skiff-runtime list");
      for (const auto& entry : containers.as_array()) {
        const auto& c = entry.as_object();
        if (std::string(c.at("bundle").as_string()).starts_with(dir_.path() + "/")) {
          ADD_FAILURE() << "container " << c.at("id").as_string() << " was left in skiff-runtime's state";
          SubprocessOptions del;
          del.args = {runtime_, "delete", "--force", std::string(c.at("id").as_string())};
          del.timeout = std::chrono::seconds(30);
          run_subprocess(del);
        }
      }
    } catch (const std::exception& e) {
      ADD_FAILURE() << "skiff-runtime list: " << e.what();
    }
  }

  // conmon processes of this store still alive (when podman itself failed).
  void kill_leftover_conmons() const {
    std::error_code ec;
    std::string containers = path("runroot/vfs-containers");
    for (const auto& entry : std::filesystem::directory_iterator(containers, ec)) {
      try {
        pid_t pid = static_cast<pid_t>(std::stol(read_file(entry.path().string() + "/userdata/conmon.pid")));
        std::string proc = "/proc/" + std::to_string(pid);
        if (pid > 0 && trim(read_file(proc + "/comm")) == "conmon" &&
            read_file(proc + "/cmdline").find(dir_.path()) != std::string::npos) {
          ADD_FAILURE() << "conmon " << pid << " outlived podman rm -af";
          ::kill(pid, SIGKILL);
        }
      } catch (const std::exception&) {
      }
    }
  }

  TempDir dir_;
  std::string runtime_;
  std::string cgroup_parent_;
  std::vector<std::string> env_;
  // Per hierarchy: the parent's directory and the ancestors of it that did not exist before.
  std::vector<std::pair<std::string, std::vector<std::string>>> cgroup_dirs_;
};

class Podman : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (::geteuid() != 0) {
      return;
    }
    try {
      store_ = std::make_unique<PodmanStore>();
      store_->import_image();
    } catch (const std::exception& e) {
      setup_error_ = e.what();
    }
  }

  static void TearDownTestSuite() { store_.reset(); }

  void SetUp() override {
    if (::geteuid() != 0) {
      GTEST_SKIP() << "podman integration tests need root";
    }
    ASSERT_TRUE(setup_error_.empty()) << "setting up the podman store: " << setup_error_;
  }

  static const PodmanStore& store() { return *store_; }

  static Result podman(const std::vector<std::string>& args) { return store_->podman(args); }

  // podman run <run_options> extra... image command...
  static Result run(const std::vector<std::string>& extra, const std::vector<std::string>& command) {
    std::vector<std::string> args = {"run"};
    for (const auto& a : store_->run_options()) {
      args.push_back(a);
    }
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(kImage);
    args.insert(args.end(), command.begin(), command.end());
    return podman(args);
  }

  static std::string inspect(const std::string& name, const std::string& format) {
    Result r = podman({"inspect", "--format", format, name});
    return r.code == 0 ? std::string(trim(r.out)) : "error: " + r.err;
  }

  // Polls `podman logs` until it holds text (a detached container's output comes later).
  static std::string logs_containing(const std::string& name, const std::string& text) {
    std::string out;
    for (int i = 0; i < 100; ++i) {
      Result r = podman({"logs", name});
      out = r.out;
      if (out.find(text) != std::string::npos) {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return out;
  }

  // The runtime must have deleted its state of the container.
  static void expect_gone_from_runtime(const std::string& id) {
    SubprocessOptions state;
    state.args = {store_->runtime(), "state", id};
    state.timeout = std::chrono::seconds(30);
    SubprocessResult r = run_subprocess(state);
    EXPECT_NE(r.exit_code, 0) << r.out;
    EXPECT_NE(r.err.find("does not exist"), std::string::npos) << r.err;
  }

  static inline std::unique_ptr<PodmanStore> store_;
  static inline std::string setup_error_;
};

TEST_F(Podman, RunPrintsOutputAndExitCode) {
  Result r = run({"--rm"}, {"sh", "-c", "echo hello from skiff; ulimit -n; ulimit -u; exit 3"});
  EXPECT_EQ(r.code, 3) << r.err;
  EXPECT_EQ(r.out, "hello from skiff\n20000\n4096\n") << r.err;
}

TEST_F(Podman, RunPutsTheContainerBelowOurCgroup) {
  Result r = run({"--rm"}, {"cat", "/proc/self/cgroup"});
  ASSERT_EQ(r.code, 0) << r.err;
  bool memory_seen = false;
  for (const auto& line : split(r.out, '\n')) {
    if (line.find(":memory:") != std::string::npos) {
      memory_seen = true;
      std::string cgroup = line.substr(line.find(":memory:") + 8);
      EXPECT_TRUE(cgroup.starts_with(store().cgroup_parent() + "/libpod-")) << cgroup;
    }
  }
  EXPECT_TRUE(memory_seen || !path_exists("/sys/fs/cgroup/memory")) << r.out;
}

TEST_F(Podman, RunOfAMissingCommandFailsWith127) {
  Result r = run({"--rm"}, {"/no/such/command"});
  EXPECT_EQ(r.code, 127) << r.err;
  EXPECT_NE(r.err.find("/no/such/command"), std::string::npos) << r.err;
  // podman's `delete --force` after the failed create must find nothing to complain about.
  EXPECT_EQ(r.err.find("does not exist"), std::string::npos) << r.err;
}

TEST_F(Podman, RunWithTerminal) {
  Result r = run({"--rm", "--tty"}, {"sh", "-c", "tty; exit 4"});
  EXPECT_EQ(r.code, 4) << r.err;
  EXPECT_EQ(r.out, "/dev/pts/0\r\n") << r.err;
}

TEST_F(Podman, DetachedRunExecLogsStopRm) {
  std::string name = unique_id("skiff-podman");
  Result started = run({"--detach", "--name", name},
                       {"sh", "-c", "echo started; trap 'echo stopping; exit 7' TERM; while :; do sleep 0.1; done"});
  ASSERT_EQ(started.code, 0) << started.err;
  std::string id(trim(started.out));
  ASSERT_EQ(id.size(), 64U) << started.out;
  EXPECT_NE(logs_containing(name, "started\n").find("started\n"), std::string::npos);
  EXPECT_EQ(inspect(name, "{{.State.Status}}"), "running");

  Result exec = podman({"exec", name, "sh", "-c", "echo in exec; cat /proc/1/cmdline | tr '\\0' ' '; exit 5"});
  EXPECT_EQ(exec.code, 5) << exec.err;
  EXPECT_TRUE(exec.out.starts_with("in exec\nsh -c echo started;")) << exec.out;
  Result exec_tty = podman({"exec", "--tty", name, "tty"});
  EXPECT_EQ(exec_tty.code, 0) << exec_tty.err;
  EXPECT_TRUE(exec_tty.out.starts_with("/dev/pts/")) << exec_tty.out;
  Result missing = podman({"exec", name, "/no/such/command"});
  EXPECT_EQ(missing.code, 127) << missing.err;

  Result paused = podman({"pause", name});
  EXPECT_EQ(paused.code, 0) << paused.err;
  EXPECT_EQ(inspect(name, "{{.State.Status}}"), "paused");
  Result unpaused = podman({"unpause", name});
  EXPECT_EQ(unpaused.code, 0) << unpaused.err;
  EXPECT_EQ(inspect(name, "{{.State.Status}}"), "running");

  Result stopped = podman({"stop", "--time", "10", name});
  EXPECT_EQ(stopped.code, 0) << stopped.err;
  EXPECT_EQ(inspect(name, "{{.State.Status}}"), "exited");
  EXPECT_EQ(inspect(name, "{{.State.ExitCode}}"), "7");
  Result logs = podman({"logs", name});
  EXPECT_EQ(logs.code, 0) << logs.err;
  EXPECT_EQ(logs.out, "started\nstopping\n") << logs.err;

  Result removed = podman({"rm", name});
  EXPECT_EQ(removed.code, 0) << removed.err;
  Result listed = podman({"ps", "--all", "--quiet", "--no-trunc"});
  EXPECT_EQ(listed.out.find(id), std::string::npos) << listed.out;
  expect_gone_from_runtime(id);
}

TEST_F(Podman, StopFallsBackToSigkill) {
  // sleep as the pid namespace's init ignores SIGTERM: stop must end with `kill <id> KILL`.
  std::string name = unique_id("skiff-podman");
  Result started = run({"--detach", "--name", name}, {"sleep", "1000"});
  ASSERT_EQ(started.code, 0) << started.err;
  std::string id(trim(started.out));
  Result stopped = podman({"stop", "--time", "1", name});
  EXPECT_EQ(stopped.code, 0) << stopped.err;
  EXPECT_EQ(inspect(name, "{{.State.ExitCode}}"), "137");
  Result restarted = podman({"start", name});
  EXPECT_EQ(restarted.code, 0) << restarted.err;
  EXPECT_EQ(inspect(name, "{{.State.Status}}"), "running");
  Result removed = podman({"rm", "--force", "--time", "0", name});
  EXPECT_EQ(removed.code, 0) << removed.err;
  expect_gone_from_runtime(id);
}

}  // namespace
}  // namespace skiff::testing

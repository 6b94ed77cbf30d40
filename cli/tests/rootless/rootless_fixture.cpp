#include "rootless_fixture.h"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/passwd.h"
#include "skiff/base/strings.h"
#include "test_images.h"

namespace skiff::rootless_testing {

namespace {

std::string xdg_runtime_dir() {
  const char* dir = std::getenv("XDG_RUNTIME_DIR");
  if (dir == nullptr) {
    throw std::runtime_error("XDG_RUNTIME_DIR is not set (run-as-user.sh sets it)");
  }
  return dir;
}

}  // namespace

std::string skiff_binary() {
  return std::filesystem::read_symlink("/proc/self/exe").parent_path() / "skiff";
}

image::SubIdRange range_of(const std::string& file) {
  auto range = image::find_subid_range(read_file(file), user_name(::getuid()), ::getuid());
  if (!range) {
    throw std::runtime_error(file + " has no range for the test user");
  }
  return *range;
}

std::string owner_of(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    return "<missing " + path + ">";
  }
  return std::to_string(st.st_uid) + ":" + std::to_string(st.st_gid);
}

std::string own_ids() {
  return std::to_string(::getuid()) + ":" + std::to_string(::getgid());
}

std::pair<pid_t, std::string> recorded_holder(const std::string& run_root) {
  auto fields = split(trim(read_file(run_root + "/pause.pid")), ' ');
  return {static_cast<pid_t>(std::stoi(fields.at(0))), fields.at(1)};
}

std::vector<pid_t> holders_of_this_suite() {
  std::string wanted = "XDG_RUNTIME_DIR=" + xdg_runtime_dir();
  std::vector<pid_t> pids;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) {
      continue;
    }
    try {
      if (trim(read_file(entry.path() / "comm")) != "skiff-pause") {
        continue;
      }
      for (const auto& var : split(read_file(entry.path() / "environ"), '\0')) {
        if (var == wanted) {
          pids.push_back(std::stoi(name));
        }
      }
    } catch (const Error&) {
      // Gone, or another user's.
    }
  }
  return pids;
}

bool eventually(const std::function<bool()>& pred) {
  constexpr int kRounds = 600;
  for (int i = 0; i < kRounds; ++i) {
    if (pred()) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

std::unique_ptr<testing::TestRegistry> SkiffRootless::suite_registry;

void SkiffRootless::SetUpTestSuite() {
  if (::geteuid() == 0) {
    return;
  }
  suite_registry = std::make_unique<testing::TestRegistry>();
  testing::push_test_image(*suite_registry, "layered", "test/layered:1");
  testing::push_test_image(*suite_registry, "busybox", "library/busybox:latest");
}

void SkiffRootless::TearDownTestSuite() {
  suite_registry.reset();
}

void SkiffRootless::SetUp() {
  if (::geteuid() == 0) {
    GTEST_SKIP() << "run by tests/rootless/run-as-user.sh as an unprivileged user";
  }
}

SubprocessResult SkiffRootless::skiff(std::vector<std::string> args, const std::optional<std::string>& input) const {
  args.insert(args.begin(), skiff_binary());
  std::vector<std::string> env = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "XDG_DATA_HOME=" + data_.path()};
  for (const char* name : {"HOME", "TMPDIR", "XDG_RUNTIME_DIR", "USER"}) {
    if (const char* value = std::getenv(name); value != nullptr) {
      env.push_back(std::string(name) + "=" + value);
    }
  }
  return run_subprocess(SubprocessOptions{.args = args, .env = env, .input = input});
}

std::vector<std::string> SkiffRootless::skiff_command(const std::vector<std::string>& args) const {
  std::vector<std::string> command = {"/usr/bin/env", "XDG_DATA_HOME=" + data_.path(), skiff_binary()};
  command.insert(command.end(), args.begin(), args.end());
  return command;
}

std::string SkiffRootless::run_root() {
  return xdg_runtime_dir() + "/skiff";
}

std::string SkiffRootless::busybox() {
  return suite_registry->host() + "/library/busybox:latest";
}

std::string SkiffRootless::layered() {
  return suite_registry->host() + "/test/layered:1";
}

void RootlessContainers::SetUp() {
  SkiffRootless::SetUp();
  if (IsSkipped()) {
    return;
  }
  auto pull = skiff({"pull", "-q", "--tls-verify=false", image()});
  ASSERT_TRUE(pull.ok()) << pull.describe() << ": " << pull.err;
}

void RootlessContainers::TearDown() {
  if (IsSkipped()) {
    return;
  }
  auto rm = skiff({"rm", "-a", "-f"});
  EXPECT_TRUE(rm.ok()) << rm.err;
  auto pods = skiff({"pod", "rm", "-a", "-f"});
  EXPECT_TRUE(pods.ok()) << pods.err;
  EXPECT_EQ(all_containers(), std::vector<std::string>{});
  std::string containers = run_root() + "/containers";
  if (path_exists(containers)) {
    for (const auto& entry : std::filesystem::directory_iterator(containers)) {
      EXPECT_TRUE(entry.path().filename() == "names" && std::filesystem::is_empty(entry.path()))
          << "container state left: " << entry.path();
    }
  }
  for (const auto& entry : std::filesystem::directory_iterator(run_root())) {
    EXPECT_FALSE(path_exists(entry.path() / "state.json")) << "runtime container left: " << entry.path();
  }
  auto [holder, start_time] = recorded_holder(run_root());
  EXPECT_EQ(holders_of_this_suite(), std::vector<pid_t>{holder});
  std::string mounts = read_file("/proc/" + std::to_string(holder) + "/mountinfo");
  EXPECT_EQ(mounts.find(store()), std::string::npos) << "mounts left in the holder's namespace:\n" << mounts;

  // Volumes and layers hold files of subordinate ids, which only skiff (in the user's namespace)
  // can remove: the store is emptied through it, so the test's directory goes with the test.
  auto volumes = skiff({"volume", "prune", "-f"});
  EXPECT_TRUE(volumes.ok()) << volumes.err;
  auto images = skiff({"rmi", "-a", "-f"});
  EXPECT_TRUE(images.ok()) << images.err;
  for (const char* dir : {"/layers", "/volumes"}) {
    EXPECT_TRUE(!path_exists(store() + dir) || std::filesystem::is_empty(store() + dir)) << "left in " << dir;
  }
}

std::string RootlessContainers::run_detached(const std::string& name, const std::string& script,
                                             const std::vector<std::string>& flags) const {
  std::vector<std::string> args = {"run", "-d", "--name", name, "--network", "none"};
  args.insert(args.end(), flags.begin(), flags.end());
  args.push_back(image());
  args.push_back(script);
  auto run = skiff(args);
  EXPECT_TRUE(run.ok()) << run.describe() << ": " << run.err;
  return std::string(trim(run.out));
}

boost::json::object RootlessContainers::inspect(const std::string& name) const {
  auto run = skiff({"inspect", name});
  if (!run.ok()) {
    throw std::runtime_error("inspect " + name + ": " + run.err);
  }
  return boost::json::parse(run.out).as_array().at(0).as_object();
}

std::string RootlessContainers::status_of(const std::string& name) const {
  boost::json::value listed = boost::json::parse(skiff({"ps", "-a", "--format", "json"}).out);
  for (const auto& entry : listed.as_array()) {
    if (entry.at("Names").as_array().at(0).as_string() == name) {
      return std::string(entry.at("State").as_string());
    }
  }
  return {};
}

std::vector<std::string> RootlessContainers::all_containers() const {
  auto ps = skiff({"ps", "-a", "-q", "--no-trunc"});
  EXPECT_TRUE(ps.ok()) << ps.err;
  std::vector<std::string> ids;
  for (const auto& line : split(ps.out, '\n')) {
    if (!line.empty()) {
      ids.emplace_back(line);
    }
  }
  return ids;
}

}  // namespace skiff::rootless_testing

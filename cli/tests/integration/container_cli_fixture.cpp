#include "container_cli_fixture.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "skiff/base/file.h"
#include "skiff/base/strings.h"
#include "skiff/base/subprocess.h"
#include "test_images.h"

namespace skiff::cli_testing {

namespace {

constexpr int kPollRounds = 600;
constexpr std::chrono::milliseconds kPollInterval{50};

}  // namespace

std::unique_ptr<testing::TestRegistry> ContainerCli::registry;

std::string skiff_binary() {
  const char* path = std::getenv("SKIFF_CLI");
  if (path == nullptr) {
    throw std::runtime_error("SKIFF_CLI is not set (ctest sets it to the built skiff)");
  }
  return path;
}

void ContainerCli::SetUpTestSuite() {
  registry = std::make_unique<testing::TestRegistry>();
  testing::push_test_image(*registry, "busybox", "library/busybox:latest");
}

void ContainerCli::TearDownTestSuite() {
  registry.reset();
}

std::string ContainerCli::image() {
  return registry->host() + "/library/busybox:latest";
}

void ContainerCli::SetUp() {
  auto pull = skiff({"pull", "-q", "--tls-verify=false", image()});
  ASSERT_EQ(pull.code, 0) << pull.err;
}

void ContainerCli::TearDown() {
  auto rm = skiff({"rm", "-a", "-f"});
  EXPECT_EQ(rm.code, 0) << rm.err;
  EXPECT_EQ(all_containers(), std::vector<std::string>{});
  std::string containers = run_dir() + "/containers";
  if (path_exists(containers)) {
    for (const auto& entry : std::filesystem::directory_iterator(containers)) {
      if (entry.path().filename() == "names") {
        EXPECT_TRUE(std::filesystem::is_empty(entry.path())) << "names left in " << entry.path();
      } else {
        ADD_FAILURE() << "container state left: " << entry.path();
      }
    }
  }
  EXPECT_EQ(testing::mounts_below(dir_.path()), std::vector<std::string>{}) << "mounts left";
}

SkiffRun ContainerCli::run_in_own_network(const std::string& script) const {
  std::string skiff_words;
  for (const auto& word : skiff_command({})) {
    skiff_words += "'" + word + "' ";
  }
  std::string prelude = "set -e\nip link set lo up\nskiff() { " + skiff_words +
                        "\"$@\"; }\n"
                        "fetch() {\n"
                        "  for i in $(seq 100); do\n"
                        "    if out=$(curl -s --max-time 2 \"$1\"); then echo \"$out\"; return 0; fi\n"
                        "    sleep 0.1\n"
                        "  done\n"
                        "  return 1\n"
                        "}\n";
  auto result = run_subprocess(SubprocessOptions{.args = {"unshare", "--net", "--", "sh", "-c", prelude + script},
                                                 .path = {},
                                                 .env = std::nullopt,
                                                 .input = std::nullopt,
                                                 .capture_stdout = true,
                                                 .capture_stderr = true,
                                                 .cwd = {},
                                                 .timeout = std::chrono::minutes(2)});
  return {result.exit_code, result.out, result.err};
}

std::vector<std::string> ContainerCli::skiff_command(const std::vector<std::string>& args) const {
  std::vector<std::string> command = {skiff_binary(), "--root", store_dir(), "--runroot", run_dir()};
  command.insert(command.end(), args.begin(), args.end());
  return command;
}

SkiffRun ContainerCli::skiff(std::vector<std::string> args, const std::optional<std::string>& input) const {
  auto result = run_subprocess(SubprocessOptions{.args = skiff_command(args),
                                                 .path = {},
                                                 .env = std::nullopt,
                                                 .input = input,
                                                 .capture_stdout = true,
                                                 .capture_stderr = true,
                                                 .cwd = {},
                                                 .timeout = std::chrono::minutes(2)});
  return SkiffRun{.code = result.exit_code, .out = result.out, .err = result.err};
}

std::string ContainerCli::run_detached(const std::string& name, const std::string& script,
                                       const std::vector<std::string>& flags) {
  std::vector<std::string> args = {"run", "-d", "--network", "none", "--name", name};
  args.insert(args.end(), flags.begin(), flags.end());
  args.push_back(image());
  args.push_back(script);
  auto run = skiff(args);
  EXPECT_EQ(run.code, 0) << run.err;
  return std::string(trim(run.out));
}

boost::json::object ContainerCli::inspect(const std::string& name) {
  auto run = skiff({"inspect", name});
  EXPECT_EQ(run.code, 0) << run.err;
  auto doc = boost::json::parse(run.out);
  return doc.as_array().at(0).as_object();
}

bool ContainerCli::eventually(const std::function<bool()>& pred) {
  for (int i = 0; i < kPollRounds; ++i) {
    if (pred()) {
      return true;
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  return false;
}

std::vector<std::string> ContainerCli::all_containers() {
  auto ps = skiff({"ps", "-a", "-q", "--no-trunc"});
  EXPECT_EQ(ps.code, 0) << ps.err;
  std::vector<std::string> ids;
  for (const auto& line : split(ps.out, '\n')) {
    if (!line.empty()) {
      ids.push_back(line);
    }
  }
  return ids;
}

}  // namespace skiff::cli_testing

// `skiff` run by an unprivileged user (skiff-rootless, by tests/rootless/run-as-user.sh, which
// copies the built skiff beside this binary): image commands run inside the user's namespace, so
// a layer's files keep their owners, shifted into the user's /etc/subuid and /etc/subgid ranges,
// and rmi can remove them again.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <memory>

#include "skiff/base/file.h"
#include "skiff/base/passwd.h"
#include "skiff/base/strings.h"
#include "skiff/base/subprocess.h"
#include "skiff/image/rootless_userns.h"
#include "test_images.h"
#include "test_registry.h"
#include "test_support.h"

namespace skiff {
namespace {

using testing::TempDir;
using testing::TestRegistry;

std::string skiff_binary() {
  return std::filesystem::read_symlink("/proc/self/exe").parent_path() / "skiff";
}

class SkiffRootless : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (::geteuid() == 0) {
      return;
    }
    suite_registry = std::make_unique<TestRegistry>();
    testing::push_test_image(*suite_registry, "layered", "test/layered:1");
  }
  static void TearDownTestSuite() { suite_registry.reset(); }

  void SetUp() override {
    if (::geteuid() == 0) {
      GTEST_SKIP() << "run by tests/rootless/run-as-user.sh as an unprivileged user";
    }
  }

  // skiff with this test's $XDG_DATA_HOME (so the default rootless store root).
  [[nodiscard]] SubprocessResult skiff(std::vector<std::string> args) const {
    args.insert(args.begin(), skiff_binary());
    std::vector<std::string> env = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "XDG_DATA_HOME=" + data_.path()};
    for (const char* name : {"HOME", "TMPDIR", "XDG_RUNTIME_DIR", "USER"}) {
      if (const char* value = std::getenv(name); value != nullptr) {
        env.push_back(std::string(name) + "=" + value);
      }
    }
    return run_subprocess(SubprocessOptions{.args = args, .env = env});
  }

  [[nodiscard]] std::string store() const { return data_.path() + "/skiff"; }

  static std::unique_ptr<TestRegistry> suite_registry;
  TempDir data_;
};

std::unique_ptr<TestRegistry> SkiffRootless::suite_registry;

image::SubIdRange range_of(const std::string& file) {
  auto range = image::find_subid_range(read_file(file), user_name(::getuid()), ::getuid());
  if (!range) {
    throw std::runtime_error(file + " has no range for the test user");
  }
  return *range;
}

TEST_F(SkiffRootless, PullKeepsOwnersThroughTheSubidRangesAndRmiRemovesThem) {
  std::string ref = suite_registry->host() + "/test/layered:1";
  auto pull = skiff({"pull", "-q", "--tls-verify=false", ref});
  ASSERT_TRUE(pull.ok()) << pull.describe() << ": " << pull.err;

  // /data/owned is 1234:5678 in the image: subuid start + 1233 on disk (0 is the user itself).
  std::string owner;
  for (const auto& layer : std::filesystem::directory_iterator(store() + "/layers")) {
    struct stat st {};
    if (::lstat((layer.path().string() + "/diff/data/owned").c_str(), &st) == 0) {
      owner = std::to_string(st.st_uid) + ":" + std::to_string(st.st_gid);
    }
  }
  EXPECT_EQ(owner, std::to_string(range_of("/etc/subuid").start + 1233) + ":" +
                       std::to_string(range_of("/etc/subgid").start + 5677));

  auto images = skiff({"images", "-q", "--no-trunc"});
  EXPECT_EQ(images.out, "sha256:" + std::string(trim(pull.out)) + "\n") << images.err;

  auto info = skiff({"info", "--format", "json"});
  ASSERT_TRUE(info.ok()) << info.err;
  auto document = boost::json::parse(info.out);
  EXPECT_TRUE(document.at("host").at("security").at("rootless").as_bool());
  EXPECT_EQ(document.at("store").at("graphRoot").as_string(), store());
  EXPECT_EQ(document.at("host").at("idMappings").at("uidmap").as_array().size(), 2U) << info.out;

  // Files owned by subordinate ids: only removable from inside the namespace.
  auto rmi = skiff({"rmi", ref});
  ASSERT_TRUE(rmi.ok()) << rmi.err;
  EXPECT_TRUE(std::filesystem::is_empty(store() + "/layers"));
  EXPECT_TRUE(std::filesystem::is_empty(store() + "/blobs/sha256"));
}

}  // namespace
}  // namespace skiff

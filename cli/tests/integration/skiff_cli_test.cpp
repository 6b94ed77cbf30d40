// The built `skiff` run as a user runs it, against a real docker-registry on loopback holding
// the test images, each test on a store (--root) and a TMPDIR of its own.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <regex>

#include "skiff/base/file.h"
#include "skiff/base/strings.h"
#include "skiff/base/subprocess.h"
#include "test_images.h"
#include "test_registry.h"
#include "test_support.h"

namespace skiff {
namespace {

using testing::TempDir;
using testing::TestRegistry;

struct SkiffRun {
  int code = -1;
  std::string out;
  std::string err;
};

std::string skiff_binary() {
  const char* path = std::getenv("SKIFF_CLI");
  if (path == nullptr) {
    throw std::runtime_error("SKIFF_CLI is not set (ctest sets it to the built skiff)");
  }
  return path;
}

std::vector<std::string> entries(const std::string& dir) {
  std::vector<std::string> out;
  if (!path_exists(dir)) {
    return out;
  }
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    out.push_back(entry.path().filename());
  }
  return out;
}

class SkiffCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    suite_registry = std::make_unique<TestRegistry>();
    testing::push_test_image(*suite_registry, "busybox", "library/busybox:latest");
    testing::push_test_image(*suite_registry, "layered", "tests/layered:1");
  }
  static void TearDownTestSuite() { suite_registry.reset(); }

  void TearDown() override {
    // Archives copied from stdin or for stdout live in TMPDIR only while skiff runs.
    EXPECT_EQ(entries(tmp_.path()), std::vector<std::string>{}) << "skiff left files in TMPDIR";
  }

  // skiff --root <store> args..., with input on stdin when given.
  SkiffRun skiff(std::vector<std::string> args, const std::optional<std::string>& input = std::nullopt) const {
    args.insert(args.begin(), {skiff_binary(), "--root", store_.path() + "/store"});
    std::vector<std::string> env;
    for (char** e = environ; *e != nullptr; ++e) {
      if (!std::string_view(*e).starts_with("TMPDIR=")) {
        env.emplace_back(*e);
      }
    }
    env.push_back("TMPDIR=" + tmp_.path());
    auto result = run_subprocess(SubprocessOptions{.args = args,
                                                   .path = {},
                                                   .env = env,
                                                   .input = input,
                                                   .capture_stdout = true,
                                                   .capture_stderr = true,
                                                   .cwd = {},
                                                   .timeout = std::chrono::minutes(5)});
    return SkiffRun{.code = result.exit_code, .out = result.out, .err = result.err};
  }

  static std::string busybox() { return suite_registry->host() + "/library/busybox:latest"; }
  static std::string layered() { return suite_registry->host() + "/tests/layered:1"; }

  // Pulls quietly; returns the image id.
  std::string pull(const std::string& ref) const {
    auto run = skiff({"pull", "-q", "--tls-verify=false", ref});
    EXPECT_EQ(run.code, 0) << run.err;
    return std::string(trim(run.out));
  }

  [[nodiscard]] std::string store_dir() const { return store_.path() + "/store"; }

  static boost::json::array json_array(const std::string& text) {
    auto value = boost::json::parse(text);
    EXPECT_TRUE(value.is_array()) << text;
    return value.as_array();
  }

  static std::unique_ptr<TestRegistry> suite_registry;
  TempDir store_;
  TempDir tmp_;
};

std::unique_ptr<TestRegistry> SkiffCli::suite_registry;

const std::regex image_id_pattern("[0-9a-f]{64}\n");

TEST_F(SkiffCli, PullPrintsALinePerLayerThenTheId) {
  auto run = skiff({"pull", "--tls-verify=false", layered()});
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_TRUE(std::regex_match(run.out, image_id_pattern)) << run.out;
  EXPECT_NE(run.err.find("Trying to pull " + layered() + "..."), std::string::npos) << run.err;
  // Not a terminal: plain lines, one per layer (layered has four), no escape sequences.
  std::regex done_line("Copying blob sha256:[0-9a-f]{64} done\n");
  auto lines = std::distance(std::sregex_iterator(run.err.begin(), run.err.end(), done_line), std::sregex_iterator());
  EXPECT_EQ(lines, 4) << run.err;
  EXPECT_EQ(run.err.find('\x1b'), std::string::npos) << run.err;

  // Again, quietly: only the id, and the layers are not fetched again.
  auto again = skiff({"pull", "--quiet", "--tls-verify=false", layered()});
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(again.out, run.out);
  EXPECT_EQ(again.err, "");
}

TEST_F(SkiffCli, PullWithoutTlsVerifyFailsAgainstAPlainRegistry) {
  auto run = skiff({"pull", "-q", busybox()});
  EXPECT_EQ(run.code, 125);
  EXPECT_NE(run.err.find("Error: pull " + busybox()), std::string::npos) << run.err;
  EXPECT_EQ(entries(store_dir() + "/layers"), std::vector<std::string>{});
}

TEST_F(SkiffCli, PullThroughRegistriesConfInsecure) {
  std::string conf = store_.path() + "/registries.conf";
  write_file(conf, "[[registry]]\nlocation = \"" + suite_registry->host() + "\"\ninsecure = true\n");
  ::setenv("CONTAINERS_REGISTRIES_CONF", conf.c_str(), 1);
  auto run = skiff({"pull", "-q", busybox()});
  ::unsetenv("CONTAINERS_REGISTRIES_CONF");
  EXPECT_EQ(run.code, 0) << run.err;
  EXPECT_TRUE(std::regex_match(run.out, image_id_pattern)) << run.out;
}

TEST_F(SkiffCli, ImagesAsTableQuietAndJson) {
  std::string id = pull(busybox());
  auto table = skiff({"images"});
  ASSERT_EQ(table.code, 0) << table.err;
  auto lines = split(trim(table.out), '\n');
  ASSERT_EQ(lines.size(), 2U) << table.out;
  EXPECT_TRUE(std::regex_match(lines[0], std::regex("REPOSITORY +TAG +IMAGE ID +CREATED +SIZE"))) << lines[0];
  EXPECT_TRUE(std::regex_match(lines[1],
                               std::regex(std::regex_replace(suite_registry->host(), std::regex("\\."), "\\.") +
                                          "/library/busybox +latest +" + id.substr(0, 12) + " +.+ ago +[0-9.]+ [kM]B")))
      << lines[1];

  auto quiet = skiff({"images", "-q"});
  EXPECT_EQ(quiet.out, id.substr(0, 12) + "\n");
  // The same command under `skiff image`.
  EXPECT_EQ(skiff({"image", "ls", "-q"}).out, quiet.out);

  auto json = skiff({"images", "--format", "json"});
  ASSERT_EQ(json.code, 0) << json.err;
  auto images = json_array(json.out);
  ASSERT_EQ(images.size(), 1U);
  const auto& image = images[0].as_object();
  EXPECT_EQ(image.at("Id").as_string(), id);
  EXPECT_EQ(image.at("RepoTags"), (boost::json::array{busybox()}));
  EXPECT_GT(image.at("Size").to_number<uint64_t>(), 1000000U);
}

TEST_F(SkiffCli, ImageInspectShowsPodmansFields) {
  std::string id = pull(busybox());
  auto run = skiff({"image", "inspect", "busybox-not-this-one", busybox()});
  EXPECT_EQ(run.code, 125);
  EXPECT_EQ(run.err, "Error: busybox-not-this-one: image not known\n");

  run = skiff({"image", "inspect", busybox()});
  ASSERT_EQ(run.code, 0) << run.err;
  auto images = json_array(run.out);
  ASSERT_EQ(images.size(), 1U);
  const auto& image = images[0].as_object();
  EXPECT_EQ(image.at("Id").as_string(), id);
  EXPECT_TRUE(std::string_view(image.at("Digest").as_string()).starts_with("sha256:"));
  EXPECT_EQ(image.at("RepoTags"), (boost::json::array{busybox()}));
  ASSERT_EQ(image.at("RepoDigests").as_array().size(), 1U);
  EXPECT_EQ(std::string(image.at("RepoDigests").as_array()[0].as_string()),
            suite_registry->host() + "/library/busybox@" + std::string(image.at("Digest").as_string()));
  EXPECT_EQ(image.at("Os"), "linux");
  EXPECT_EQ(image.at("Architecture"), "amd64");
  const auto& config = image.at("Config").as_object();
  EXPECT_EQ(config.at("Entrypoint"), (boost::json::array{"/bin/sh", "-c"}));
  EXPECT_EQ(config.at("User"), "app");
  EXPECT_EQ(image.at("RootFS").at("Type"), "layers");
  EXPECT_EQ(image.at("RootFS").at("Layers").as_array().size(), 1U);
  EXPECT_GT(image.at("Size").to_number<uint64_t>(), 1000000U);
  // By short id too.
  EXPECT_EQ(skiff({"image", "inspect", id.substr(0, 12)}).code, 0);
}

TEST_F(SkiffCli, TagAddsNamesThatRmiRemovesOneByOne) {
  std::string id = pull(busybox());
  auto tag = skiff({"tag", busybox(), "tools/box:1", "localhost:5000/box:2"});
  ASSERT_EQ(tag.code, 0) << tag.err;
  auto images = json_array(skiff({"images", "--format", "json"}).out);
  ASSERT_EQ(images.size(), 1U);
  EXPECT_EQ(images[0].at("RepoTags").as_array().size(), 3U) << boost::json::serialize(images);

  auto rmi = skiff({"rmi", "tools/box:1"});
  EXPECT_EQ(rmi.code, 0) << rmi.err;
  EXPECT_EQ(rmi.out, "Untagged: docker.io/tools/box:1\n");
  rmi = skiff({"image", "rm", id});
  EXPECT_EQ(rmi.code, 0) << rmi.err;
  EXPECT_NE(rmi.out.find("Untagged: localhost:5000/box:2\n"), std::string::npos) << rmi.out;
  EXPECT_NE(rmi.out.find("Deleted: " + id + "\n"), std::string::npos) << rmi.out;
}

TEST_F(SkiffCli, RmiRunsGcAndLeavesTheStoreEmpty) {
  std::string busybox_id = pull(busybox());
  std::string layered_id = pull(layered());
  ASSERT_FALSE(entries(store_dir() + "/layers").empty());
  auto rmi = skiff({"rmi", busybox(), "no-such-image", layered()});
  // Every image named is removed; the unknown one is reported and makes the exit code 125.
  EXPECT_EQ(rmi.code, 125);
  EXPECT_EQ(rmi.err, "Error: no-such-image: image not known\n");
  EXPECT_EQ(rmi.out, "Untagged: " + busybox() + "\nDeleted: " + busybox_id + "\nUntagged: " + layered() +
                         "\nDeleted: " + layered_id + "\n");
  EXPECT_EQ(entries(store_dir() + "/layers"), std::vector<std::string>{});
  EXPECT_EQ(entries(store_dir() + "/blobs/sha256"), std::vector<std::string>{});
  EXPECT_EQ(entries(store_dir() + "/tmp"), std::vector<std::string>{});
  EXPECT_EQ(skiff({"images", "-q"}).out, "");
}

TEST_F(SkiffCli, SaveAndLoadRoundTrips) {
  std::string id = pull(layered());
  for (const std::string format : {"docker-archive", "oci-archive"}) {
    SCOPED_TRACE(format);
    std::string archive = store_.path() + "/image-" + format + ".tar";
    auto save = skiff({"save", "--format", format, "-o", archive, layered()});
    ASSERT_EQ(save.code, 0) << save.err;
    ASSERT_EQ(skiff({"rmi", layered()}).code, 0);
    ASSERT_EQ(entries(store_dir() + "/layers"), std::vector<std::string>{});

    auto load = skiff({"load", "-i", archive});
    ASSERT_EQ(load.code, 0) << load.err;
    EXPECT_EQ(load.out, "Loaded image: " + layered() + "\n");
    EXPECT_EQ(skiff({"images", "-q", "--no-trunc"}).out, "sha256:" + id + "\n");

    // Through stdout and stdin, the kind of archive told from its content.
    auto to_stdout = skiff({"image", "save", "--format", format, layered()});
    ASSERT_EQ(to_stdout.code, 0) << to_stdout.err;
    ASSERT_EQ(skiff({"rmi", id}).code, 0);
    auto from_stdin = skiff({"image", "load", "-q"}, to_stdout.out);
    ASSERT_EQ(from_stdin.code, 0) << from_stdin.err;
    EXPECT_EQ(from_stdin.out, "Loaded image: " + layered() + "\n");
    EXPECT_EQ(from_stdin.err, "");
    EXPECT_EQ(skiff({"images", "-q", "--no-trunc"}).out, "sha256:" + id + "\n");
  }
  // An OCI layout directory.
  std::string dir = store_.path() + "/layout";
  ASSERT_EQ(skiff({"save", "--format", "oci-dir", "-o", dir, layered()}).code, 0);
  EXPECT_TRUE(path_exists(dir + "/oci-layout"));
  EXPECT_TRUE(path_exists(dir + "/index.json"));
}

TEST_F(SkiffCli, LoadRefusesWhatIsNoImageArchive) {
  std::string file = store_.path() + "/not-an-image.tar";
  TempDir content;
  write_file(content.path() + "/hello", "hi\n");
  auto tar = run_subprocess(SubprocessOptions{.args = {"tar", "-C", content.path(), "-cf", file, "hello"}});
  ASSERT_TRUE(tar.ok()) << tar.err;
  auto load = skiff({"load", "-i", file});
  EXPECT_EQ(load.code, 125);
  EXPECT_NE(load.err.find("not-an-image.tar: not an image archive"), std::string::npos) << load.err;
  load = skiff({"load", "-i", store_.path() + "/missing.tar"});
  EXPECT_EQ(load.code, 125);
  EXPECT_NE(load.err.find("missing.tar"), std::string::npos) << load.err;
}

TEST_F(SkiffCli, ImportMakesAOneLayerImageWithChanges) {
  TempDir rootfs;
  mkdir_all(rootfs.path() + "/bin");
  write_file(rootfs.path() + "/bin/hello", "#!/bin/sh\necho hello\n", 0755);
  std::string tarball = store_.path() + "/rootfs.tar.gz";
  auto tar = run_subprocess(SubprocessOptions{.args = {"tar", "-C", rootfs.path(), "-czf", tarball, "."}});
  ASSERT_TRUE(tar.ok()) << tar.err;

  auto run = skiff({"import", "-q", "--change", "CMD [\"/bin/hello\"]", "-c", "ENV GREETING=hi", "-c", "WORKDIR /bin",
                    tarball, "tools/hello:1"});
  ASSERT_EQ(run.code, 0) << run.err;
  ASSERT_TRUE(std::regex_match(run.out, image_id_pattern)) << run.out;
  auto images = json_array(skiff({"image", "inspect", "tools/hello:1"}).out);
  ASSERT_EQ(images.size(), 1U);
  const auto& image = images[0].as_object();
  EXPECT_EQ(std::string(image.at("Id").as_string()) + "\n", run.out);
  EXPECT_EQ(image.at("Config").at("Cmd"), (boost::json::array{"/bin/hello"}));
  EXPECT_EQ(image.at("Config").at("Env"), (boost::json::array{"GREETING=hi"}));
  EXPECT_EQ(image.at("Config").at("WorkingDir"), "/bin");
  EXPECT_EQ(image.at("RootFS").at("Layers").as_array().size(), 1U);
  // The layer unpacked as the tarball holds it.
  auto layers = entries(store_dir() + "/layers");
  ASSERT_EQ(layers.size(), 1U);
  EXPECT_EQ(read_file(store_dir() + "/layers/" + layers[0] + "/diff/bin/hello"), "#!/bin/sh\necho hello\n");

  auto bad = skiff({"import", "-c", "RUN make", tarball});
  EXPECT_EQ(bad.code, 125);
  EXPECT_NE(bad.err.find("unknown instruction \"RUN\""), std::string::npos) << bad.err;
}

TEST_F(SkiffCli, SystemPruneRemovesUnnamedImagesAndFreesTheirSpace) {
  std::string id = pull(busybox());
  std::string layered_id = pull(layered());
  // Untag layered: it becomes dangling.
  ASSERT_EQ(skiff({"tag", layered_id, "keep/me:1"}).code, 0);
  ASSERT_EQ(skiff({"rmi", layered()}).code, 0);
  ASSERT_EQ(skiff({"rmi", "keep/me:1"}).code, 0);  // the last name: the image goes too
  auto prune = skiff({"system", "prune", "-f"});
  ASSERT_EQ(prune.code, 0) << prune.err;
  EXPECT_NE(prune.out.find("Total reclaimed space: "), std::string::npos) << prune.out;
  EXPECT_EQ(skiff({"images", "-q", "--no-trunc"}).out, "sha256:" + id + "\n");
  prune = skiff({"image", "prune", "--all", "--force"});
  ASSERT_EQ(prune.code, 0) << prune.err;
  EXPECT_NE(prune.out.find(id + "\n"), std::string::npos) << prune.out;
  EXPECT_EQ(entries(store_dir() + "/layers"), std::vector<std::string>{});
}

TEST_F(SkiffCli, BadInputGetsPodmanLikeErrorsAndCode125) {
  struct Case {
    std::vector<std::string> args;
    std::string error;
  };
  std::vector<Case> cases = {
      {{"rmi", "nope"}, "Error: nope: image not known\n"},
      {{"image", "inspect", "nope"}, "Error: nope: image not known\n"},
      {{"save", "-o", "/dev/null", "nope"}, "Error: nope: image not known\n"},
      {{"tag", "nope", "other"}, "Error: nope: image not known\n"},
      {{"pull", "--tls-verify=false", "Bad/Reference"}, "Error: "},
      {{"pull", "-q", "--tls-verify=false", suite_registry->host() + "/library/missing:1"}, "Error: pull "},
      {{"pull", "--platform", "nonsense", "--tls-verify=false", busybox()}, "Error: "},
      {{"pull", "--creds", "nocolon", busybox()}, "Error: --creds: want USERNAME:PASSWORD"},
      {{"pull", "--tls-verify=maybe", busybox()},
       "Error: Could not convert: --tls-verify = maybe\nSee 'skiff pull --help'.\n"},
      {{"images", "--format", "xml"}, "Error: --format: unknown format \"xml\" (want table, json, or a Go template)\n"},
      {{"save", "--format", "zip", "-o", "/dev/null", "x"}, "Error: --format: unknown format \"zip\""},
      {{"frobnicate"}, "Error: unrecognized command `skiff frobnicate`\nSee 'skiff --help'.\n"},
      {{"image", "frobnicate"}, "Error: unrecognized command `skiff image frobnicate`\nSee 'skiff image --help'.\n"},
      {{"images", "--bogus"}, "Error: unknown flag: --bogus\nSee 'skiff images --help'.\n"},
      {{"--log-level", "loud", "images"}, "Error: --log-level: unknown level \"loud\""},
      {{}, "Error: missing command 'skiff COMMAND'\n"},
  };
  for (const auto& c : cases) {
    auto run = skiff(c.args);
    EXPECT_EQ(run.code, 125) << ::testing::PrintToString(c.args) << ": " << run.err;
    EXPECT_TRUE(run.err.starts_with(c.error)) << ::testing::PrintToString(c.args) << ": " << run.err;
  }
  // Nothing was stored.
  EXPECT_EQ(entries(store_dir() + "/layers"), std::vector<std::string>{});
  EXPECT_EQ(entries(store_dir() + "/blobs/sha256"), std::vector<std::string>{});
}

TEST_F(SkiffCli, RootlessWithoutSubidRangesSaysWhichLinesToAdd) {
  // nobody (65534) has no range in /etc/subuid or /etc/subgid on a test host.
  for (const char* file : {"/etc/subuid", "/etc/subgid"}) {
    if (path_exists(file) && read_file(file).find("nobody:") != std::string::npos) {
      GTEST_SKIP() << file << " gives nobody a range";
    }
  }
  auto run = run_subprocess(SubprocessOptions{
      .args = {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "env", "HOME=/nonexistent",
               "XDG_DATA_HOME=" + store_.path() + "/nobody", skiff_binary(), "images"}});
  EXPECT_EQ(run.exit_code, 125) << run.err;
  EXPECT_TRUE(run.err.starts_with("Error: user nobody has no subordinate id range in /etc/subuid and /etc/subgid"))
      << run.err;
  EXPECT_TRUE(std::regex_search(run.err, std::regex("add a line 'nobody:[0-9]+:65536' to /etc/subuid and /etc/subgid")))
      << run.err;
  EXPECT_FALSE(path_exists(store_.path() + "/nobody/skiff")) << "the store was made before the check";
}

TEST_F(SkiffCli, InfoAndVersion) {
  auto info = skiff({"info", "--format", "json"});
  ASSERT_EQ(info.code, 0) << info.err;
  auto document = boost::json::parse(info.out).as_object();
  EXPECT_EQ(document.at("store").at("graphRoot").as_string(), store_dir());
  EXPECT_EQ(document.at("host").at("security").at("rootless").as_bool(), ::geteuid() != 0);
  std::string version = std::string(document.at("host").at("cgroupVersion").as_string());
  EXPECT_TRUE(version == "v1" || version == "v2") << version;
  EXPECT_FALSE(document.at("host").at("kernel").as_string().empty());
  auto yaml = skiff({"system", "info"});
  EXPECT_NE(yaml.out.find("graphRoot: " + store_dir() + "\n"), std::string::npos) << yaml.out;

  auto run = skiff({"version"});
  EXPECT_EQ(run.code, 0);
  EXPECT_NE(run.out.find(std::string("Version:    ") + SKIFF_VERSION), std::string::npos) << run.out;
  EXPECT_EQ(skiff({"--version"}).out, std::string("skiff version ") + SKIFF_VERSION + "\n");
}

}  // namespace
}  // namespace skiff

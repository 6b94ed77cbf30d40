// The image commands run by the unprivileged user: pull, save and load (a layer's files keep their
// owners, shifted into the user's /etc/subuid and /etc/subgid ranges, both ways), images, tag,
// image inspect, import, rmi, system prune, info and version, and bad input that stores nothing.
#include <linux/magic.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <regex>
#include <tuple>

#include "rootless_fixture.h"
#include "skiff/base/file.h"
#include "skiff/base/strings.h"
#include "skiff/base/subprocess.h"

namespace skiff::rootless_testing {
namespace {

// Image commands on a store of the test's own, emptied through skiff at the end (layers hold
// files of subordinate ids, which only skiff, in the user's namespace, can remove).
class RootlessImages : public SkiffRootless {
 protected:
  void TearDown() override {
    if (IsSkipped()) {
      return;
    }
    auto rmi = skiff({"rmi", "-a", "-f"});
    EXPECT_TRUE(rmi.ok()) << rmi.err;
    EXPECT_TRUE(!path_exists(store() + "/layers") || std::filesystem::is_empty(store() + "/layers"));
  }

  // pull -q; the image's id.
  std::string pull(const std::string& reference) {
    auto run = skiff({"pull", "-q", "--tls-verify=false", reference});
    EXPECT_TRUE(run.ok()) << run.describe() << ": " << run.err;
    return std::string(trim(run.out));
  }

  // The owner ("uid:gid") of path in whichever layer holds it.
  [[nodiscard]] std::string owner_in_layers(const std::string& path) const {
    for (const auto& layer : std::filesystem::directory_iterator(store() + "/layers")) {
      if (path_exists(layer.path() / "diff" / path)) {
        return owner_of(layer.path() / "diff" / path);
      }
    }
    return "<no layer holds " + path + ">";
  }

  // What layered's /data/owned (1234:5678 in the image) is on the host: subuid start + 1233 (0 is
  // the user itself).
  static std::string shifted_owner() {
    return std::to_string(range_of("/etc/subuid").start + 1233) + ":" +
           std::to_string(range_of("/etc/subgid").start + 5677);
  }
};

TEST_F(RootlessImages, PullKeepsOwnersThroughTheSubidRangesAndRmiRemovesThem) {
  std::string ref = layered();
  auto pull = skiff({"pull", "-q", "--tls-verify=false", ref});
  ASSERT_TRUE(pull.ok()) << pull.describe() << ": " << pull.err;

  EXPECT_EQ(owner_in_layers("data/owned"), shifted_owner());

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

TEST_F(RootlessImages, ImagesTagAndImageInspect) {
  std::string id = pull(busybox());
  auto table = skiff({"images"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  auto lines = split(trim(table.out), '\n');
  ASSERT_EQ(lines.size(), 2U) << table.out;
  EXPECT_TRUE(std::regex_match(lines[0], std::regex("REPOSITORY +TAG +IMAGE ID +CREATED +SIZE"))) << lines[0];
  std::string repository = std::regex_replace(suite_registry->host(), std::regex("\\."), "\\.") + "/library/busybox";
  EXPECT_TRUE(
      std::regex_match(lines[1], std::regex(repository + " +latest +" + id.substr(0, 12) + " +.+ ago +[0-9.]+ [kM]B")))
      << lines[1];
  EXPECT_EQ(skiff({"images", "-q"}).out, id.substr(0, 12) + "\n");

  auto tag = skiff({"tag", busybox(), "tools/box:1"});
  ASSERT_EQ(tag.exit_code, 0) << tag.err;
  auto listed = boost::json::parse(skiff({"images", "--format", "json"}).out).as_array();
  ASSERT_EQ(listed.size(), 1U);
  EXPECT_EQ(listed[0].at("Id").as_string(), id);
  EXPECT_EQ(listed[0].at("RepoTags"), (boost::json::array{busybox(), "docker.io/tools/box:1"}));

  auto inspected = skiff({"image", "inspect", "tools/box:1"});
  ASSERT_EQ(inspected.exit_code, 0) << inspected.err;
  auto doc = boost::json::parse(inspected.out).as_array().at(0).as_object();
  EXPECT_EQ(doc.at("Id").as_string(), id);
  EXPECT_EQ(doc.at("Config").at("User"), "app");
  EXPECT_EQ(doc.at("Config").at("Entrypoint"), (boost::json::array{"/bin/sh", "-c"}));
  EXPECT_EQ(doc.at("RootFS").at("Layers").as_array().size(), 1U);
  EXPECT_EQ(skiff({"image", "inspect", "--format", "{{.Id}} {{.Config.User}}", id.substr(0, 12)}).out, id + " app\n");

  auto untag = skiff({"rmi", "tools/box:1"});
  EXPECT_EQ(untag.exit_code, 0) << untag.err;
  EXPECT_EQ(untag.out, "Untagged: docker.io/tools/box:1\n");
  EXPECT_EQ(skiff({"images", "-q"}).out, id.substr(0, 12) + "\n");
}

TEST_F(RootlessImages, SaveAndLoadKeepTheOwnersThroughTheSubidRanges) {
  std::string id = pull(layered());
  ASSERT_EQ(owner_in_layers("data/owned"), shifted_owner());
  for (const std::string format : {"docker-archive", "oci-archive"}) {
    SCOPED_TRACE(format);
    // Written by the user, read from inside the namespace: the archive is the user's.
    std::string archive = scratch() + "/" + format + ".tar";
    auto save = skiff({"save", "--format", format, "-o", archive, layered()});
    ASSERT_EQ(save.exit_code, 0) << save.err;
    EXPECT_EQ(owner_of(archive), own_ids());
    ASSERT_EQ(skiff({"rmi", layered()}).exit_code, 0);
    ASSERT_TRUE(std::filesystem::is_empty(store() + "/layers"));

    auto load = skiff({"load", "-i", archive});
    ASSERT_EQ(load.exit_code, 0) << load.err;
    EXPECT_EQ(load.out, "Loaded image: " + layered() + "\n");
    EXPECT_EQ(skiff({"images", "-q", "--no-trunc"}).out, "sha256:" + id + "\n");
    EXPECT_EQ(owner_in_layers("data/owned"), shifted_owner());
  }
  // Through stdout and stdin.
  auto to_stdout = skiff({"image", "save", layered()});
  ASSERT_EQ(to_stdout.exit_code, 0) << to_stdout.err;
  ASSERT_EQ(skiff({"rmi", id}).exit_code, 0);
  auto from_stdin = skiff({"image", "load", "-q"}, to_stdout.out);
  ASSERT_EQ(from_stdin.exit_code, 0) << from_stdin.err;
  EXPECT_EQ(from_stdin.out, "Loaded image: " + layered() + "\n");
  EXPECT_EQ(owner_in_layers("data/owned"), shifted_owner());
}

TEST_F(RootlessImages, InfoSaysRootlessAndVersion) {
  auto yaml = skiff({"info"});
  ASSERT_EQ(yaml.exit_code, 0) << yaml.err;
  EXPECT_NE(yaml.out.find("\n    rootless: true\n"), std::string::npos) << yaml.out;
  EXPECT_NE(yaml.out.find("\n  graphRoot: " + store() + "\n"), std::string::npos) << yaml.out;
  EXPECT_NE(yaml.out.find("\n  runRoot: " + run_root() + "\n"), std::string::npos) << yaml.out;

  auto json = skiff({"system", "info", "--format", "json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  auto host = boost::json::parse(json.out).at("host").as_object();
  EXPECT_EQ(host.at("security").at("rootless"), true);
  struct statfs fs {};
  ASSERT_EQ(::statfs("/sys/fs/cgroup", &fs), 0);
  EXPECT_EQ(host.at("cgroupVersion"), fs.f_type == CGROUP2_SUPER_MAGIC ? "v2" : "v1");
  // The user itself as root, then its subordinate range.
  for (const auto& [key, file, own] :
       {std::tuple{"uidmap", "/etc/subuid", ::getuid()}, std::tuple{"gidmap", "/etc/subgid", ::getgid()}}) {
    auto range = range_of(file);
    EXPECT_EQ(host.at("idMappings").at(key),
              (boost::json::array{{{"container_id", 0}, {"host_id", own}, {"size", 1}},
                                  {{"container_id", 1}, {"host_id", range.start}, {"size", range.size}}}))
        << key;
  }

  auto version = skiff({"version"});
  EXPECT_EQ(version.exit_code, 0) << version.err;
  EXPECT_NE(version.out.find(std::string("Version:    ") + SKIFF_VERSION + "\n"), std::string::npos) << version.out;
  EXPECT_EQ(skiff({"--version"}).out, std::string("skiff version ") + SKIFF_VERSION + "\n");
}

TEST_F(RootlessImages, BadInputFailsWith125AndStoresNothing) {
  std::string not_an_archive = scratch() + "/not-an-image.tar";
  write_file(scratch() + "/hello", "hi\n");
  auto tar = run_subprocess(SubprocessOptions{.args = {"tar", "-C", scratch(), "-cf", not_an_archive, "hello"}});
  ASSERT_TRUE(tar.ok()) << tar.err;
  struct Case {
    std::vector<std::string> args;
    std::string error;
  };
  std::vector<Case> cases = {
      {{"rmi", "nope"}, "Error: nope: image not known\n"},
      {{"image", "inspect", "nope"}, "Error: nope: image not known\n"},
      {{"save", "-o", scratch() + "/nope.tar", "nope"}, "Error: nope: image not known\n"},
      {{"tag", "nope", "other"}, "Error: nope: image not known\n"},
      {{"pull", "-q", "--tls-verify=false", suite_registry->host() + "/library/missing:1"}, "Error: pull "},
      {{"load", "-i", not_an_archive}, "Error: " + not_an_archive + ": not an image archive"},
      {{"load", "-i", scratch() + "/missing.tar"}, "Error: "},
      {{"import", "-c", "RUN make", not_an_archive}, "Error: "},
  };
  for (const auto& c : cases) {
    auto run = skiff(c.args);
    EXPECT_EQ(run.exit_code, 125) << ::testing::PrintToString(c.args) << ": " << run.err;
    EXPECT_TRUE(run.err.starts_with(c.error)) << ::testing::PrintToString(c.args) << ": " << run.err;
  }
  EXPECT_EQ(skiff({"images", "-q"}).out, "");
  EXPECT_FALSE(path_exists(scratch() + "/nope.tar"));
  for (const char* dir : {"/layers", "/blobs/sha256"}) {
    EXPECT_TRUE(!path_exists(store() + dir) || std::filesystem::is_empty(store() + dir)) << dir;
  }
}

// Import and prune need containers: one made of an imported image, one that keeps its image.
using RootlessImagesAndContainers = RootlessContainers;

TEST_F(RootlessImagesAndContainers, ImportMakesAnImageThatRuns) {
  // A root filesystem of busybox alone, every file root's in the tarball: the user's on disk.
  std::string rootfs = scratch() + "/rootfs";
  mkdir_all(rootfs + "/bin");
  std::filesystem::copy_file(testing::busybox_path(), rootfs + "/bin/busybox");
  std::string tarball = scratch() + "/rootfs.tar.gz";
  auto tar =
      run_subprocess(SubprocessOptions{.args = {"tar", "-C", rootfs, "--owner=0", "--group=0", "-czf", tarball, "."}});
  ASSERT_TRUE(tar.ok()) << tar.err;

  std::string cmd = R"cmd(CMD ["sh", "-c", "echo $GREETING from $(pwd)"])cmd";
  auto import = skiff({"import", "-q", "-c", R"(ENTRYPOINT ["/bin/busybox"])", "-c", cmd, "-c", "ENV GREETING=hi", "-c",
                       "WORKDIR /bin", tarball, "tools/imported:1"});
  ASSERT_EQ(import.exit_code, 0) << import.err;
  std::string id(trim(import.out));
  EXPECT_EQ(skiff({"image", "inspect", "-f", "{{.Id}}", "tools/imported:1"}).out, id + "\n");
  auto layers = skiff({"image", "inspect", "-f", "{{.RootFS.Layers}}", id});
  EXPECT_EQ(std::count(layers.out.begin(), layers.out.end(), ':'), 1) << layers.out;

  auto run = skiff({"run", "--rm", "--network", "none", "tools/imported:1"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "hi from /bin\n");
  bool found = false;
  for (const auto& layer : std::filesystem::directory_iterator(store() + "/layers")) {
    if (path_exists(layer.path() / "diff/bin/busybox") && !path_exists(layer.path() / "diff/bin/sh")) {
      EXPECT_EQ(owner_of(layer.path() / "diff/bin/busybox"), own_ids());
      found = true;
    }
  }
  EXPECT_TRUE(found) << "no layer holds the imported /bin/busybox alone";
  ASSERT_EQ(skiff({"rmi", "tools/imported:1"}).exit_code, 0);
}

TEST_F(RootlessImagesAndContainers, RmiAndPruneRemoveOnlyWhatNoContainerUses) {
  auto created = skiff({"create", "--name", "kept", "--network", "none", image(), "true"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  std::string busybox_id(trim(skiff({"image", "inspect", "-f", "{{.Id}}", image()}).out));

  auto in_use = skiff({"rmi", image()});
  EXPECT_EQ(in_use.exit_code, 125);
  EXPECT_NE(in_use.err.find("is in use by container(s) " + std::string(trim(created.out))), std::string::npos)
      << in_use.err;

  // An image without a name (imported without one) is what system prune removes.
  std::string rootfs = scratch() + "/rootfs";
  mkdir_all(rootfs);
  write_file(rootfs + "/hello", "hello\n");
  std::string tarball = scratch() + "/rootfs.tar";
  ASSERT_TRUE(run_subprocess(SubprocessOptions{.args = {"tar", "-C", rootfs, "-cf", tarball, "."}}).ok());
  auto dangling = skiff({"import", "-q", tarball});
  ASSERT_EQ(dangling.exit_code, 0) << dangling.err;
  auto prune = skiff({"system", "prune", "-f"});
  ASSERT_EQ(prune.exit_code, 0) << prune.err;
  EXPECT_TRUE(std::regex_match(
      prune.out, std::regex(std::string(trim(dangling.out)) + "\nTotal reclaimed space: [0-9.]+ [kM]?B\n")))
      << prune.out;
  EXPECT_EQ(skiff({"images", "-q", "--no-trunc"}).out, "sha256:" + busybox_id + "\n");

  // --all: every image no container uses; busybox is kept while "kept" exists.
  auto all = skiff({"image", "prune", "-a", "-f"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_EQ(all.out.find(busybox_id), std::string::npos) << all.out;
  ASSERT_EQ(skiff({"rm", "kept"}).exit_code, 0);
  all = skiff({"image", "prune", "-a", "-f"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_NE(all.out.find(busybox_id + "\n"), std::string::npos) << all.out;
  EXPECT_EQ(skiff({"images", "-q"}).out, "");
  EXPECT_TRUE(std::filesystem::is_empty(store() + "/layers"));
  EXPECT_TRUE(std::filesystem::is_empty(store() + "/blobs/sha256"));
}

}  // namespace
}  // namespace skiff::rootless_testing

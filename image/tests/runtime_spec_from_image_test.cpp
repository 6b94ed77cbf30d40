#include "skiff/image/runtime_spec_from_image.h"

#include <fcntl.h>
#include <gtest/gtest.h>

#include <functional>

#include "scratch_dir.h"
#include "skiff/base/error.h"
#include "skiff/base/json.h"
#include "skiff/base/unique_fd.h"

namespace skiff::image {
namespace {

using Strings = std::vector<std::string>;

ImageConfig image_with(Strings entrypoint, Strings cmd) {
  ImageConfig image;
  image.entrypoint = std::move(entrypoint);
  image.cmd = std::move(cmd);
  return image;
}

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(ProcessArgs, EntrypointThenCmd) {
  auto image = image_with({"/entry.sh"}, {"serve", "--port=80"});
  EXPECT_EQ(process_args(image, {}), (Strings{"/entry.sh", "serve", "--port=80"}));
  EXPECT_EQ(process_args(image_with({}, {"sh"}), {}), (Strings{"sh"}));
  EXPECT_EQ(process_args(image_with({"/bin/app"}, {}), {}), (Strings{"/bin/app"}));
}

TEST(ProcessArgs, ArgsReplaceCmdAndKeepEntrypoint) {
  RunOverrides overrides;
  overrides.args = Strings{"version"};
  EXPECT_EQ(process_args(image_with({"/entry.sh"}, {"serve"}), overrides), (Strings{"/entry.sh", "version"}));
  EXPECT_EQ(process_args(image_with({}, {"serve"}), overrides), (Strings{"version"}));
}

TEST(ProcessArgs, OverridingEntrypointDropsTheImageCmd) {
  RunOverrides overrides;
  overrides.entrypoint = Strings{"/bin/sh", "-c"};
  EXPECT_EQ(process_args(image_with({"/entry.sh"}, {"serve"}), overrides), (Strings{"/bin/sh", "-c"}));
  overrides.args = Strings{"echo hi"};
  EXPECT_EQ(process_args(image_with({"/entry.sh"}, {"serve"}), overrides), (Strings{"/bin/sh", "-c", "echo hi"}));
}

TEST(ProcessArgs, NoCommandAtAllIsAnError) {
  EXPECT_NE(error_of([] { process_args(image_with({}, {}), {}); }).find("no command specified"), std::string::npos);
  // --entrypoint "" clears the entrypoint and, without args, the image's Cmd with it.
  RunOverrides cleared;
  cleared.entrypoint = Strings{};
  EXPECT_NE(error_of([&] { process_args(image_with({"/e"}, {"c"}), cleared); }).find("no command specified"),
            std::string::npos);
  RunOverrides empty_args;
  empty_args.args = Strings{};
  EXPECT_NE(error_of([&] { process_args(image_with({}, {"c"}), empty_args); }).find("no command specified"),
            std::string::npos);
}

TEST(ProcessEnv, DefaultPathWhenTheImageHasNone) {
  ImageConfig image;
  image.env = {"LANG=C.UTF-8"};
  EXPECT_EQ(process_env(image, {}), (Strings{std::string(kDefaultPathEnv), "LANG=C.UTF-8"}));
  image.env = {"PATH=/opt/bin", "LANG=C"};
  EXPECT_EQ(process_env(image, {}), (Strings{"PATH=/opt/bin", "LANG=C"}));
}

TEST(ProcessEnv, OverridesReplaceTheSameKeyAndAppendNewOnes) {
  ImageConfig image;
  image.env = {"PATH=/opt/bin", "MODE=prod", "EMPTY="};
  RunOverrides overrides;
  overrides.env = {"MODE=dev", "NEW=a=b", "PATH=/x", "EMPTY=now"};
  EXPECT_EQ(process_env(image, overrides), (Strings{"PATH=/x", "MODE=dev", "EMPTY=now", "NEW=a=b"}));
  overrides.env = {"JUSTNAME"};
  EXPECT_NE(error_of([&] { process_env(image, overrides); }).find("\"JUSTNAME\" must be KEY=VALUE"), std::string::npos);
  overrides.env = {"=x"};
  EXPECT_THROW(process_env(image, overrides), Error);
}

TEST(ProcessCwd, OverrideThenImageThenRoot) {
  ImageConfig image;
  EXPECT_EQ(process_cwd(image, {}), "/");
  image.working_dir = "/srv/app/";
  EXPECT_EQ(process_cwd(image, {}), "/srv/app");
  RunOverrides overrides;
  overrides.workdir = "/tmp";
  EXPECT_EQ(process_cwd(image, overrides), "/tmp");
  overrides.workdir = "tmp";
  EXPECT_NE(error_of([&] { process_cwd(image, overrides); }).find("absolute"), std::string::npos);
  image.working_dir = "relative";
  EXPECT_NE(error_of([&] { process_cwd(image, {}); }).find("WorkingDir"), std::string::npos);
}

class ApplyImageConfig : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.write("rootfs/etc/passwd", "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n");
    dir_.write("rootfs/etc/group", "root:x:0:\napp:x:1000:\naudio:x:29:app\nvideo:x:44:app\n");
    rootfs_.reset(::open((dir_.path() + "/rootfs").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    // The shape `skiff-runtime spec` writes.
    spec_ = json::parse(R"({
      "ociVersion": "1.0.2",
      "process": {"terminal": true, "user": {"uid": 0, "gid": 0, "umask": 18}, "args": ["sh"],
                  "env": ["PATH=/usr/bin", "TERM=xterm"], "cwd": "/", "noNewPrivileges": true},
      "root": {"path": "rootfs", "readonly": true},
      "hostname": "skiff"
    })",
                        "spec")
                .as_object();
    image_.entrypoint = {"/docker-entrypoint.sh"};
    image_.cmd = {"app", "serve"};
    image_.env = {"APP_MODE=prod"};
    image_.working_dir = "/home/app";
    image_.user = "app";
    image_.labels = {{"org.opencontainers.image.version", "2.1"}, {"maintainer", "x"}};
    image_.stop_signal = "SIGQUIT";
  }

  testing::ScratchDir dir_;
  UniqueFd rootfs_;
  boost::json::object spec_;
  ImageConfig image_;
};

TEST_F(ApplyImageConfig, SetsProcessAndAnnotationsAndKeepsTheRest) {
  apply_image_config(spec_, image_, {}, rootfs_.get());
  const auto& process = spec_.at("process").as_object();
  EXPECT_EQ(json::as_string_array(process.at("args"), "args"), (Strings{"/docker-entrypoint.sh", "app", "serve"}));
  EXPECT_EQ(json::as_string_array(process.at("env"), "env"), (Strings{std::string(kDefaultPathEnv), "APP_MODE=prod"}));
  EXPECT_EQ(process.at("cwd").as_string(), "/home/app");
  const auto& user = process.at("user").as_object();
  EXPECT_EQ(user.at("uid").to_number<int64_t>(), 1000);
  EXPECT_EQ(user.at("gid").to_number<int64_t>(), 1000);
  EXPECT_EQ(boost::json::serialize(user.at("additionalGids")), "[29,44]");
  EXPECT_EQ(user.at("umask").to_number<int64_t>(), 18);
  EXPECT_TRUE(process.at("terminal").as_bool());
  EXPECT_TRUE(process.at("noNewPrivileges").as_bool());
  EXPECT_EQ(spec_.at("root").at("path").as_string(), "rootfs");
  EXPECT_EQ(spec_.at("hostname").as_string(), "skiff");
  const auto& annotations = spec_.at("annotations").as_object();
  EXPECT_EQ(annotations.at("org.opencontainers.image.version").as_string(), "2.1");
  EXPECT_EQ(annotations.at("maintainer").as_string(), "x");
  EXPECT_EQ(annotations.at(kStopSignalAnnotation).as_string(), "SIGQUIT");
}

TEST_F(ApplyImageConfig, OverridesWin) {
  RunOverrides overrides;
  overrides.args = Strings{"migrate"};
  overrides.env = {"APP_MODE=dev"};
  overrides.user = "0:0";
  overrides.workdir = "/";
  spec_["process"].as_object()["user"].as_object()["additionalGids"] = boost::json::array{5};
  apply_image_config(spec_, image_, overrides, rootfs_.get());
  const auto& process = spec_.at("process").as_object();
  EXPECT_EQ(json::as_string_array(process.at("args"), "args"), (Strings{"/docker-entrypoint.sh", "migrate"}));
  EXPECT_EQ(json::as_string_array(process.at("env"), "env"), (Strings{std::string(kDefaultPathEnv), "APP_MODE=dev"}));
  EXPECT_EQ(process.at("cwd").as_string(), "/");
  EXPECT_EQ(process.at("user").at("uid").to_number<int64_t>(), 0);
  EXPECT_FALSE(process.at("user").as_object().contains("additionalGids"));
}

TEST_F(ApplyImageConfig, WorksOnAnEmptySpecAndWithoutLabels) {
  boost::json::object empty;
  ImageConfig image;
  image.cmd = {"true"};
  apply_image_config(empty, image, {}, rootfs_.get());
  EXPECT_EQ(json::as_string_array(empty.at("process").at("args"), "args"), (Strings{"true"}));
  EXPECT_EQ(empty.at("process").at("cwd").as_string(), "/");
  EXPECT_EQ(empty.at("process").at("user").at("uid").to_number<int64_t>(), 0);
  EXPECT_FALSE(empty.contains("annotations"));
}

TEST_F(ApplyImageConfig, ErrorsFromUserAndCommandReachTheCaller) {
  image_.user = "ghost";
  std::string err = error_of([&] { apply_image_config(spec_, image_, {}, rootfs_.get()); });
  EXPECT_NE(err.find("user \"ghost\""), std::string::npos) << err;
  image_.user = "";
  image_.entrypoint.clear();
  image_.cmd.clear();
  err = error_of([&] { apply_image_config(spec_, image_, {}, rootfs_.get()); });
  EXPECT_NE(err.find("no command specified"), std::string::npos) << err;
}

}  // namespace
}  // namespace skiff::image

#include "skiff/image/image_config.h"

#include <gtest/gtest.h>

#include "skiff/base/error.h"

namespace skiff::image {
namespace {

const std::string diff_a = "sha256:" + std::string(64, 'a');
const std::string diff_b = "sha256:" + std::string(64, 'b');

std::string error_of(std::string_view doc) {
  try {
    parse_image_config(doc, "config sha256:cc");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(ImageConfig, ParsesADockerStyleConfig) {
  std::string doc = R"({
    "architecture": "arm",
    "os": "linux",
    "variant": "v7",
    "created": "2024-01-01T00:00:00Z",
    "config": {
      "User": "nginx:nginx",
      "Env": ["PATH=/usr/bin:/bin", "A=b=c"],
      "Entrypoint": ["/docker-entrypoint.sh"],
      "Cmd": ["nginx", "-g", "daemon off;"],
      "WorkingDir": "/srv",
      "ExposedPorts": {"80/tcp": {}, "443/tcp": {}},
      "Volumes": {"/var/cache/nginx": {}},
      "StopSignal": "SIGQUIT",
      "Labels": {"maintainer": "someone", "org.opencontainers.image.version": "1.25"},
      "Healthcheck": {"Test": ["CMD", "true"]}
    },
    "container_config": {"Cmd": ["ignored"]},
    "rootfs": {"type": "layers", "diff_ids": [")" +
                    diff_a + R"(", ")" + diff_b + R"("]},
    "history": [{"created_by": "x"}]
  })";
  auto config = parse_image_config(doc, "config");
  EXPECT_EQ(config.architecture, "arm");
  EXPECT_EQ(config.os, "linux");
  EXPECT_EQ(config.variant, "v7");
  EXPECT_EQ(config.user, "nginx:nginx");
  EXPECT_EQ(config.env, (std::vector<std::string>{"PATH=/usr/bin:/bin", "A=b=c"}));
  EXPECT_EQ(config.entrypoint, (std::vector<std::string>{"/docker-entrypoint.sh"}));
  EXPECT_EQ(config.cmd, (std::vector<std::string>{"nginx", "-g", "daemon off;"}));
  EXPECT_EQ(config.working_dir, "/srv");
  EXPECT_EQ(config.exposed_ports, (std::vector<std::string>{"443/tcp", "80/tcp"}));
  EXPECT_EQ(config.volumes, (std::vector<std::string>{"/var/cache/nginx"}));
  EXPECT_EQ(config.stop_signal, "SIGQUIT");
  EXPECT_EQ(config.labels.size(), 2U);
  EXPECT_EQ(config.labels.at("maintainer"), "someone");
  ASSERT_EQ(config.diff_ids.size(), 2U);
  EXPECT_EQ(config.diff_ids[0].str(), diff_a);
  EXPECT_EQ(config.diff_ids[1].str(), diff_b);
}

TEST(ImageConfig, MinimalConfigWithNullsHasEmptyFields) {
  auto config = parse_image_config(R"({"architecture": "amd64", "os": "linux",
    "config": {"Entrypoint": null, "Cmd": null, "Labels": null, "Env": null},
    "rootfs": {"type": "layers", "diff_ids": []}})",
                                   "c");
  EXPECT_TRUE(config.entrypoint.empty());
  EXPECT_TRUE(config.cmd.empty());
  EXPECT_TRUE(config.env.empty());
  EXPECT_TRUE(config.labels.empty());
  EXPECT_TRUE(config.user.empty());
  EXPECT_TRUE(config.working_dir.empty());
  EXPECT_TRUE(config.diff_ids.empty());
  auto no_config = parse_image_config(
      R"({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}})", "c");
  EXPECT_TRUE(no_config.cmd.empty());
}

TEST(ImageConfig, RootfsMustBeLayersWithValidDiffIds) {
  std::string err = error_of(R"({"architecture": "amd64", "os": "linux", "rootfs": {"type": "tar", "diff_ids": []}})");
  EXPECT_NE(err.find("config sha256:cc: rootfs.type"), std::string::npos) << err;
  EXPECT_NE(err.find("\"tar\""), std::string::npos) << err;
  err = error_of(R"({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers",
                     "diff_ids": [")" +
                 diff_a + R"(", "sha256:zz"]}})");
  EXPECT_NE(err.find("rootfs.diff_ids[1]"), std::string::npos) << err;
  err = error_of(R"({"architecture": "amd64", "os": "linux"})");
  EXPECT_NE(err.find("rootfs: is missing"), std::string::npos) << err;
  err = error_of(R"({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers"}})");
  EXPECT_NE(err.find("rootfs.diff_ids: is missing"), std::string::npos) << err;
}

TEST(ImageConfig, FieldErrorsNameTheField) {
  std::string prefix = R"({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []},)";
  std::string err = error_of(prefix + R"("config": {"Cmd": "echo hi"}})");
  EXPECT_NE(err.find("config.Cmd: must be an array"), std::string::npos) << err;
  err = error_of(prefix + R"("config": {"Entrypoint": ["sh", 3]}})");
  EXPECT_NE(err.find("config.Entrypoint[1]: must be a string"), std::string::npos) << err;
  err = error_of(prefix + R"("config": {"Env": ["A=1", "NOEQUALS"]}})");
  EXPECT_NE(err.find("config.Env[1]: must be KEY=VALUE"), std::string::npos) << err;
  err = error_of(prefix + R"("config": {"Labels": {"a": 1}}})");
  EXPECT_NE(err.find("config.Labels.a"), std::string::npos) << err;
  err = error_of(prefix + R"("config": {"ExposedPorts": ["80/tcp"]}})");
  EXPECT_NE(err.find("config.ExposedPorts"), std::string::npos) << err;
  err = error_of(prefix + R"("config": 5})");
  EXPECT_NE(err.find("config sha256:cc: config: must be an object"), std::string::npos) << err;
  err = error_of(R"({"os": "linux", "rootfs": {"type": "layers", "diff_ids": []}})");
  EXPECT_NE(err.find("config sha256:cc: architecture: is missing"), std::string::npos) << err;
  err = error_of(R"({"os": 1, "architecture": "amd64"})");
  EXPECT_NE(err.find("config sha256:cc: os: must be a string"), std::string::npos) << err;
  EXPECT_NE(error_of("[1]").find("object"), std::string::npos);
  EXPECT_NE(error_of("{").find("config sha256:cc"), std::string::npos);
}

}  // namespace
}  // namespace skiff::image

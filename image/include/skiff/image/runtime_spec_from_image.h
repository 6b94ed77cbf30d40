#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "skiff/image/image_config.h"

namespace skiff::image {

// What a user overrides on the command line (docker run's --entrypoint, trailing args, -e,
// --user, --workdir).
struct RunOverrides {
  std::optional<std::vector<std::string>> entrypoint;
  std::optional<std::vector<std::string>> args;
  std::vector<std::string> env;  // "KEY=VALUE"
  std::optional<std::string> user;
  std::optional<std::string> workdir;
};

// The PATH a process gets when the image sets none (docker's and podman's default).
inline constexpr std::string_view kDefaultPathEnv = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
// The annotation that carries the image's StopSignal (the OCI image spec's name for it).
inline constexpr std::string_view kStopSignalAnnotation = "org.opencontainers.image.stopSignal";

// entrypoint + cmd with docker's rules: an overriding entrypoint drops the image's Cmd unless
// args are given too. Throws "no command specified" when both end up empty.
std::vector<std::string> process_args(const ImageConfig& image, const RunOverrides& overrides);
// The image's Env, with the default PATH when it has none, then the overrides (one replaces an
// entry with the same key).
std::vector<std::string> process_env(const ImageConfig& image, const RunOverrides& overrides);
// The override's or the image's working directory, "/" when neither sets one; must be absolute.
std::string process_cwd(const ImageConfig& image, const RunOverrides& overrides);

// Sets process.args, process.env, process.cwd, process.user (uid, gid, additionalGids resolved
// in the image's own /etc/passwd and /etc/group under rootfs_fd) and annotations (the image's
// Labels and its StopSignal) of spec, a config.json as `skiff-runtime spec` writes it. Other
// fields of spec are left as they are.
void apply_image_config(boost::json::object& spec, const ImageConfig& image, const RunOverrides& overrides,
                        int rootfs_fd);

}  // namespace skiff::image

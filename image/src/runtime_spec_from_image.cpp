#include "skiff/image/runtime_spec_from_image.h"

#include <algorithm>

#include "skiff/base/error.h"
#include "skiff/base/path.h"
#include "skiff/image/image_user.h"

namespace skiff::image {

namespace {

std::string_view env_key(std::string_view entry) {
  return entry.substr(0, entry.find('='));
}

void set_env(std::vector<std::string>& env, const std::string& entry) {
  for (auto& existing : env) {
    if (env_key(existing) == env_key(entry)) {
      existing = entry;
      return;
    }
  }
  env.push_back(entry);
}

boost::json::array to_json(const std::vector<std::string>& strings) {
  boost::json::array out;
  for (const auto& s : strings) {
    out.emplace_back(s);
  }
  return out;
}

boost::json::object& member_object(boost::json::object& parent, std::string_view key) {
  auto& value = parent[key];
  if (!value.is_object()) {
    value = boost::json::object();
  }
  return value.as_object();
}

}  // namespace

std::vector<std::string> process_args(const ImageConfig& image, const RunOverrides& overrides) {
  std::vector<std::string> args = overrides.entrypoint ? *overrides.entrypoint : image.entrypoint;
  if (overrides.args) {
    args.insert(args.end(), overrides.args->begin(), overrides.args->end());
  } else if (!overrides.entrypoint) {
    args.insert(args.end(), image.cmd.begin(), image.cmd.end());
  }
  if (args.empty()) {
    throw Error(
        "no command specified: the image has neither Entrypoint nor Cmd, and none was given (pass a command after the "
        "image name)");
  }
  return args;
}

std::vector<std::string> process_env(const ImageConfig& image, const RunOverrides& overrides) {
  std::vector<std::string> env = image.env;
  bool has_path = std::any_of(env.begin(), env.end(), [](const std::string& e) { return env_key(e) == "PATH"; });
  if (!has_path) {
    env.insert(env.begin(), std::string(kDefaultPathEnv));
  }
  for (const auto& entry : overrides.env) {
    size_t eq = entry.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw Error("environment variable \"" + entry + "\" must be KEY=VALUE");
    }
    set_env(env, entry);
  }
  return env;
}

std::string process_cwd(const ImageConfig& image, const RunOverrides& overrides) {
  if (overrides.workdir) {
    if (!overrides.workdir->starts_with('/')) {
      throw Error("working directory \"" + *overrides.workdir + "\" must be an absolute path");
    }
    return clean_path(*overrides.workdir);
  }
  if (image.working_dir.empty()) {
    return "/";
  }
  if (!image.working_dir.starts_with('/')) {
    throw Error("the image's WorkingDir \"" + image.working_dir + "\" must be an absolute path");
  }
  return clean_path(image.working_dir);
}

void apply_image_config(boost::json::object& spec, const ImageConfig& image, const RunOverrides& overrides,
                        int rootfs_fd) {
  auto& process = member_object(spec, "process");
  process["args"] = to_json(process_args(image, overrides));
  process["env"] = to_json(process_env(image, overrides));
  process["cwd"] = process_cwd(image, overrides);

  ImageUser ids = resolve_image_user(rootfs_fd, overrides.user ? *overrides.user : image.user);
  auto& user = member_object(process, "user");
  user["uid"] = ids.uid;
  user["gid"] = ids.gid;
  if (ids.additional_gids.empty()) {
    user.erase("additionalGids");
  } else {
    boost::json::array gids;
    for (gid_t gid : ids.additional_gids) {
      gids.emplace_back(gid);
    }
    user["additionalGids"] = std::move(gids);
  }

  if (!image.labels.empty() || !image.stop_signal.empty()) {
    auto& annotations = member_object(spec, "annotations");
    for (const auto& [key, value] : image.labels) {
      annotations[key] = value;
    }
    if (!image.stop_signal.empty()) {
      annotations[kStopSignalAnnotation] = image.stop_signal;
    }
  }
}

}  // namespace skiff::image

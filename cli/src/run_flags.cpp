#include "run_flags.h"

#include <boost/json.hpp>
#include <cstdlib>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/strings.h"
#include "skiff/image/store.h"

namespace skiff::cli {

namespace {

// podman's (and runc's) smallest memory limit: 6 MiB.
constexpr int64_t kMinimumMemory = int64_t{6} << 20;

uint16_t parse_port(std::string_view text, const std::string& whole) {
  uint64_t port = 0;
  try {
    port = parse_uint(text, "port");
  } catch (const Error&) {
    throw Error("--publish: invalid port \"" + std::string(text) + "\" in \"" + whole + "\"");
  }
  if (port == 0 || port > 65535) {
    throw Error("--publish: port " + std::string(text) + " in \"" + whole + "\" is not in 1-65535");
  }
  return static_cast<uint16_t>(port);
}

// KEY=VALUE for --label.
std::pair<std::string, std::string> parse_label(const std::string& text) {
  auto eq = text.find('=');
  if (eq == 0 || text.empty()) {
    throw Error("--label: want KEY=VALUE (got \"" + text + "\")");
  }
  if (eq == std::string::npos) {
    return {text, ""};
  }
  return {text.substr(0, eq), text.substr(eq + 1)};
}

void apply_security_opt(const std::string& text, pod::ContainerRunSpec& spec) {
  if (text == "no-new-privileges" || text == "no-new-privileges=true" || text == "no-new-privileges:true") {
    spec.no_new_privileges = true;
    return;
  }
  if (text == "no-new-privileges=false" || text == "no-new-privileges:false") {
    spec.no_new_privileges = false;
    return;
  }
  for (std::string_view prefix : {"seccomp=", "seccomp:"}) {
    if (text.starts_with(prefix)) {
      std::string profile = text.substr(prefix.size());
      if (profile != "unconfined" && !path_exists(profile)) {
        throw Error("--security-opt: seccomp profile " + profile + " does not exist");
      }
      spec.seccomp_profile = profile;
      return;
    }
  }
  throw Error("--security-opt: unknown option \"" + text +
              "\" (want seccomp=<file>, seccomp=unconfined or no-new-privileges)");
}

}  // namespace

void add_run_flags(CLI::App& cmd, RunFlags& flags) {
  cmd.prefix_command();
  cmd.add_option("--name", flags.name, "the container's name (default: a generated one)");
  cmd.add_option("-e,--env", flags.env, "KEY=VALUE to set in the container, or KEY to pass the caller's value")
      ->allow_extra_args(false);
  cmd.add_option("--env-file", flags.env_files, "a file of KEY=VALUE lines to set in the container")
      ->allow_extra_args(false);
  cmd.add_option("-v,--volume", flags.volumes,
                 "[SOURCE:]DEST[:ro]: a host path (absolute) or a named volume mounted at DEST; DEST alone: an "
                 "anonymous volume")
      ->allow_extra_args(false);
  cmd.add_option("-p,--publish", flags.publish,
                 "[[IP:][HOSTPORT]:]CONTAINERPORT[/PROTOCOL]: publish a port (bridge, slirp4netns)")
      ->allow_extra_args(false);
  cmd.add_option("-w,--workdir", flags.workdir, "the working directory of the command");
  cmd.add_option("-u,--user", flags.user, "USER[:GROUP], names or numbers, to run the command as");
  cmd.add_option("--entrypoint", flags.entrypoint, "the image's entrypoint overridden: a word or a JSON array");
  cmd.add_option("--hostname", flags.hostname, "the container's host name (default: its short id)");
  cmd.add_option("-m,--memory", flags.memory, "memory limit: a number with an optional b, k, m or g");
  cmd.add_option("--cpus", flags.cpus, "CPUs the container may use, as a fraction (1.5)");
  cmd.add_option("--pids-limit", flags.pids_limit, "most processes the container may have");
  cmd.add_option("--cap-add", flags.cap_add, "add a capability (NET_ADMIN, or ALL)")->allow_extra_args(false);
  cmd.add_option("--cap-drop", flags.cap_drop, "drop a capability (CHOWN, or ALL)")->allow_extra_args(false);
  cmd.add_flag("--read-only", flags.read_only, "mount the root filesystem read-only");
  cmd.add_flag("--init", flags.init, "run an init as PID 1 that forwards signals and reaps zombies");
  cmd.add_option("--security-opt", flags.security_opts,
                 "seccomp=<profile.json>, seccomp=unconfined or no-new-privileges")
      ->allow_extra_args(false);
  cmd.add_option("--network,--net", flags.network,
                 "bridge (root's default), slirp4netns (rootless default), none, host or container:<name|id>");
  cmd.add_option("--pod", flags.pod, "run in this pod (skiff pod create): its network, IPC and host name");
  cmd.add_option("--restart", flags.restart, "when the container restarts: no, on-failure[:N], always");
  cmd.add_option("-l,--label", flags.labels, "KEY=VALUE metadata for the container")->allow_extra_args(false);
  cmd.add_flag("-i,--interactive", flags.interactive, "keep standard input open");
  cmd.add_flag("-t,--tty", flags.tty, "give the container a terminal");
  cmd.add_flag("--tls-verify", flags.tls_verify,
               "pulling the image: require HTTPS with a verified certificate (--tls-verify=false: plain HTTP)");
  cmd.add_option("image", flags.image, "the image, then the command and its arguments")->required();
}

pod::ContainerMount parse_volume(const std::string& text) {
  if (text.starts_with("/") && text.find(':') == std::string::npos) {
    return pod::ContainerMount{.source = "", .destination = text, .readonly = false};  // anonymous
  }
  auto fields = split(text, ':');
  if (fields.size() < 2 || fields.size() > 3 || fields[0].empty() || fields[1].empty()) {
    throw Error("--volume: want SOURCE:DEST[:OPTIONS] (got \"" + text + "\")");
  }
  pod::ContainerMount mount{.source = fields[0], .destination = fields[1], .readonly = false};
  if (mount.destination.front() != '/') {
    throw Error("--volume: the destination \"" + mount.destination + "\" of \"" + text + "\" is not an absolute path");
  }
  if (fields.size() == 3) {
    for (const auto& option : split(fields[2], ',')) {
      if (option == "ro") {
        mount.readonly = true;
      } else if (option == "rw") {
        mount.readonly = false;
      } else if (option != "z" && option != "Z") {  // SELinux relabelling: nothing to do here
        throw Error("--volume: unknown option \"" + option + "\" in \"" + text + "\" (want ro or rw)");
      }
    }
  }
  if (!mount.is_volume() && !path_exists(mount.source)) {
    throw Error("--volume: the host path " + mount.source + " does not exist");
  }
  return mount;
}

netns::PortMapping parse_publish(const std::string& text) {
  netns::PortMapping mapping;
  std::string spec = text;
  if (auto slash = spec.rfind('/'); slash != std::string::npos) {
    mapping.protocol = spec.substr(slash + 1);
    spec.resize(slash);
    if (mapping.protocol != "tcp" && mapping.protocol != "udp") {
      throw Error("--publish: unknown protocol \"" + mapping.protocol + "\" in \"" + text + "\" (want tcp or udp)");
    }
  }
  auto fields = split(spec, ':');
  if (fields.size() == 3) {
    mapping.host_ip = fields[0];
    fields.erase(fields.begin());
  }
  if (fields.size() == 1) {
    fields.insert(fields.begin(), "");  // CONTAINERPORT alone: any free host port
  }
  if (fields.size() != 2) {
    throw Error("--publish: want [[IP:][HOSTPORT]:]CONTAINERPORT[/PROTOCOL] (got \"" + text + "\")");
  }
  // An empty host port: one the kernel picks when the container is created.
  mapping.host_port = fields[0].empty() ? 0 : parse_port(fields[0], text);
  mapping.container_port = parse_port(fields[1], text);
  return mapping;
}

std::optional<std::string> resolve_env(const std::string& text) {
  if (text.empty() || text.front() == '=') {
    throw Error("--env: want KEY=VALUE or KEY (got \"" + text + "\")");
  }
  if (text.find('=') != std::string::npos) {
    return text;
  }
  const char* value = std::getenv(text.c_str());
  if (value == nullptr) {
    return std::nullopt;
  }
  return text + "=" + value;
}

std::vector<std::string> parse_env_file(const std::string& text) {
  std::vector<std::string> env;
  for (const auto& raw : split(text, '\n')) {
    std::string line(trim(raw));
    if (line.empty() || line.front() == '#') {
      continue;
    }
    if (auto value = resolve_env(line)) {
      env.push_back(*value);
    }
  }
  return env;
}

std::vector<std::string> parse_entrypoint(const std::string& text) {
  if (text.empty()) {
    return {};
  }
  if (text.front() == '[') {
    boost::system::error_code ec;
    auto value = boost::json::parse(text, ec);
    if (!ec && value.is_array()) {
      std::vector<std::string> words;
      for (const auto& word : value.as_array()) {
        if (!word.is_string()) {
          throw Error("--entrypoint: the JSON array \"" + text + "\" holds something other than strings");
        }
        words.emplace_back(word.as_string());
      }
      return words;
    }
  }
  return {text};
}

pod::ContainerRunSpec run_spec(const RunFlags& flags) {
  pod::ContainerRunSpec spec;
  spec.name = flags.name;
  spec.image = flags.image;
  if (!flags.command.empty()) {
    spec.command = flags.command;
  }
  if (flags.entrypoint) {
    spec.entrypoint = parse_entrypoint(*flags.entrypoint);
  }
  for (const auto& file : flags.env_files) {
    if (!path_exists(file)) {
      throw Error("--env-file: " + file + " does not exist");
    }
    auto env = parse_env_file(read_file(file));
    spec.env.insert(spec.env.end(), env.begin(), env.end());
  }
  for (const auto& e : flags.env) {
    if (auto value = resolve_env(e)) {
      spec.env.push_back(*value);
    }
  }
  if (!flags.user.empty()) {
    spec.user = flags.user;
  }
  if (!flags.workdir.empty()) {
    if (flags.workdir.front() != '/') {
      throw Error("--workdir: \"" + flags.workdir + "\" is not an absolute path");
    }
    spec.workdir = flags.workdir;
  }
  for (const auto& volume : flags.volumes) {
    spec.mounts.push_back(parse_volume(volume));
  }
  std::string network = flags.network;
  if (network.empty()) {
    // podman's defaults: the bridge as root, slirp4netns rootless (no bridge to join there); in a
    // pod, the pod's (bridge stands for it).
    network = image::Store::running_rootless() && flags.pod.empty() ? "slirp4netns" : "bridge";
  }
  try {
    spec.network = pod::parse_container_network(network);
  } catch (const Error& e) {
    throw Error(std::string("--network: ") + e.what());
  }
  for (const auto& publish : flags.publish) {
    spec.ports.push_back(parse_publish(publish));
  }
  if (!spec.ports.empty() && spec.network.mode != pod::ContainerNetwork::Mode::bridge &&
      spec.network.mode != pod::ContainerNetwork::Mode::slirp4netns) {
    throw Error("--publish: publishing ports needs --network bridge or slirp4netns (not " + network + ")");
  }
  spec.hostname = flags.hostname;
  if (!flags.pod.empty()) {
    // The pod's namespaces are joined: what they hold was set when the pod was created.
    for (const auto& [flag, set] : {std::pair<const char*, bool>{"--network", !flags.network.empty()},
                                    {"--publish", !flags.publish.empty()},
                                    {"--hostname", !flags.hostname.empty()}}) {
      if (set) {
        throw Error(std::string(flag) + ": a container in a pod has the pod's network and host name: set " + flag +
                    " on skiff pod create instead");
      }
    }
    spec.pod = flags.pod;
  }
  if (!flags.memory.empty()) {
    spec.memory = parse_byte_size(flags.memory, "--memory");
    if (*spec.memory < kMinimumMemory) {
      throw Error("--memory: " + flags.memory + " is below the minimum of 6m");
    }
  }
  if (flags.cpus) {
    if (*flags.cpus <= 0) {
      throw Error("--cpus: " + std::to_string(*flags.cpus) + " is not a positive number");
    }
    spec.cpus = flags.cpus;
  }
  if (flags.pids_limit) {
    spec.pids_limit = flags.pids_limit;
  }
  spec.cap_add = flags.cap_add;
  spec.cap_drop = flags.cap_drop;
  spec.read_only = flags.read_only;
  spec.init = flags.init;
  for (const auto& opt : flags.security_opts) {
    apply_security_opt(opt, spec);
  }
  try {
    spec.restart = pod::parse_restart_policy(flags.restart);
  } catch (const Error& e) {
    throw Error(std::string("--restart: ") + e.what());
  }
  for (const auto& label : flags.labels) {
    spec.labels.insert(parse_label(label));
  }
  spec.interactive = flags.interactive;
  spec.tty = flags.tty;
  return spec;
}

}  // namespace skiff::cli

#pragma once

// The flags `skiff run` and `skiff create` share, as podman spells them, and how their values
// become a ContainerRunSpec.

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

#include "skiff/pod/container_manager.h"

namespace skiff::cli {

struct RunFlags {
  std::string name;
  std::vector<std::string> env;
  std::vector<std::string> env_files;
  std::vector<std::string> volumes;
  std::vector<std::string> publish;
  std::string workdir;
  std::string user;
  std::optional<std::string> entrypoint;
  std::string hostname;
  std::string memory;
  std::optional<double> cpus;
  std::optional<int64_t> pids_limit;
  std::vector<std::string> cap_add;
  std::vector<std::string> cap_drop;
  bool read_only = false;
  bool init = false;
  std::vector<std::string> security_opts;
  std::string network;  // empty: bridge, or the pod's
  std::string pod;
  std::string restart = "no";
  std::vector<std::string> labels;
  bool interactive = false;
  bool tty = false;
  bool tls_verify = true;
  std::string image;
  // What follows the image: the container's command and its arguments.
  std::vector<std::string> command;
};

// Adds the shared flags to a run or create command, and the image as its positional (what
// follows the image is the Context's command_words).
void add_run_flags(CLI::App& cmd, RunFlags& flags);
// The spec the flags ask for; a bad value throws naming its flag.
pod::ContainerRunSpec run_spec(const RunFlags& flags);

// Each value parser, on its own for the unit tests.
pod::ContainerMount parse_volume(const std::string& text);
netns::PortMapping parse_publish(const std::string& text);
// --env-file: KEY=VALUE lines; # comments and blank lines skipped; a bare KEY takes the
// caller's value, and is left out when the caller has none (as podman does).
std::vector<std::string> parse_env_file(const std::string& text);
// -e KEY=VALUE, or KEY alone for the caller's value.
std::optional<std::string> resolve_env(const std::string& text);
// --entrypoint: a JSON array, or one word (empty: none).
std::vector<std::string> parse_entrypoint(const std::string& text);

}  // namespace skiff::cli

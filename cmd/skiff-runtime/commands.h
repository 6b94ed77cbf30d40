#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>

#include "skiff/runtime/container.h"

namespace skiff::cli {

// The global flags, shared by every command.
struct GlobalOptions {
  std::string root;
  std::string log_file;
  std::string log_format = "text";
  bool debug = false;
  bool systemd_cgroup = false;
  std::string rootless = "auto";
};

// A command's action runs after parsing; it returns the process exit code.
using Action = std::function<int(runtime::Runtime&)>;

// Each adds its subcommands to app; the chosen one stores its action in action.
void add_lifecycle_commands(CLI::App& app, const GlobalOptions& global, Action& action);
void add_info_commands(CLI::App& app, Action& action);
void add_exec_command(CLI::App& app, Action& action);
void add_update_command(CLI::App& app, Action& action);
void add_events_command(CLI::App& app, Action& action);

}  // namespace skiff::cli

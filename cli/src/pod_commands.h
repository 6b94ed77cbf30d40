#pragma once

#include <CLI/CLI.hpp>

#include "command_context.h"

namespace skiff::cli {

// `skiff pod create|start|stop|rm|ps|inspect|logs`: pods (pod/pod_manager.h) and the containers
// that joined them with `run --pod`.
void add_pod_command(CLI::App& parent, Context& ctx);

}  // namespace skiff::cli

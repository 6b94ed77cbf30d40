#pragma once

#include <CLI/CLI.hpp>

#include "command_context.h"

namespace skiff::cli {

// `skiff volume create|ls|inspect|rm|prune`: named volumes (pod/volumes.h).
void add_volume_command(CLI::App& parent, Context& ctx);

}  // namespace skiff::cli

#pragma once

namespace skiff::cli {

// The `skiff` command line: parses argv, runs the command and returns the exit code, as podman
// does: 0, 125 for skiff's own errors (usage errors included), or the command's own code.
int run(int argc, char** argv);

// The exit code of skiff's own errors.
inline constexpr int kErrorExitCode = 125;

}  // namespace skiff::cli

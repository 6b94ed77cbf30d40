#pragma once

// Where the container's command starts in `skiff run IMAGE COMMAND...` and `skiff exec
// CONTAINER COMMAND...`: CLI11 would read the command's own flags (`run busybox ls -l`) as
// skiff's, so the words after the image or container (the first positional of a prefix command)
// are cut off before CLI11 parses.

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

namespace skiff::cli {

struct SplitWords {
  std::vector<std::string> skiff;    // for CLI11
  std::vector<std::string> command;  // the container's command and its arguments
};

// args without argv[0].
SplitWords split_command_words(const CLI::App& app, std::vector<std::string> args);

// The first of args (without argv[0]) that is neither one of app's own flags nor a flag's value:
// the command the words name; none when "--", app's --help or the end comes first.
std::optional<std::string> first_command_word(const CLI::App& app, const std::vector<std::string>& args);

}  // namespace skiff::cli

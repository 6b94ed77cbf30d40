#include "command_start.h"

namespace skiff::cli {

namespace {

// Whether the option named (with its dashes) takes a value from the next word.
bool takes_next_word(const CLI::App& command, const std::string& name) {
  const CLI::Option* option = command.get_option_no_throw(name);
  return option != nullptr && option->get_expected_min() > 0;
}

// How many words the flag word at args[i] uses (1 or 2) within command.
size_t flag_words(const CLI::App& command, const std::vector<std::string>& args, size_t i) {
  const std::string& word = args[i];
  if (word.starts_with("--")) {
    if (word.find('=') != std::string::npos) {
      return 1;
    }
    return takes_next_word(command, word) ? 2 : 1;
  }
  // A cluster of short flags ("-it"); the first that takes a value takes the rest of the word,
  // or the next word when it ends the cluster.
  for (size_t c = 1; c < word.size(); ++c) {
    if (takes_next_word(command, std::string{'-', word[c]})) {
      return c + 1 == word.size() ? 2 : 1;
    }
  }
  return 1;
}

const CLI::App* find_subcommand(const CLI::App& command, const std::string& name) {
  for (const CLI::App* sub : command.get_subcommands({})) {
    if (sub->check_name(name)) {
      return sub;
    }
  }
  return nullptr;
}

}  // namespace

SplitWords split_command_words(const CLI::App& app, std::vector<std::string> args) {
  const CLI::App* command = &app;
  bool positional_only = false;  // after "--"
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& word = args[i];
    if (!positional_only && word == "--") {
      // Only positionals follow; CLI11 would stop at the image with its "--" left over.
      positional_only = true;
      args.erase(args.begin() + static_cast<std::ptrdiff_t>(i--));
      continue;
    }
    if (!positional_only && word.size() > 1 && word.front() == '-') {
      i += flag_words(*command, args, i) - 1;
      continue;
    }
    if (const CLI::App* sub = find_subcommand(*command, word); sub != nullptr && !positional_only) {
      command = sub;
      continue;
    }
    if (!command->get_prefix_command()) {
      break;
    }
    auto rest = args.begin() + static_cast<std::ptrdiff_t>(i) + 1;
    SplitWords split{.skiff = {args.begin(), rest}, .command = {rest, args.end()}};
    return split;
  }
  return SplitWords{.skiff = std::move(args), .command = {}};
}

std::optional<std::string> first_command_word(const CLI::App& app, const std::vector<std::string>& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    const CLI::Option* help = app.get_help_ptr();
    if (args[i] == "--" || (help != nullptr && help->check_name(args[i]))) {
      return std::nullopt;
    }
    if (args[i].size() > 1 && args[i].front() == '-') {
      i += flag_words(app, args, i) - 1;
      continue;
    }
    return args[i];
  }
  return std::nullopt;
}

}  // namespace skiff::cli

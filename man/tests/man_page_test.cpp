// Runs `skiff` and `skiff-runtime` with --help for every command they list and checks each
// against its man page source: the page exists, its option headings ("#### **--flag**") name
// exactly the flags --help names, its COMMANDS table ("| **name** |") exactly the subcommands;
// and every page in man/ is some command's.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "skiff/base/file.h"
#include "skiff/base/strings.h"
#include "skiff/base/subprocess.h"

namespace skiff {
namespace {

std::string env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) {
    throw std::runtime_error(std::string(name) + " is not set (ctest sets it)");
  }
  return value;
}

struct Help {
  std::set<std::string> flags;        // long flags, --help excepted
  std::vector<std::string> commands;  // subcommand names (an alias after a comma is left out)
};

// CLI11's help: "Options:" lines "  -q,--quiet  text", "Subcommands:" lines "  name, alias  text".
Help parse_help(const std::string& text) {
  Help help;
  std::string section;
  std::istringstream in(text);
  std::string line;
  static const std::regex long_flag("--[a-z0-9][a-z0-9-]*");
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == ':' && line.front() != ' ') {
      section = line;
      continue;
    }
    if (!line.starts_with("  ") || line.starts_with("   ")) {
      continue;  // not an entry, or a description continued on its own line
    }
    std::string spec = line.substr(2, line.find("  ", 2) - 2);
    if (section == "Options:") {
      for (std::sregex_iterator it(spec.begin(), spec.end(), long_flag), end; it != end; ++it) {
        if (it->str() != "--help") {
          help.flags.insert(it->str());
        }
      }
    } else if (section == "Subcommands:") {
      help.commands.push_back(spec.substr(0, spec.find(',')));
    }
  }
  return help;
}

struct Page {
  std::set<std::string> flags;
  std::set<std::string> commands;
};

Page parse_page(const std::string& text) {
  Page page;
  static const std::regex long_flag("--[a-z0-9][a-z0-9-]*");
  static const std::regex command_row(R"(^\| \*\*([a-z0-9-]+)\*\* \|)");
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("#### ")) {
      for (std::sregex_iterator it(line.begin(), line.end(), long_flag), end; it != end; ++it) {
        if (it->str() != "--help") {
          page.flags.insert(it->str());
        }
      }
    }
    std::smatch match;
    if (std::regex_search(line, match, command_row)) {
      page.commands.insert(match[1]);
    }
  }
  return page;
}

class ManPages : public ::testing::Test {
 protected:
  void SetUp() override {
    man_dir_ = env("SKIFF_MAN_DIR");
    for (const auto& line : split(read_file(man_dir_ + "/aliases.txt"), '\n')) {
      auto fields = split(trim(line), ' ');
      if (fields.size() == 2 && !fields[0].starts_with("#")) {
        aliases_[fields[0]] = fields[1];
      }
    }
  }

  // Checks binary's command at path and, recursively, its subcommands; records the pages seen.
  void check(const std::string& binary, const std::string& name, std::vector<std::string> path) {
    std::vector<std::string> args = {binary};
    args.insert(args.end(), path.begin(), path.end());
    args.emplace_back("--help");
    auto result = run_subprocess(SubprocessOptions{.args = args});
    ASSERT_TRUE(result.ok()) << name << " " << join(path) << " --help: " << result.describe() << result.err;
    Help help = parse_help(result.out);

    std::string page_name = name + (path.empty() ? "" : "-" + join(path, '-'));
    seen_.insert(page_name);
    std::string source = page_name;
    if (auto alias = aliases_.find(page_name); alias != aliases_.end()) {
      source = alias->second;
    }
    std::string file = man_dir_ + "/" + source + ".1.md";
    ASSERT_TRUE(path_exists(file)) << name << " " << join(path) << " has no man page: write man/" << page_name
                                   << ".1.md, or list it in man/aliases.txt";
    Page page = parse_page(read_file(file));
    EXPECT_EQ(page.flags, help.flags) << "the flags of " << file << " differ from " << name << " " << join(path)
                                      << " --help";
    std::set<std::string> commands(help.commands.begin(), help.commands.end());
    EXPECT_EQ(page.commands, commands) << "the COMMANDS table of " << file << " differs from " << name << " "
                                       << join(path) << " --help";
    for (const auto& command : help.commands) {
      auto sub = path;
      sub.push_back(command);
      check(binary, name, sub);
    }
  }

  static std::string join(const std::vector<std::string>& parts, char sep = ' ') {
    std::string out;
    for (const auto& part : parts) {
      out += (out.empty() ? "" : std::string(1, sep)) + part;
    }
    return out;
  }

  std::string man_dir_;
  std::map<std::string, std::string> aliases_;
  std::set<std::string> seen_;
};

TEST_F(ManPages, AgreeWithHelpBothWays) {
  check(env("SKIFF_CLI"), "skiff", {});
  check(env("SKIFF_RUNTIME"), "skiff-runtime", {});
  for (const auto& entry : std::filesystem::directory_iterator(man_dir_)) {
    std::string file = entry.path().filename();
    if (file.ends_with(".1.md")) {
      std::string page = file.substr(0, file.size() - 5);
      EXPECT_TRUE(seen_.contains(page)) << "man/" << file << " documents no command that --help lists";
    }
  }
  for (const auto& [page, target] : aliases_) {
    EXPECT_TRUE(seen_.contains(page)) << "man/aliases.txt: " << page << " is no command that --help lists";
  }
}

}  // namespace
}  // namespace skiff

#include "../src/command_start.h"

#include <gtest/gtest.h>

namespace skiff::cli {
namespace {

using Words = std::vector<std::string>;

class CommandStart : public ::testing::Test {
 protected:
  void SetUp() override {
    app_.add_option("--root", root_);
    auto* run = app_.add_subcommand("run");
    run->prefix_command();
    run->add_flag("-i", flag_);
    run->add_flag("-t", flag_);
    run->add_option("-e", values_);
    run->add_option("--name", value_);
    run->add_option("image", value_);
    app_.add_subcommand("ps")->add_flag("-a", flag_);
  }
  CLI::App app_;
  std::string root_, value_;
  std::vector<std::string> values_;
  bool flag_ = false;
};

TEST_F(CommandStart, TheWordsAfterTheImageAreTheCommands) {
  auto split =
      split_command_words(app_, {"--root", "/r", "run", "-it", "-e", "A=1", "--name=x", "img", "ls", "-l", "-e"});
  EXPECT_EQ(split.skiff, (Words{"--root", "/r", "run", "-it", "-e", "A=1", "--name=x", "img"}));
  EXPECT_EQ(split.command, (Words{"ls", "-l", "-e"}));
}

TEST_F(CommandStart, ADoubleDashBeforeTheImageIsDropped) {
  auto split = split_command_words(app_, {"run", "--name", "x", "--", "img", "--", "true"});
  EXPECT_EQ(split.skiff, (Words{"run", "--name", "x", "img"}));
  EXPECT_EQ(split.command, (Words{"--", "true"}));
}

TEST_F(CommandStart, OtherCommandsAreLeftAlone) {
  auto split = split_command_words(app_, {"ps", "-a", "extra"});
  EXPECT_EQ(split.skiff, (Words{"ps", "-a", "extra"}));
  EXPECT_EQ(split.command, Words{});
}

TEST_F(CommandStart, TheFirstCommandWordSkipsGlobalFlagsAndTheirValues) {
  EXPECT_EQ(first_command_word(app_, {"--root", "/r", "run", "img"}), "run");
  EXPECT_EQ(first_command_word(app_, {"--root=/r", "ps"}), "ps");
  EXPECT_EQ(first_command_word(app_, {"runn", "img"}), "runn");
}

TEST_F(CommandStart, NoCommandWordAtTheEndAfterDoubleDashOrForHelp) {
  EXPECT_EQ(first_command_word(app_, {"--root", "/r"}), std::nullopt);
  EXPECT_EQ(first_command_word(app_, {"--", "run"}), std::nullopt);
  EXPECT_EQ(first_command_word(app_, {"--help", "run"}), std::nullopt);
  EXPECT_EQ(first_command_word(app_, {"-h"}), std::nullopt);
}

}  // namespace
}  // namespace skiff::cli

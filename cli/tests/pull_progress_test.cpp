#include "skiff/cli/pull_progress.h"

#include <gtest/gtest.h>

#include <sstream>

namespace skiff::cli {
namespace {

const image::Digest layer_digest = image::Digest::of("layer");

image::LayerProgress progress(size_t index, image::LayerState state, uint64_t done, uint64_t total) {
  return image::LayerProgress{.index = index, .digest = layer_digest, .done = done, .total = total, .state = state};
}

TEST(PullProgress, PlainModePrintsOneLinePerFinishedLayer) {
  std::ostringstream out;
  PullProgress printer(out, false);
  printer.update(progress(0, image::LayerState::waiting, 0, 100));
  printer.update(progress(0, image::LayerState::downloading, 50, 100));
  printer.update(progress(1, image::LayerState::present, 0, 10));
  printer.update(progress(0, image::LayerState::done, 100, 100));
  printer.finish();
  EXPECT_EQ(out.str(), "Copying blob " + layer_digest.str() + " skipped: already exists\nCopying blob " +
                           layer_digest.str() + " done\n");
}

TEST(PullProgress, TerminalLinesShowBarAndBytes) {
  std::string short_hex(layer_digest.hex().substr(0, 12));
  EXPECT_EQ(PullProgress::terminal_line(progress(0, image::LayerState::downloading, 1024, 2048)),
            "Copying blob " + short_hex + " [===============>              ] 1 KiB / 2 KiB");
  EXPECT_EQ(PullProgress::terminal_line(progress(0, image::LayerState::waiting, 0, 2048)),
            "Copying blob " + short_hex + " waiting");
  EXPECT_EQ(PullProgress::terminal_line(progress(0, image::LayerState::done, 2048, 2048)),
            "Copying blob " + short_hex + " done 2 KiB");
}

TEST(PullProgress, TerminalModeRedrawsEveryLineInPlace) {
  std::ostringstream out;
  PullProgress printer(out, true);
  printer.update(progress(0, image::LayerState::waiting, 0, 10));
  printer.update(progress(1, image::LayerState::waiting, 0, 10));
  printer.finish();
  std::string text = out.str();
  // The second draw moves up over the one line of the first, and the last over both.
  EXPECT_NE(text.find("\x1b[1A"), std::string::npos);
  EXPECT_NE(text.find("\x1b[2A"), std::string::npos);
  EXPECT_EQ(text.substr(text.rfind("\x1b[2A")),
            "\x1b[2A\r\x1b[2KCopying blob " + std::string(layer_digest.hex().substr(0, 12)) +
                " waiting\n\r\x1b[2KCopying blob " + std::string(layer_digest.hex().substr(0, 12)) + " waiting\n");
}

}  // namespace
}  // namespace skiff::cli

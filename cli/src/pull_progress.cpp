#include "skiff/cli/pull_progress.h"

#include "skiff/cli/format.h"

namespace skiff::cli {

namespace {

constexpr size_t kBarWidth = 30;
// A terminal redraw at most this often while bytes flow; state changes redraw at once.
constexpr auto kRedrawInterval = std::chrono::milliseconds(100);

std::string short_digest(const image::LayerProgress& progress) {
  return std::string(progress.digest.hex().substr(0, 12));
}

}  // namespace

std::string PullProgress::terminal_line(const image::LayerProgress& progress) {
  std::string line = "Copying blob " + short_digest(progress) + " ";
  switch (progress.state) {
    case image::LayerState::waiting:
      return line + "waiting";
    case image::LayerState::present:
      return line + "skipped: already exists";
    case image::LayerState::failed:
      return line + "failed";
    case image::LayerState::done:
      return line + "done " + human_binary_size(progress.total);
    case image::LayerState::downloading:
      break;
  }
  size_t filled = progress.total == 0
                      ? 0
                      : static_cast<size_t>(kBarWidth * std::min(progress.done, progress.total) / progress.total);
  std::string bar(filled, '=');
  if (filled < kBarWidth) {
    bar += '>';
    bar += std::string(kBarWidth - filled - 1, ' ');
  }
  return line + "[" + bar + "] " + human_binary_size(progress.done) + " / " + human_binary_size(progress.total);
}

std::string PullProgress::plain_line(const image::LayerProgress& progress) {
  switch (progress.state) {
    case image::LayerState::present:
      return "Copying blob " + progress.digest.str() + " skipped: already exists";
    case image::LayerState::done:
      return "Copying blob " + progress.digest.str() + " done";
    case image::LayerState::failed:
      return "Copying blob " + progress.digest.str() + " failed";
    case image::LayerState::waiting:
    case image::LayerState::downloading:
      break;
  }
  return {};
}

void PullProgress::update(const image::LayerProgress& progress) {
  std::lock_guard lock(mutex_);
  if (progress.index >= layers_.size()) {
    layers_.resize(progress.index + 1);
    reported_.resize(progress.index + 1);
  }
  auto& slot = layers_[progress.index];
  bool state_changed = !slot || slot->state != progress.state;
  slot = progress;
  if (!terminal_) {
    std::string line = plain_line(progress);
    if (!line.empty() && !reported_[progress.index]) {
      reported_[progress.index] = true;
      out_ << line << "\n" << std::flush;
    }
    return;
  }
  auto now = std::chrono::steady_clock::now();
  if (state_changed || now - last_draw_ >= kRedrawInterval) {
    last_draw_ = now;
    redraw();
  }
}

void PullProgress::finish() {
  std::lock_guard lock(mutex_);
  if (terminal_) {
    redraw();
  }
}

void PullProgress::redraw() {
  std::string text;
  if (drawn_lines_ > 0) {
    // Back to the first line drawn, then every line rewritten in place.
    text += "\x1b[" + std::to_string(drawn_lines_) + "A";
  }
  drawn_lines_ = 0;
  for (const auto& layer : layers_) {
    if (layer) {
      text += "\r\x1b[2K" + terminal_line(*layer) + "\n";
      ++drawn_lines_;
    }
  }
  out_ << text << std::flush;
}

}  // namespace skiff::cli

#pragma once

// What `skiff pull`, `load` and `import` print while layers arrive. On a terminal: one line per
// layer (short digest, a bar, bytes so far / total, or its state), redrawn in place. Elsewhere
// (a pipe, a log): one plain line per layer when it finishes, "Copying blob sha256:… done".

#include <chrono>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "skiff/image/store_image.h"

namespace skiff::cli {

class PullProgress {
 public:
  PullProgress(std::ostream& out, bool terminal) : out_(out), terminal_(terminal) {}

  // A LayerProgressCallback; safe to call from the layer workers.
  void update(const image::LayerProgress& progress);
  // Draws the final state of every line (terminal mode); call once the layers are done.
  void finish();
  // The callback to hand to PullOptions or ImportOptions.
  image::LayerProgressCallback callback() {
    return [this](const image::LayerProgress& progress) { update(progress); };
  }

  // One terminal line for a layer: "Copying blob 3f4d90098f5b [====>    ] 1.2 MiB / 2.3 MiB".
  static std::string terminal_line(const image::LayerProgress& progress);
  // The plain line for a finished layer; empty while it is not finished.
  static std::string plain_line(const image::LayerProgress& progress);

 private:
  void redraw();

  std::ostream& out_;
  bool terminal_;
  std::mutex mutex_;
  std::vector<std::optional<image::LayerProgress>> layers_;  // by manifest index; none until reported
  std::vector<bool> reported_;                               // plain mode: finished lines printed
  size_t drawn_lines_ = 0;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace skiff::cli

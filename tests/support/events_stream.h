#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "test_support.h"

namespace skiff::testing {

// `skiff-runtime events` running in the background, its stdout going to a file we can watch.
class EventsStream {
 public:
  EventsStream(const Runtime& rt, const std::vector<std::string>& args);
  EventsStream(const EventsStream&) = delete;
  EventsStream& operator=(const EventsStream&) = delete;
  ~EventsStream();

  [[nodiscard]] std::string output() const;
  // Polls (bounded, ~30 s: the vm layer's guest is emulated) until the output holds text;
  // returns the output.
  [[nodiscard]] std::string wait_for(const std::string& text) const;
  // The exit code once it ends by itself (bounded, ~30 s; -2 when it did not and was killed).
  int wait();

 private:
  TempDir dir_{"skiff-events-"};
  std::string out_;
  pid_t pid_ = 0;
};

}  // namespace skiff::testing

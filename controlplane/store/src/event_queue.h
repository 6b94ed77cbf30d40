#pragma once

#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <vector>

#include "skiff/store/store.h"

namespace skiff::store {

// The events waiting for one watcher. Producers (the SQLite writer, an etcd stream reader) push;
// the watcher pulls with next(). A watcher that falls more than max_events behind is ended with
// an error instead of growing without bound: it watches again from its last revision.
class EventQueue {
 public:
  explicit EventQueue(size_t max_events = 100000) : max_events_(max_events) {}

  // Appends events, in order.
  void push(std::vector<Event> events);
  // Puts events (older than any pushed so far) in front: a watch's history read after it
  // subscribed to live events.
  void push_front(std::vector<Event> events);
  // Ends the queue: next() returns what is queued, then throws error.
  void fail(std::exception_ptr error);
  // Waits up to timeout for events and takes all of them.
  std::vector<Event> next(std::chrono::milliseconds timeout);

 private:
  size_t max_events_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Event> events_;
  std::exception_ptr error_;
};

}  // namespace skiff::store

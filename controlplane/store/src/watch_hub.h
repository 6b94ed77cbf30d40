#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "event_queue.h"

namespace skiff::store {

// Fans the SQLite writer's committed events out to the watchers in this process. The writer
// publishes each commit's events in revision order, one commit after the other, so every
// watcher sees the log without gaps from the revision it subscribed at.
class WatchHub {
 public:
  // Events up to revision are history (a reopened store's log): watchers read them from the
  // database.
  void start_at(int64_t revision);
  // Delivers events on keys under prefix with revision > from_revision to queue from now on.
  // Returns the revision of the last event published before, which the watcher's history read
  // must reach.
  int64_t subscribe(const std::shared_ptr<EventQueue>& queue, const std::string& prefix, int64_t from_revision);
  void unsubscribe(const EventQueue* queue);
  // Publishes one commit's events (in revision order) and records revision as the last one.
  void publish(const std::vector<Event>& events, int64_t revision);

 private:
  struct Subscriber {
    std::shared_ptr<EventQueue> queue;
    std::string prefix;
    int64_t from_revision;
  };

  std::mutex mutex_;
  std::vector<Subscriber> subscribers_;
  int64_t published_revision_ = 0;
};

}  // namespace skiff::store

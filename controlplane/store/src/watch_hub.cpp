#include "watch_hub.h"

#include <algorithm>

namespace skiff::store {

void WatchHub::start_at(int64_t revision) {
  std::lock_guard lock(mutex_);
  published_revision_ = std::max(published_revision_, revision);
}

int64_t WatchHub::subscribe(const std::shared_ptr<EventQueue>& queue, const std::string& prefix,
                            int64_t from_revision) {
  std::lock_guard lock(mutex_);
  subscribers_.push_back(Subscriber{queue, prefix, from_revision});
  return published_revision_;
}

void WatchHub::unsubscribe(const EventQueue* queue) {
  std::lock_guard lock(mutex_);
  std::erase_if(subscribers_, [&](const Subscriber& s) { return s.queue.get() == queue; });
}

void WatchHub::publish(const std::vector<Event>& events, int64_t revision) {
  std::lock_guard lock(mutex_);
  published_revision_ = std::max(published_revision_, revision);
  for (const Subscriber& subscriber : subscribers_) {
    std::vector<Event> matching;
    for (const Event& event : events) {
      if (event.revision() > subscriber.from_revision && event.kv.key.starts_with(subscriber.prefix)) {
        matching.push_back(event);
      }
    }
    subscriber.queue->push(std::move(matching));
  }
}

}  // namespace skiff::store

#include "event_queue.h"

#include <string>

namespace skiff::store {

void EventQueue::push(std::vector<Event> events) {
  if (events.empty()) {
    return;
  }
  std::lock_guard lock(mutex_);
  if (error_) {
    return;
  }
  if (events_.size() + events.size() > max_events_) {
    events_.clear();
    error_ = std::make_exception_ptr(
        Error("watch fell behind: more than " + std::to_string(max_events_) + " events were not read"));
  } else {
    for (Event& event : events) {
      events_.push_back(std::move(event));
    }
  }
  ready_.notify_all();
}

void EventQueue::push_front(std::vector<Event> events) {
  std::lock_guard lock(mutex_);
  events_.insert(events_.begin(), std::make_move_iterator(events.begin()), std::make_move_iterator(events.end()));
  ready_.notify_all();
}

void EventQueue::fail(std::exception_ptr error) {
  std::lock_guard lock(mutex_);
  if (!error_) {
    error_ = std::move(error);
  }
  ready_.notify_all();
}

std::vector<Event> EventQueue::next(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  ready_.wait_for(lock, timeout, [&] { return !events_.empty() || error_; });
  if (events_.empty() && error_) {
    std::rethrow_exception(error_);
  }
  std::vector<Event> out(std::make_move_iterator(events_.begin()), std::make_move_iterator(events_.end()));
  events_.clear();
  return out;
}

}  // namespace skiff::store

#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "skiff/api/client.h"

namespace skiff::api {

// Why the informer listed (again).
enum class RelistReason {
  initial,
  // The watch's resourceVersion was compacted away (410 Gone).
  gone,
};

struct InformerHandlers {
  // Every change, in order: the watch's events, and after a list the differences from what
  // was known (ADDED for new objects, MODIFIED for changed ones, DELETED for vanished ones).
  // BOOKMARK events carry only a resourceVersion.
  std::function<void(const WatchEvent&)> on_event;
  // Called before the events a list produced.
  std::function<void(RelistReason, const std::string& resource_version)> on_relist;
  // A failed request or a dropped connection; the informer retries by itself.
  std::function<void(const std::string& error)> on_error;
};

// client-go's reflector: lists a resource, watches from the list's resourceVersion, and keeps
// watching across dropped connections and server restarts by resuming from the last version it
// saw, so no change is missed or delivered twice. When that version is gone (410) it lists again
// and delivers the difference. Runs on the thread that calls run(); stop() ends it.
class Informer {
 public:
  Informer(ApiClient& client, Resource resource, std::string ns, InformerHandlers handlers,
           ListOptions list_options = {});
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  // Lists and watches until stop().
  void run();
  // From any thread.
  void stop();

  // The version the next watch starts from.
  [[nodiscard]] std::string resource_version() const;

 private:
  void relist(RelistReason reason);
  void watch_once();
  void deliver(const WatchEvent& event);
  void report_error(const std::string& error);
  void pause(std::chrono::milliseconds delay);

  ApiClient& client_;
  Resource resource_;
  std::string ns_;
  InformerHandlers handlers_;
  ListOptions list_options_;
  // namespace/name -> the object last delivered: what a relist compares against.
  std::map<std::string, boost::json::object> known_;
  std::string resource_version_;
  std::atomic<bool> stopped_{false};
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  Watch* current_ = nullptr;
};

}  // namespace skiff::api

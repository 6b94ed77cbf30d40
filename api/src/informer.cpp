#include "skiff/api/informer.h"

#include <algorithm>

#include "skiff/api/object_meta.h"

namespace skiff::api {

namespace {

constexpr std::chrono::milliseconds kFirstRetryDelay{100};
constexpr std::chrono::milliseconds kLongestRetryDelay{2000};
// Lists page by this many objects, as client-go's reflector does.
constexpr int64_t kListPageSize = 500;
// The server ends each watch after this long and the informer watches again from where it was,
// so a connection that went silent without closing (a lost peer) does not stall it for good.
constexpr int64_t kWatchTimeoutSeconds = 300;

std::string key_of(const boost::json::object& object) {
  return metadata_field(object, "namespace") + "/" + metadata_field(object, "name");
}

}  // namespace

Informer::Informer(ApiClient& client, Resource resource, std::string ns, InformerHandlers handlers,
                   ListOptions list_options)
    : client_(client),
      resource_(std::move(resource)),
      ns_(std::move(ns)),
      handlers_(std::move(handlers)),
      list_options_(std::move(list_options)) {
  if (list_options_.limit == 0) {
    list_options_.limit = kListPageSize;
  }
}

void Informer::run() {
  std::chrono::milliseconds delay = kFirstRetryDelay;
  bool listed = false;
  RelistReason reason = RelistReason::initial;
  while (!stopped_) {
    try {
      if (!listed) {
        relist(reason);
        listed = true;
      }
      watch_once();
      delay = kFirstRetryDelay;
    } catch (const ApiError& e) {
      if (e.status_code() == 410) {
        listed = false;
        reason = RelistReason::gone;
        continue;
      }
      report_error(e.what());
      pause(delay);
      delay = std::min(delay * 2, kLongestRetryDelay);
    } catch (const Error& e) {
      report_error(e.what());
      pause(delay);
      delay = std::min(delay * 2, kLongestRetryDelay);
    }
  }
}

void Informer::stop() {
  std::lock_guard lock(mutex_);
  stopped_ = true;
  if (current_ != nullptr) {
    current_->cancel();
  }
  wake_.notify_all();
}

std::string Informer::resource_version() const {
  std::lock_guard lock(mutex_);
  return resource_version_;
}

void Informer::relist(RelistReason reason) {
  ListPage page = client_.list_all(resource_, ns_, list_options_);
  std::map<std::string, boost::json::object> fresh;
  for (boost::json::object& item : page.items) {
    std::string key = key_of(item);
    fresh.emplace(std::move(key), std::move(item));
  }
  if (handlers_.on_relist) {
    handlers_.on_relist(reason, page.resource_version);
  }
  std::map<std::string, boost::json::object> previous = std::move(known_);
  known_.clear();
  for (const auto& [key, object] : fresh) {
    auto old = previous.find(key);
    if (old == previous.end()) {
      deliver(WatchEvent{WatchEvent::Type::added, object});
    } else {
      if (metadata_field(old->second, "resourceVersion") != metadata_field(object, "resourceVersion")) {
        deliver(WatchEvent{WatchEvent::Type::modified, object});
      } else {
        known_[key] = object;
      }
      previous.erase(old);
    }
  }
  for (auto& [key, object] : previous) {
    deliver(WatchEvent{WatchEvent::Type::deleted, std::move(object)});
  }
  std::lock_guard lock(mutex_);
  resource_version_ = page.resource_version;
}

void Informer::watch_once() {
  WatchOptions options;
  options.resource_version = resource_version();
  options.label_selector = list_options_.label_selector;
  options.field_selector = list_options_.field_selector;
  options.bookmarks = true;
  options.timeout_seconds = kWatchTimeoutSeconds;
  std::unique_ptr<Watch> watch = client_.watch(resource_, ns_, options);
  {
    std::lock_guard lock(mutex_);
    if (stopped_) {
      return;
    }
    current_ = watch.get();
  }
  // current_ is cleared before the watch goes, also when next() throws.
  struct Forget {
    Informer& informer;
    ~Forget() {
      std::lock_guard lock(informer.mutex_);
      informer.current_ = nullptr;
    }
  } forget{*this};
  while (std::optional<WatchEvent> event = watch->next()) {
    deliver(*event);
  }
}

void Informer::deliver(const WatchEvent& event) {
  if (event.type != WatchEvent::Type::bookmark) {
    std::string key = key_of(event.object);
    if (event.type == WatchEvent::Type::deleted) {
      known_.erase(key);
    } else {
      known_[key] = event.object;
    }
  }
  if (std::string version = event.resource_version(); !version.empty()) {
    std::lock_guard lock(mutex_);
    resource_version_ = version;
  }
  if (handlers_.on_event) {
    handlers_.on_event(event);
  }
}

void Informer::report_error(const std::string& error) {
  if (handlers_.on_error) {
    handlers_.on_error(error);
  }
}

void Informer::pause(std::chrono::milliseconds delay) {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, delay, [&] { return stopped_.load(); });
}

}  // namespace skiff::api

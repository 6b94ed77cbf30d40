#include <chrono>
#include <deque>

#include "skiff/apiserver/registry.h"
#include "skiff/apiserver/status.h"
#include "skiff/base/json.h"
#include "version_conversion.h"

namespace skiff::apiserver {

namespace {

using Clock = std::chrono::steady_clock;

// A bookmark when nothing else was sent for this long, as kube's watch cache does (about a minute).
constexpr std::chrono::seconds kBookmarkInterval{30};

const boost::json::object* labels_of(const boost::json::object& object) {
  const auto* meta = object.if_contains("metadata");
  const auto* labels = meta && meta->is_object() ? meta->as_object().if_contains("labels") : nullptr;
  return labels ? labels->if_object() : nullptr;
}

class WatchStream : public EventStream {
 public:
  WatchStream(const ResourceType& type, std::unique_ptr<store::Watch> watch, WatchOptions options,
              std::deque<boost::json::object> initial, int64_t revision, store::Store& store)
      : type_(type),
        watch_(std::move(watch)),
        options_(std::move(options)),
        initial_(std::move(initial)),
        revision_(revision),
        store_(store),
        deadline_(options_.timeout.count() > 0 ? Clock::now() + options_.timeout : Clock::time_point::max()),
        last_sent_(Clock::now()) {}

  std::optional<std::string> poll() override {
    if (done_ || Clock::now() >= deadline_) {
      return std::nullopt;
    }
    std::string out;
    while (!initial_.empty()) {
      out += line("ADDED", initial_.front());
      initial_.pop_front();
    }
    try {
      for (const store::Event& event : watch_->next(std::chrono::milliseconds(0))) {
        append_event(event, out);
        revision_ = event.revision();
      }
    } catch (const store::Compacted&) {
      ApiError error = gone("too old resource version: the store was compacted past it");
      out += boost::json::serialize(boost::json::object{{"type", "ERROR"}, {"object", error.to_status()}}) + "\n";
      done_ = true;
    } catch (const Error&) {
      // The store ended the watch (etcd connection lost): the client watches again from its
      // last resourceVersion.
      done_ = true;
    }
    if (!out.empty()) {
      last_sent_ = Clock::now();
    } else if (options_.bookmarks && Clock::now() - last_sent_ >= kBookmarkInterval) {
      boost::json::object bookmark{{"kind", type_.kind},
                                   {"apiVersion", type_.group_version()},
                                   {"metadata", {{"resourceVersion", std::to_string(revision_)}}}};
      out = boost::json::serialize(boost::json::object{{"type", "BOOKMARK"}, {"object", std::move(bookmark)}}) + "\n";
      last_sent_ = Clock::now();
    }
    return out;
  }

 private:
  [[nodiscard]] bool selected(const boost::json::object& object) const {
    return options_.labels.matches(labels_of(object)) && options_.fields.matches(object);
  }

  std::string line(const char* type, const boost::json::object& object) {
    return boost::json::serialize(boost::json::object{{"type", type}, {"object", options_.encode(object)}}) + "\n";
  }

  static boost::json::object decode(const store::KeyValue& kv, int64_t revision) {
    boost::json::value v = json::parse(kv.value, kv.key);
    boost::json::object object = v.is_object() ? std::move(v.as_object()) : boost::json::object{};
    boost::json::value& meta = object["metadata"];
    if (!meta.is_object()) {
      meta = boost::json::object{};
    }
    meta.as_object()["resourceVersion"] = std::to_string(revision);
    return object;
  }

  // The object a delete removed: the event's previous value, or the key's value just before.
  std::optional<boost::json::object> deleted_object(const store::Event& event) {
    if (event.prev) {
      return decode(*event.prev, event.revision());
    }
    try {
      if (auto kv = store_.get(event.kv.key, event.revision() - 1)) {
        return decode(*kv, event.revision());
      }
    } catch (const store::Compacted&) {  // gone with the history
    }
    return std::nullopt;
  }

  void append_event(const store::Event& event, std::string& out) {
    if (event.type == store::Event::Type::del) {
      if (auto object = deleted_object(event); object && selected(*object)) {
        out += line("DELETED", *object);
      }
      return;
    }
    boost::json::object object = decode(event.kv, event.revision());
    bool now = selected(object);
    bool before = false;
    bool created = event.kv.create_revision == event.kv.mod_revision;
    if (!created && event.prev) {
      before = selected(decode(*event.prev, event.prev->mod_revision));
    } else if (!created) {
      before = now;
    }
    if (now && before) {
      out += line("MODIFIED", object);
    } else if (now) {
      out += line("ADDED", object);
    } else if (before) {
      out += line("DELETED", object);
    }
  }

  const ResourceType& type_;
  std::unique_ptr<store::Watch> watch_;
  WatchOptions options_;
  std::deque<boost::json::object> initial_;
  int64_t revision_;
  store::Store& store_;
  Clock::time_point deadline_;
  Clock::time_point last_sent_;
  bool done_ = false;
};

}  // namespace

std::unique_ptr<EventStream> ObjectRegistry::watch(const ResourceType& type, const std::string& ns,
                                                   WatchOptions options) {
  // Events carry the object in the version the watch names (the initial list already is).
  options.encode = [&type, encode = std::move(options.encode)](const boost::json::object& object) {
    return encode(to_served_version(type, object));
  };
  std::deque<boost::json::object> initial;
  int64_t from = options.from_revision;
  if (from == 0) {
    ListOptions list_options;
    list_options.labels = options.labels;
    list_options.fields = options.fields;
    ListResult current = list(type, ns, list_options);
    from = current.revision;
    if (options.send_initial) {
      initial.assign(std::make_move_iterator(current.items.begin()), std::make_move_iterator(current.items.end()));
    }
  } else if (int64_t compacted = store_.compact_revision(); from < compacted) {
    throw gone("too old resource version: " + std::to_string(from) + " (" + std::to_string(compacted) + ")");
  }
  std::unique_ptr<store::Watch> watch;
  try {
    watch = store_.watch(type.key_prefix(ns), from);
  } catch (const store::Compacted&) {
    throw gone("too old resource version: " + std::to_string(from));
  }
  return std::make_unique<WatchStream>(type, std::move(watch), std::move(options), std::move(initial), from, store_);
}

}  // namespace skiff::apiserver

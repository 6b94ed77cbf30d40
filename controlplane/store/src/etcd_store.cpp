#include "etcd_store.h"

#include <thread>

#include "etcd_json.h"
#include "event_queue.h"
#include "skiff/base/base64.h"
#include "skiff/base/json.h"

namespace skiff::store {

using etcd::int_field;
using etcd::object_field;

namespace {

// etcd's range end for every key starting with prefix: its prefix_end, or "\0" (all keys
// from the start key on) when there is none.
std::string range_end(const std::string& prefix) {
  std::string end = prefix_end(prefix);
  return end.empty() ? std::string(1, '\0') : end;
}

boost::json::object put_request(const std::string& key, const std::string& value, int64_t lease) {
  boost::json::object put{{"key", base64_encode(key)}, {"value", base64_encode(value)}};
  if (lease != 0) {
    put["lease"] = std::to_string(lease);
  }
  return boost::json::object{{"request_put", std::move(put)}};
}

boost::json::object range_request(const std::string& key) {
  return boost::json::object{{"request_range", boost::json::object{{"key", base64_encode(key)}}}};
}

boost::json::object compare(const std::string& key, const char* target, const char* result, const char* field,
                            int64_t value) {
  return boost::json::object{
      {"key", base64_encode(key)}, {"target", target}, {"result", result}, {field, std::to_string(value)}};
}

boost::json::object txn(boost::json::array compares, boost::json::object success, boost::json::object failure) {
  return boost::json::object{{"compare", std::move(compares)},
                             {"success", boost::json::array{std::move(success)}},
                             {"failure", boost::json::array{std::move(failure)}}};
}

int64_t header_revision(const boost::json::object& response) {
  return int_field(object_field(response, "header"), "revision");
}

void check_key(const std::string& key) {
  if (key.empty()) {
    throw Error("store key: must not be empty");
  }
}

// One /v3/watch stream, read by a thread of its own into the watcher's queue.
class EtcdWatch : public Watch {
 public:
  EtcdWatch(const std::string& host, const std::string& port, const std::string& prefix, int64_t from_revision)
      : stream_(host, port, "/v3/watch",
                boost::json::serialize(boost::json::object{
                    {"create_request",
                     boost::json::object{{"key", base64_encode(prefix.empty() ? std::string(1, '\0') : prefix)},
                                         {"range_end", base64_encode(range_end(prefix))},
                                         {"start_revision", std::to_string(from_revision + 1)},
                                         {"prev_kv", true}}}})),
        from_revision_(from_revision),
        reader_([this] { read_loop(); }) {}
  EtcdWatch(const EtcdWatch&) = delete;
  EtcdWatch& operator=(const EtcdWatch&) = delete;
  ~EtcdWatch() override {
    stream_.cancel();
    reader_.join();
  }

  std::vector<Event> next(std::chrono::milliseconds timeout) override { return queue_.next(timeout); }

 private:
  void read_loop() {
    try {
      std::string pending;
      while (stream_.read(pending)) {
        // The gateway writes one JSON message per line.
        size_t start = 0;
        for (size_t end = pending.find('\n'); end != std::string::npos; end = pending.find('\n', start)) {
          if (!handle(std::string_view(pending).substr(start, end - start))) {
            return;
          }
          start = end + 1;
        }
        pending.erase(0, start);
      }
      if (!pending.empty()) {
        handle(pending);
      }
      queue_.fail(std::make_exception_ptr(
          Error("etcd watch from revision " + std::to_string(from_revision_) + ": the stream ended")));
    } catch (const std::exception&) {
      queue_.fail(std::current_exception());
    }
  }

  // Queues one message's events; false when the watch ended.
  bool handle(std::string_view line) {
    if (line.find_first_not_of(" \r\t") == std::string_view::npos) {
      return true;
    }
    boost::json::value message = json::parse(line, "etcd watch response");
    const boost::json::object& object = json::as_object(message, "etcd watch response");
    if (object.contains("error")) {
      queue_.fail(
          std::make_exception_ptr(Error("etcd watch: " + boost::json::serialize(object_field(object, "error")))));
      return false;
    }
    const boost::json::object& result = object_field(object, "result");
    if (int64_t compacted = int_field(result, "compact_revision"); compacted != 0) {
      queue_.fail(std::make_exception_ptr(Compacted(from_revision_, compacted)));
      return false;
    }
    if (etcd::bool_field(result, "canceled")) {
      queue_.fail(
          std::make_exception_ptr(Error("etcd cancelled the watch from revision " + std::to_string(from_revision_) +
                                        ": " + boost::json::serialize(result))));
      return false;
    }
    std::vector<Event> events;
    if (const boost::json::value* list = result.if_contains("events"); list != nullptr && list->is_array()) {
      for (const boost::json::value& e : list->get_array()) {
        events.push_back(etcd::event(json::as_object(e, "etcd watch event")));
      }
    }
    queue_.push(std::move(events));
    return true;
  }

  HttpStream stream_;
  int64_t from_revision_;
  EventQueue queue_;
  std::thread reader_;
};

}  // namespace

EtcdStore::EtcdStore(const std::string& host_port, const StoreOptions& /*options*/)
    : host_(host_port.substr(0, host_port.rfind(':'))),
      port_(host_port.rfind(':') == std::string::npos ? "" : host_port.substr(host_port.rfind(':') + 1)),
      http_(host_, port_) {
  if (host_.empty() || port_.empty()) {
    throw Error("etcd endpoint " + host_port + ": expected host:port");
  }
  // Fail at open, not at the first request, when etcd is not there.
  current_revision();
}

boost::json::object EtcdStore::call(const std::string& path, const boost::json::object& body, int64_t revision) {
  HttpResult result = http_.post(path, boost::json::serialize(body));
  std::string what = "etcd " + http_.endpoint() + path;
  boost::json::value parsed = json::parse(result.body, what);
  // Streaming methods (lease keepalive) wrap their one response in "result".
  boost::json::object response = json::as_object(parsed, what);
  if (result.status == 200) {
    if (response.contains("result")) {
      return object_field(response, "result");
    }
    return response;
  }
  std::string message;
  for (const char* field : {"error", "message"}) {
    if (const boost::json::value* v = response.if_contains(field); v != nullptr && v->is_string()) {
      message = std::string(v->get_string());
      break;
    }
  }
  if (message.find("required revision has been compacted") != std::string::npos) {
    throw Compacted(revision, compact_revision_);
  }
  if (message.find("requested lease not found") != std::string::npos) {
    throw NotFound("lease");
  }
  throw Error(what + ": HTTP " + std::to_string(result.status) + ": " + (message.empty() ? result.body : message));
}

void EtcdStore::throw_mismatch(const boost::json::object& response, const std::string& key,
                               int64_t expected_mod_revision) {
  const boost::json::value* responses = response.if_contains("responses");
  if (responses != nullptr && responses->is_array() && !responses->get_array().empty()) {
    const boost::json::object& range =
        object_field(json::as_object(responses->get_array().front(), "etcd txn response"), "response_range");
    if (const boost::json::value* kvs = range.if_contains("kvs");
        kvs != nullptr && kvs->is_array() && !kvs->get_array().empty()) {
      int64_t current = int_field(json::as_object(kvs->get_array().front(), "etcd kv"), "mod_revision");
      throw Conflict(key, expected_mod_revision, current);
    }
  }
  throw NotFound("key " + key);
}

int64_t EtcdStore::create(const std::string& key, const std::string& value, int64_t lease) {
  check_key(key);
  boost::json::object response =
      call("/v3/kv/txn", txn(boost::json::array{compare(key, "CREATE", "EQUAL", "create_revision", 0)},
                             put_request(key, value, lease), range_request(key)));
  if (!etcd::bool_field(response, "succeeded")) {
    throw AlreadyExists(key);
  }
  return header_revision(response);
}

int64_t EtcdStore::update(const std::string& key, const std::string& value, int64_t expected_mod_revision,
                          int64_t lease) {
  check_key(key);
  boost::json::object response =
      call("/v3/kv/txn", txn(boost::json::array{compare(key, "VERSION", "GREATER", "version", 0),
                                                compare(key, "MOD", "EQUAL", "mod_revision", expected_mod_revision)},
                             put_request(key, value, lease), range_request(key)));
  if (!etcd::bool_field(response, "succeeded")) {
    throw_mismatch(response, key, expected_mod_revision);
  }
  return header_revision(response);
}

int64_t EtcdStore::remove(const std::string& key, int64_t expected_mod_revision) {
  check_key(key);
  boost::json::array compares{compare(key, "VERSION", "GREATER", "version", 0)};
  if (expected_mod_revision != 0) {
    compares.push_back(compare(key, "MOD", "EQUAL", "mod_revision", expected_mod_revision));
  }
  boost::json::object response = call(
      "/v3/kv/txn", txn(std::move(compares),
                        boost::json::object{{"request_delete_range", boost::json::object{{"key", base64_encode(key)}}}},
                        range_request(key)));
  if (!etcd::bool_field(response, "succeeded")) {
    throw_mismatch(response, key, expected_mod_revision);
  }
  return header_revision(response);
}

std::optional<KeyValue> EtcdStore::get(const std::string& key, int64_t revision) {
  check_key(key);
  boost::json::object request{{"key", base64_encode(key)}};
  if (revision != 0) {
    request["revision"] = std::to_string(revision);
  }
  boost::json::object response = call("/v3/kv/range", request, revision);
  const boost::json::value* kvs = response.if_contains("kvs");
  if (kvs == nullptr || !kvs->is_array() || kvs->get_array().empty()) {
    return std::nullopt;
  }
  return etcd::key_value(json::as_object(kvs->get_array().front(), "etcd kv"));
}

ListResult EtcdStore::list(const std::string& prefix, int64_t revision, int64_t limit,
                           const std::string& continue_after_key) {
  std::string start = continue_after_key.empty() ? prefix : continue_after_key + std::string(1, '\0');
  boost::json::object request{{"key", base64_encode(start.empty() ? std::string(1, '\0') : start)},
                              {"range_end", base64_encode(range_end(prefix))}};
  if (revision != 0) {
    request["revision"] = std::to_string(revision);
  }
  if (limit > 0) {
    request["limit"] = std::to_string(limit);
  }
  boost::json::object response = call("/v3/kv/range", request, revision);
  ListResult result;
  result.revision = revision != 0 ? revision : header_revision(response);
  result.more = etcd::bool_field(response, "more");
  if (const boost::json::value* kvs = response.if_contains("kvs"); kvs != nullptr && kvs->is_array()) {
    for (const boost::json::value& kv : kvs->get_array()) {
      result.items.push_back(etcd::key_value(json::as_object(kv, "etcd kv")));
    }
  }
  return result;
}

int64_t EtcdStore::current_revision() {
  boost::json::object response =
      call("/v3/kv/range", boost::json::object{{"key", base64_encode(std::string(1, '\0'))}, {"count_only", true}});
  return header_revision(response);
}

std::unique_ptr<Watch> EtcdStore::watch(const std::string& prefix, int64_t from_revision) {
  return std::make_unique<EtcdWatch>(host_, port_, prefix, from_revision);
}

void EtcdStore::compact(int64_t revision) {
  if (revision <= compact_revision_) {
    return;
  }
  try {
    call("/v3/kv/compaction", boost::json::object{{"revision", std::to_string(revision)}, {"physical", true}},
         revision);
  } catch (const Compacted&) {
    // Another server compacted past it already.
  }
  int64_t previous = compact_revision_;
  while (previous < revision && !compact_revision_.compare_exchange_weak(previous, revision)) {
  }
}

int64_t EtcdStore::compact_revision() {
  return compact_revision_;
}

int64_t EtcdStore::grant_lease(int64_t ttl_seconds) {
  if (ttl_seconds <= 0) {
    throw Error("lease ttl: must be positive, got " + std::to_string(ttl_seconds));
  }
  boost::json::object response = call("/v3/lease/grant", boost::json::object{{"TTL", std::to_string(ttl_seconds)}});
  return int_field(response, "ID");
}

void EtcdStore::keep_alive(int64_t lease) {
  boost::json::object response = call("/v3/lease/keepalive", boost::json::object{{"ID", std::to_string(lease)}});
  // etcd answers a keepalive of an unknown lease with a TTL of 0.
  if (int_field(response, "TTL") <= 0) {
    throw NotFound("lease " + std::to_string(lease));
  }
}

void EtcdStore::revoke_lease(int64_t lease) {
  try {
    call("/v3/lease/revoke", boost::json::object{{"ID", std::to_string(lease)}});
  } catch (const NotFound&) {
    throw NotFound("lease " + std::to_string(lease));
  }
}

}  // namespace skiff::store

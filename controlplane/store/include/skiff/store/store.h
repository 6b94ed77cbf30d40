#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "skiff/base/error.h"

namespace skiff::store {

// One key's value at one revision. A revision is the position of a write in the store's global
// log: every create, update and delete gets the next one, so revisions order all writes.
struct KeyValue {
  std::string key;
  std::string value;
  // The revision of the write that created the key (a create after a delete starts over).
  int64_t create_revision = 0;
  // The revision of the key's latest write: the version a compare-and-swap names.
  int64_t mod_revision = 0;
  // The lease the key is attached to, 0 for none: the key is deleted when the lease ends.
  int64_t lease = 0;

  bool operator==(const KeyValue&) const = default;
};

struct Event {
  enum class Type { put, del };
  Type type = Type::put;
  // For a put the new value; for a delete the key with mod_revision = the delete's revision.
  KeyValue kv;
  // The key's value before this write, when the backend still has it.
  std::optional<KeyValue> prev;

  [[nodiscard]] int64_t revision() const { return kv.mod_revision; }
};

struct ListResult {
  std::vector<KeyValue> items;
  // The store revision the list was read at (resourceVersion of a Kubernetes list).
  int64_t revision = 0;
  // More keys follow the last item: continue with continue_after_key = items.back().key.
  bool more = false;
};

// The key exists already (a create).
class AlreadyExists : public Error {
 public:
  explicit AlreadyExists(const std::string& key);
};

// The key (or the lease) does not exist.
class NotFound : public Error {
 public:
  explicit NotFound(const std::string& what);
};

// A compare-and-swap named a revision that is no longer the key's latest.
class Conflict : public Error {
 public:
  Conflict(const std::string& key, int64_t expected, int64_t current);
  [[nodiscard]] int64_t current_revision() const { return current_; }

 private:
  int64_t current_;
};

// The revision asked for is older than the store's compacted revision, so its history is gone
// (Kubernetes answers 410 Gone; the client lists again).
class Compacted : public Error {
 public:
  // compact_revision is 0 when the backend does not say which revision it compacted to.
  Compacted(int64_t requested, int64_t compact_revision);
  [[nodiscard]] int64_t compact_revision() const { return compact_revision_; }

 private:
  int64_t compact_revision_;
};

// The events of one watch, in revision order, pulled by its owner. Destroying it ends the watch.
class Watch {
 public:
  virtual ~Watch() = default;
  // The events that arrived, waiting up to timeout for the first one (empty when none came).
  // Throws Compacted when the watch started before the compacted revision, and Error when the
  // backend ended the watch (a lost etcd connection): the caller watches again from the last
  // revision it saw.
  virtual std::vector<Event> next(std::chrono::milliseconds timeout) = 0;
};

// A revisioned key-value log in the manner of kine (k3s's store shim): every write is a new row
// at the next global revision, a key's value is its newest row, deletes are tombstones, and old
// rows stay until compact() so that gets, lists and watches can read the past.
//
// Heartbeat keys: writes to keys under StoreOptions::heartbeat_prefixes (node Leases, which
// every node renews every few seconds) remove the key's previous row at once, in the same
// transaction, as if it had been compacted. Their history never grows past one row per key;
// live watchers still see every write, but a watch or get at an older revision sees only a
// heartbeat key's latest write. (The etcd backend cannot compact single keys: there the
// server's periodic compact() bounds their history, as in Kubernetes.)
class Store {
 public:
  virtual ~Store() = default;

  // Creates key; throws AlreadyExists when it exists. Returns the write's revision.
  virtual int64_t create(const std::string& key, const std::string& value, int64_t lease = 0) = 0;
  // Replaces key's value if its mod_revision is still expected_mod_revision (Conflict with the
  // current one otherwise, NotFound when the key is absent). Returns the new revision.
  virtual int64_t update(const std::string& key, const std::string& value, int64_t expected_mod_revision,
                         int64_t lease = 0) = 0;
  // key's value at revision (0: the latest), or nullopt when it did not exist then.
  // Throws Compacted for a revision older than the compacted one.
  virtual std::optional<KeyValue> get(const std::string& key, int64_t revision = 0) = 0;
  // The keys starting with prefix, in key order, as of revision (0: the latest), at most limit
  // (0: all) of them, starting after continue_after_key when it is not empty.
  virtual ListResult list(const std::string& prefix, int64_t revision = 0, int64_t limit = 0,
                          const std::string& continue_after_key = "") = 0;
  // Deletes key (if its mod_revision is expected_mod_revision, when that is not 0) by writing a
  // tombstone. Throws NotFound or Conflict. Returns the delete's revision.
  virtual int64_t remove(const std::string& key, int64_t expected_mod_revision = 0) = 0;
  // The revision of the latest write.
  virtual int64_t current_revision() = 0;
  // The events on keys starting with prefix with revision > from_revision, in order, none
  // missed: the history first, then live writes.
  virtual std::unique_ptr<Watch> watch(const std::string& prefix, int64_t from_revision) = 0;
  // Forgets the history up to revision: rows superseded at revision and tombstones go; reads
  // and watches before revision get Compacted. Writers keep going while it runs.
  virtual void compact(int64_t revision) = 0;
  // The revision compacted to, 0 when never.
  virtual int64_t compact_revision() = 0;

  // A lease of ttl seconds; returns its id.
  virtual int64_t grant_lease(int64_t ttl_seconds) = 0;
  // Restarts the lease's ttl; throws NotFound when it expired or was revoked.
  virtual void keep_alive(int64_t lease) = 0;
  // Ends the lease and deletes its keys; throws NotFound when it does not exist.
  virtual void revoke_lease(int64_t lease) = 0;
};

struct StoreOptions {
  // Keys that are rewritten at a high rate, whose history is not kept (see Store).
  std::vector<std::string> heartbeat_prefixes = {"/registry/leases/"};
  // How often expired leases are looked for (SQLite; etcd expires its own leases).
  std::chrono::milliseconds lease_check_interval{250};
};

// Opens the store an endpoint names: "etcd://host:port" (the --datastore-endpoint form),
// "sqlite:///path/to/dir" or a plain directory path, where the SQLite file state.db lives.
std::unique_ptr<Store> open_store(const std::string& endpoint, const StoreOptions& options = {});

// The first key after every key starting with prefix (the end of a prefix range), "" when there
// is none (a prefix of only 0xff bytes).
std::string prefix_end(const std::string& prefix);

}  // namespace skiff::store

#include "sqlite_store.h"

#include <algorithm>

#include "skiff/base/file.h"
#include "skiff/base/log.h"

namespace skiff::store {

using sqlite::Row;
using sqlite::WriterStatements;

namespace {

// Rows deleted per compaction transaction: small enough that writers waiting behind one wait
// about as long as for a commit.
constexpr int64_t kCompactBatch = 500;

Event put_event(const Row& row, std::optional<KeyValue> prev) {
  return Event{Event::Type::put, row.kv(), std::move(prev)};
}

// A tombstone row as a delete event: the key at the delete's revision, and the deleted value,
// which the tombstone keeps, as prev.
Event delete_event(const Row& tombstone) {
  KeyValue kv{tombstone.name, "", 0, tombstone.id, 0};
  KeyValue prev{tombstone.name, tombstone.value, tombstone.create_revision, tombstone.prev_revision, tombstone.lease};
  return Event{Event::Type::del, std::move(kv), std::move(prev)};
}

void check_key(const std::string& key) {
  if (key.empty()) {
    throw Error("store key: must not be empty");
  }
}

}  // namespace

struct SqliteStore::PendingWrite {
  const WriteOp* op;
  int64_t revision = 0;
  std::exception_ptr error;
  std::vector<Event> events;
  bool done = false;
};

// A reader connection taken from the pool for one call, in a read transaction.
class SqliteStore::ReaderLease {
 public:
  ReaderLease(SqliteStore& store, std::unique_ptr<sqlite::ReaderStatements> reader)
      : store_(store), reader_(std::move(reader)) {
    reader_->begin_read();
  }
  ReaderLease(const ReaderLease&) = delete;
  ReaderLease& operator=(const ReaderLease&) = delete;
  ~ReaderLease() {
    try {
      reader_->end_read();
      store_.release_reader(std::move(reader_));
    } catch (const std::exception& e) {
      log::warning(std::string("store: dropping a reader connection: ") + e.what());
    }
  }
  sqlite::ReaderStatements* operator->() const { return reader_.get(); }

 private:
  SqliteStore& store_;
  std::unique_ptr<sqlite::ReaderStatements> reader_;
};

SqliteStore::SqliteStore(const std::string& dir, const StoreOptions& options)
    : path_(dir + "/state.db"), options_(options) {
  mkdir_all(dir, 0700);
  writer_db_ = std::make_unique<sqlite::Connection>(path_, true);
  writer_db_->exec("PRAGMA journal_mode=WAL");
  // FULL: in WAL mode the WAL is fsynced at every commit, so an acknowledged write survives
  // kill -9 and power loss (NORMAL only survives kill -9, and loses the last commits on power
  // loss).
  writer_db_->exec("PRAGMA synchronous=FULL");
  writer_db_->exec(sqlite::kSchema);
  writer_ = std::make_unique<WriterStatements>(*writer_db_);

  ReaderLease r = reader();
  revision_ = r->revision();
  compact_revision_ = r->compact_revision();
  hub_.start_at(revision_);

  sqlite::Connection leases(path_, false);
  sqlite::Statement all(leases, "SELECT id, ttl FROM lease");
  auto now = std::chrono::steady_clock::now();
  while (all.step()) {
    lease_ttls_[all.int64(0)] = all.int64(1);
    lease_deadlines_[all.int64(0)] = now + std::chrono::seconds(all.int64(1));
  }
  lease_thread_ = std::thread([this] { expire_leases_loop(); });
}

SqliteStore::~SqliteStore() {
  {
    std::lock_guard lock(leases_mutex_);
    stopping_ = true;
  }
  leases_changed_.notify_all();
  lease_thread_.join();
}

SqliteStore::ReaderLease SqliteStore::reader() {
  std::unique_ptr<sqlite::ReaderStatements> r;
  {
    std::lock_guard lock(readers_mutex_);
    if (!idle_readers_.empty()) {
      r = std::move(idle_readers_.back());
      idle_readers_.pop_back();
    }
  }
  if (!r) {
    r = std::make_unique<sqlite::ReaderStatements>(path_);
  }
  return ReaderLease(*this, std::move(r));
}

void SqliteStore::release_reader(std::unique_ptr<sqlite::ReaderStatements> reader) {
  std::lock_guard lock(readers_mutex_);
  idle_readers_.push_back(std::move(reader));
}

bool SqliteStore::is_heartbeat(const std::string& key) const {
  return std::any_of(options_.heartbeat_prefixes.begin(), options_.heartbeat_prefixes.end(),
                     [&](const std::string& prefix) { return key.starts_with(prefix); });
}

int64_t SqliteStore::write(const WriteOp& op) {
  PendingWrite self{&op};
  std::unique_lock lock(writer_mutex_);
  queue_.push_back(&self);
  commit_done_.wait(lock, [&] { return self.done || !committing_; });
  if (!self.done) {
    // No commit is running: this writer commits everything queued, its own write included.
    committing_ = true;
    std::vector<PendingWrite*> batch;
    batch.swap(queue_);
    lock.unlock();
    commit_batch(batch);
    lock.lock();
    for (PendingWrite* w : batch) {
      w->done = true;
    }
    committing_ = false;
    commit_done_.notify_all();
  }
  if (self.error) {
    std::rethrow_exception(self.error);
  }
  return self.revision;
}

void SqliteStore::commit_batch(const std::vector<PendingWrite*>& batch) {
  try {
    writer_->begin();
  } catch (...) {
    for (PendingWrite* w : batch) {
      w->error = std::current_exception();
    }
    return;
  }
  for (PendingWrite* w : batch) {
    try {
      writer_->savepoint();
      try {
        w->revision = (*w->op)(*writer_, w->events);
      } catch (...) {
        writer_->rollback_savepoint();
        writer_->release_savepoint();
        throw;
      }
      writer_->release_savepoint();
    } catch (...) {
      w->error = std::current_exception();
      w->events.clear();
    }
  }
  try {
    writer_->commit();
  } catch (...) {
    auto error = std::current_exception();
    try {
      writer_->rollback();
    } catch (const std::exception& e) {
      log::warning(std::string("store: rollback after a failed commit: ") + e.what());
    }
    for (PendingWrite* w : batch) {
      w->error = w->error ? w->error : error;
      w->events.clear();
    }
    return;
  }
  std::vector<Event> events;
  // Only rows move the revision (a lease id is a write's result, not a revision).
  int64_t revision = revision_;
  for (PendingWrite* w : batch) {
    for (Event& event : w->events) {
      revision = std::max(revision, event.revision());
      events.push_back(std::move(event));
    }
  }
  revision_ = revision;
  hub_.publish(events, revision);
}

int64_t SqliteStore::create(const std::string& key, const std::string& value, int64_t lease) {
  check_key(key);
  return write([&](WriterStatements& w, std::vector<Event>& events) {
    std::optional<Row> latest = w.latest(key);
    if (latest && !latest->deleted) {
      throw AlreadyExists(key);
    }
    if (lease != 0 && !w.lease_exists(lease)) {
      throw NotFound("lease " + std::to_string(lease));
    }
    Row row{0, key, 0, false, lease, value, latest ? latest->id : 0};
    row.id = w.insert(key, true, false, 0, row.prev_revision, lease, value);
    row.create_revision = row.id;
    events.push_back(put_event(row, std::nullopt));
    return row.id;
  });
}

int64_t SqliteStore::update(const std::string& key, const std::string& value, int64_t expected_mod_revision,
                            int64_t lease) {
  check_key(key);
  return write([&](WriterStatements& w, std::vector<Event>& events) {
    std::optional<Row> latest = w.latest(key);
    if (!latest || latest->deleted) {
      throw NotFound("key " + key);
    }
    if (latest->id != expected_mod_revision) {
      throw Conflict(key, expected_mod_revision, latest->id);
    }
    if (lease != 0 && !w.lease_exists(lease)) {
      throw NotFound("lease " + std::to_string(lease));
    }
    Row row{0, key, latest->create_revision, false, lease, value, latest->id};
    row.id = w.insert(key, false, false, row.create_revision, latest->id, lease, value);
    if (is_heartbeat(key)) {
      w.delete_row(latest->id);
    }
    events.push_back(put_event(row, latest->kv()));
    return row.id;
  });
}

int64_t SqliteStore::write_tombstone(WriterStatements& w, const Row& latest, std::vector<Event>& events) {
  Row tombstone{0, latest.name, latest.create_revision, true, latest.lease, latest.value, latest.id};
  tombstone.id = w.insert(latest.name, false, true, latest.create_revision, latest.id, latest.lease, latest.value);
  if (is_heartbeat(latest.name)) {
    w.delete_row(latest.id);
  }
  events.push_back(delete_event(tombstone));
  return tombstone.id;
}

int64_t SqliteStore::remove(const std::string& key, int64_t expected_mod_revision) {
  check_key(key);
  return write([&](WriterStatements& w, std::vector<Event>& events) {
    std::optional<Row> latest = w.latest(key);
    if (!latest || latest->deleted) {
      throw NotFound("key " + key);
    }
    if (expected_mod_revision != 0 && latest->id != expected_mod_revision) {
      throw Conflict(key, expected_mod_revision, latest->id);
    }
    return write_tombstone(w, *latest, events);
  });
}

std::optional<KeyValue> SqliteStore::get(const std::string& key, int64_t revision) {
  ReaderLease r = reader();
  int64_t compacted = r->compact_revision();
  if (revision != 0 && revision < compacted) {
    throw Compacted(revision, compacted);
  }
  int64_t current = r->revision();
  if (revision > current) {
    throw Error("get " + key + " at revision " + std::to_string(revision) + ": the store is at revision " +
                std::to_string(current));
  }
  std::optional<Row> row = r->get(key, revision != 0 ? revision : current);
  if (!row || row->deleted) {
    return std::nullopt;
  }
  return row->kv();
}

ListResult SqliteStore::list(const std::string& prefix, int64_t revision, int64_t limit,
                             const std::string& continue_after_key) {
  ReaderLease r = reader();
  int64_t compacted = r->compact_revision();
  if (revision != 0 && revision < compacted) {
    throw Compacted(revision, compacted);
  }
  ListResult result;
  result.revision = revision != 0 ? revision : r->revision();
  if (result.revision > r->revision()) {
    throw Error("list " + prefix + " at revision " + std::to_string(revision) + ": the store is at revision " +
                std::to_string(r->revision()));
  }
  std::vector<Row> rows =
      r->list(sqlite::KeyRange::of_prefix(prefix), continue_after_key, result.revision, limit > 0 ? limit + 1 : -1);
  if (limit > 0 && static_cast<int64_t>(rows.size()) > limit) {
    rows.pop_back();
    result.more = true;
  }
  result.items.reserve(rows.size());
  for (Row& row : rows) {
    result.items.push_back(row.take_kv());
  }
  return result;
}

int64_t SqliteStore::current_revision() {
  return revision_;
}

int64_t SqliteStore::compact_revision() {
  return compact_revision_;
}

namespace {

class SqliteWatch : public Watch {
 public:
  SqliteWatch(WatchHub& hub, std::shared_ptr<EventQueue> queue) : hub_(hub), queue_(std::move(queue)) {}
  SqliteWatch(const SqliteWatch&) = delete;
  SqliteWatch& operator=(const SqliteWatch&) = delete;
  ~SqliteWatch() override { hub_.unsubscribe(queue_.get()); }
  std::vector<Event> next(std::chrono::milliseconds timeout) override { return queue_->next(timeout); }

 private:
  WatchHub& hub_;
  std::shared_ptr<EventQueue> queue_;
};

}  // namespace

std::unique_ptr<Watch> SqliteStore::watch(const std::string& prefix, int64_t from_revision) {
  auto queue = std::make_shared<EventQueue>();
  // Subscribe first, then read the history up to the last published revision: the live events
  // start right after it, so none falls between the two.
  int64_t published = hub_.subscribe(queue, prefix, from_revision);
  auto watch = std::make_unique<SqliteWatch>(hub_, queue);
  ReaderLease r = reader();
  int64_t compacted = r->compact_revision();
  if (from_revision < compacted) {
    queue->fail(std::make_exception_ptr(Compacted(from_revision, compacted)));
    return watch;
  }
  std::vector<Event> history;
  for (auto& [row, prev] : r->history(sqlite::KeyRange::of_prefix(prefix), from_revision, published)) {
    if (row.deleted) {
      history.push_back(delete_event(row));
    } else {
      std::optional<KeyValue> prev_kv;
      if (prev && !prev->deleted) {
        prev_kv = prev->kv();
      }
      history.push_back(put_event(row, std::move(prev_kv)));
    }
  }
  queue->push_front(std::move(history));
  return watch;
}

void SqliteStore::compact(int64_t revision) {
  int64_t previous = compact_revision_;
  if (revision <= previous) {
    return;
  }
  if (revision > revision_) {
    throw Error("compact to revision " + std::to_string(revision) + ": the store is at revision " +
                std::to_string(revision_.load()));
  }
  // Readers refuse revisions below the new mark from its commit on; the rows they would have
  // needed go afterwards, a batch per transaction, so writers queue behind small deletes only.
  write([&](WriterStatements& w, std::vector<Event>&) {
    w.set_compact_revision(revision);
    return int64_t{0};
  });
  compact_revision_ = revision;
  for (int64_t from = previous; from < revision; from += kCompactBatch) {
    int64_t to = std::min(revision, from + kCompactBatch);
    write([&](WriterStatements& w, std::vector<Event>&) {
      w.compact_range(from, to, revision);
      return int64_t{0};
    });
  }
}

int64_t SqliteStore::grant_lease(int64_t ttl_seconds) {
  if (ttl_seconds <= 0) {
    throw Error("lease ttl: must be positive, got " + std::to_string(ttl_seconds));
  }
  int64_t id = write([&](WriterStatements& w, std::vector<Event>&) { return w.insert_lease(ttl_seconds); });
  {
    std::lock_guard lock(leases_mutex_);
    lease_ttls_[id] = ttl_seconds;
    lease_deadlines_[id] = std::chrono::steady_clock::now() + std::chrono::seconds(ttl_seconds);
  }
  leases_changed_.notify_all();
  return id;
}

void SqliteStore::keep_alive(int64_t lease) {
  std::lock_guard lock(leases_mutex_);
  auto ttl = lease_ttls_.find(lease);
  if (ttl == lease_ttls_.end()) {
    throw NotFound("lease " + std::to_string(lease));
  }
  lease_deadlines_[lease] = std::chrono::steady_clock::now() + std::chrono::seconds(ttl->second);
}

void SqliteStore::revoke_lease(int64_t lease) {
  std::optional<int64_t> ttl;
  try {
    write([&](WriterStatements& w, std::vector<Event>& events) {
      if (!w.delete_lease(lease)) {
        throw NotFound("lease " + std::to_string(lease));
      }
      int64_t revision = 0;
      for (const Row& row : w.lease_keys(lease)) {
        revision = write_tombstone(w, row, events);
      }
      // Gone from memory before watchers see its keys' deletes, so no keep_alive succeeds after.
      std::lock_guard lock(leases_mutex_);
      if (auto it = lease_ttls_.find(lease); it != lease_ttls_.end()) {
        ttl = it->second;
        lease_ttls_.erase(it);
        lease_deadlines_.erase(lease);
      }
      return revision;
    });
  } catch (const NotFound&) {
    throw;
  } catch (...) {
    // The commit failed: the lease is still in the database, and lives on.
    if (ttl) {
      std::lock_guard lock(leases_mutex_);
      lease_ttls_[lease] = *ttl;
      lease_deadlines_[lease] = std::chrono::steady_clock::now() + std::chrono::seconds(*ttl);
    }
    throw;
  }
}

void SqliteStore::expire_leases_loop() {
  std::unique_lock lock(leases_mutex_);
  while (!stopping_) {
    leases_changed_.wait_for(lock, options_.lease_check_interval);
    auto now = std::chrono::steady_clock::now();
    std::vector<int64_t> expired;
    for (const auto& [lease, deadline] : lease_deadlines_) {
      if (deadline <= now) {
        expired.push_back(lease);
      }
    }
    lock.unlock();
    for (int64_t lease : expired) {
      try {
        revoke_lease(lease);
      } catch (const NotFound&) {
        // Revoked meanwhile.
      } catch (const std::exception& e) {
        log::warning("store: expire lease " + std::to_string(lease) + ": " + e.what());
      }
    }
    lock.lock();
  }
}

}  // namespace skiff::store

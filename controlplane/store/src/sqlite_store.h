#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "skiff/store/store.h"
#include "sqlite_statements.h"
#include "watch_hub.h"

namespace skiff::store {

// The embedded store: one SQLite file (state.db) in a data directory, in WAL mode with
// synchronous=FULL, so a write is acknowledged only after its WAL frames are fsynced and kill -9
// (or power loss) at any moment loses no acknowledged write.
//
// Writes go through one writer connection with group commit: concurrent writers queue their
// operations, the first to find no commit running takes the whole queue and runs it in one
// transaction (each operation in a savepoint of its own, so one's failed compare-and-swap leaves
// the others), and one fsync acknowledges all of them. Revisions are AUTOINCREMENT row ids,
// assigned in commit order, and the committer publishes each commit's events to the in-process
// watchers before the next commit starts, so watchers see no gaps.
//
// Reads use a pool of connections, each read in one transaction (a WAL snapshot), so a list and
// the revision it reports agree. Leases live in a table (id, ttl); their deadlines are kept in
// memory and restart at open, as etcd restarts lease TTLs on a new leader.
class SqliteStore : public Store {
 public:
  SqliteStore(const std::string& dir, const StoreOptions& options);
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;
  ~SqliteStore() override;

  int64_t create(const std::string& key, const std::string& value, int64_t lease) override;
  int64_t update(const std::string& key, const std::string& value, int64_t expected_mod_revision,
                 int64_t lease) override;
  std::optional<KeyValue> get(const std::string& key, int64_t revision) override;
  ListResult list(const std::string& prefix, int64_t revision, int64_t limit,
                  const std::string& continue_after_key) override;
  int64_t remove(const std::string& key, int64_t expected_mod_revision) override;
  int64_t current_revision() override;
  std::unique_ptr<Watch> watch(const std::string& prefix, int64_t from_revision) override;
  void compact(int64_t revision) override;
  int64_t compact_revision() override;
  int64_t grant_lease(int64_t ttl_seconds) override;
  void keep_alive(int64_t lease) override;
  void revoke_lease(int64_t lease) override;

 private:
  // One write operation: runs inside the commit's transaction, appends an event for each row it
  // writes and returns its result (the revision of a key write, the id of a new lease).
  using WriteOp = std::function<int64_t(sqlite::WriterStatements&, std::vector<Event>&)>;
  struct PendingWrite;
  class ReaderLease;

  int64_t write(const WriteOp& op);
  void commit_batch(const std::vector<PendingWrite*>& batch);
  ReaderLease reader();
  void release_reader(std::unique_ptr<sqlite::ReaderStatements> reader);
  [[nodiscard]] bool is_heartbeat(const std::string& key) const;
  // Writes a tombstone for key's latest row (inside a write op).
  int64_t write_tombstone(sqlite::WriterStatements& w, const sqlite::Row& latest, std::vector<Event>& events);
  void expire_leases_loop();

  std::string path_;
  StoreOptions options_;

  std::mutex writer_mutex_;
  std::condition_variable commit_done_;
  bool committing_ = false;
  std::vector<PendingWrite*> queue_;
  std::unique_ptr<sqlite::Connection> writer_db_;
  std::unique_ptr<sqlite::WriterStatements> writer_;

  std::mutex readers_mutex_;
  std::vector<std::unique_ptr<sqlite::ReaderStatements>> idle_readers_;

  std::atomic<int64_t> revision_{0};
  std::atomic<int64_t> compact_revision_{0};
  WatchHub hub_;

  std::mutex leases_mutex_;
  std::condition_variable leases_changed_;
  bool stopping_ = false;
  std::map<int64_t, std::chrono::steady_clock::time_point> lease_deadlines_;
  std::map<int64_t, int64_t> lease_ttls_;
  std::thread lease_thread_;
};

}  // namespace skiff::store

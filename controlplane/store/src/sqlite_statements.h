#pragma once

#include <cstdint>
#include <string>

#include "skiff/store/store.h"
#include "sqlite_db.h"

namespace skiff::store::sqlite {

// The schema, kine's: one row per write. id is the revision; created marks a key's first row
// (its create_revision is then its own id), deleted marks a tombstone (which keeps the deleted
// value, so a delete event carries it), prev_revision is the key's previous row.
extern const char* const kSchema;

// One row of the kv table.
struct Row {
  int64_t id = 0;
  std::string name;
  int64_t create_revision = 0;
  bool deleted = false;
  int64_t lease = 0;
  std::string value;
  int64_t prev_revision = 0;

  [[nodiscard]] KeyValue kv() const { return KeyValue{name, value, create_revision, id, lease}; }
  // The same, leaving this row's name and value empty (for rows read only to be returned).
  KeyValue take_kv() { return KeyValue{std::move(name), std::move(value), create_revision, id, lease}; }
};

// The bounds of a prefix range as statement parameters: name >= from and, when bounded,
// name < to.
struct KeyRange {
  std::string from;
  std::string to;
  bool bounded = false;
  static KeyRange of_prefix(const std::string& prefix);
};

// The writer connection's prepared statements.
class WriterStatements {
 public:
  explicit WriterStatements(Connection& db);

  void begin() { begin_.run(); }
  void commit() { commit_.run(); }
  void rollback() { rollback_.run(); }
  void savepoint() { savepoint_.run(); }
  void release_savepoint() { release_.run(); }
  void rollback_savepoint() { rollback_to_.run(); }

  // The key's newest row, tombstone or not.
  std::optional<Row> latest(const std::string& name);
  // Appends a row; returns its id, the write's revision.
  int64_t insert(const std::string& name, bool created, bool deleted, int64_t create_revision, int64_t prev_revision,
                 int64_t lease, const std::string& value);
  void delete_row(int64_t id);
  bool lease_exists(int64_t lease);
  int64_t insert_lease(int64_t ttl_seconds);
  // Deletes the lease row; false when there was none.
  bool delete_lease(int64_t lease);
  // The newest live rows of the keys attached to lease.
  std::vector<Row> lease_keys(int64_t lease);
  void set_compact_revision(int64_t revision);
  // Deletes the rows with id in (from, to] superseded by a row at or below revision, and the
  // tombstones at or below revision. Returns how many went.
  int64_t compact_range(int64_t from, int64_t to, int64_t revision);

 private:
  Connection& db_;
  Statement begin_, commit_, rollback_, savepoint_, release_, rollback_to_;
  Statement latest_, insert_, delete_row_, lease_exists_, insert_lease_, delete_lease_, lease_keys_;
  Statement set_compact_revision_, compact_range_;
};

// A reader connection with its prepared statements. Reads run inside read() so all of a
// call's queries see one snapshot.
class ReaderStatements {
 public:
  explicit ReaderStatements(const std::string& path);

  // Starts a read transaction; end_read() ends it.
  void begin_read() { begin_.run(); }
  void end_read() { rollback_.run(); }
  // The store's revision: the last id AUTOINCREMENT handed out, which deletes never lower.
  int64_t revision();
  int64_t compact_revision();
  // The key's newest row at or below revision.
  std::optional<Row> get(const std::string& name, int64_t revision);
  // The newest live rows at or below revision of the keys in range after after_key, in key
  // order, at most limit (-1: all).
  std::vector<Row> list(const KeyRange& range, const std::string& after_key, int64_t revision, int64_t limit);
  // The rows in range with id in (from, to], in id order; each with the previous row's value
  // when it is still there (for a put's prev_kv).
  std::vector<std::pair<Row, std::optional<Row>>> history(const KeyRange& range, int64_t from, int64_t to);

 private:
  Connection db_;
  Statement begin_, rollback_, revision_, compact_revision_, get_, list_, history_;
};

}  // namespace skiff::store::sqlite

#include "sqlite_statements.h"

namespace skiff::store::sqlite {

const char* const kSchema = R"sql(
CREATE TABLE IF NOT EXISTS kv (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name BLOB NOT NULL,
  created INTEGER NOT NULL,
  deleted INTEGER NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision INTEGER NOT NULL,
  lease INTEGER NOT NULL,
  value BLOB NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS kv_name_id ON kv (name, id);
CREATE INDEX IF NOT EXISTS kv_lease ON kv (lease) WHERE lease != 0;
CREATE TABLE IF NOT EXISTS lease (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  ttl INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
  name TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
)sql";

namespace {

// The columns Row is read from, starting at column 0 (or 7 for the joined previous row).
#define ROW_COLUMNS(t)                                                                                         \
  t ".id, " t ".name, CASE WHEN " t ".created THEN " t ".id ELSE " t ".create_revision END, " t ".deleted, " t \
    ".lease, " t ".value, " t ".prev_revision"

Row read_row(const Statement& stmt, int first) {
  return Row{stmt.int64(first),     stmt.text(first + 1), stmt.int64(first + 2), stmt.int64(first + 3) != 0,
             stmt.int64(first + 4), stmt.text(first + 5), stmt.int64(first + 6)};
}

// "name >= ?1 AND (?2 = 0 OR name < ?3)" bound from a KeyRange.
void bind_range(Statement& stmt, const KeyRange& range) {
  stmt.bind_blob(1, range.from).bind(2, int64_t{range.bounded ? 1 : 0}).bind_blob(3, range.to);
}

}  // namespace

KeyRange KeyRange::of_prefix(const std::string& prefix) {
  std::string end = prefix_end(prefix);
  return KeyRange{prefix, end, !end.empty()};
}

WriterStatements::WriterStatements(Connection& db)
    : db_(db),
      begin_(db, "BEGIN IMMEDIATE"),
      commit_(db, "COMMIT"),
      rollback_(db, "ROLLBACK"),
      savepoint_(db, "SAVEPOINT op"),
      release_(db, "RELEASE op"),
      rollback_to_(db, "ROLLBACK TO op"),
      latest_(db, "SELECT " ROW_COLUMNS("kv") " FROM kv WHERE name = ?1 ORDER BY id DESC LIMIT 1"),
      insert_(db,
              "INSERT INTO kv (name, created, deleted, create_revision, prev_revision, lease, value) "
              "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
      delete_row_(db, "DELETE FROM kv WHERE id = ?1"),
      lease_exists_(db, "SELECT 1 FROM lease WHERE id = ?1"),
      insert_lease_(db, "INSERT INTO lease (ttl) VALUES (?1)"),
      delete_lease_(db, "DELETE FROM lease WHERE id = ?1"),
      lease_keys_(db,
                  "SELECT " ROW_COLUMNS("kv") " FROM kv JOIN (SELECT MAX(id) AS id FROM kv WHERE name IN "
                  "(SELECT name FROM kv WHERE lease = ?1) GROUP BY name) AS newest ON kv.id = newest.id "
                  "WHERE kv.deleted = 0 AND kv.lease = ?1"),
      set_compact_revision_(db, "INSERT OR REPLACE INTO meta (name, value) VALUES ('compact_revision', ?1)"),
      compact_range_(db,
                     "DELETE FROM kv WHERE id > ?1 AND id <= ?2 AND (deleted = 1 OR EXISTS "
                     "(SELECT 1 FROM kv AS newer WHERE newer.name = kv.name AND newer.id > kv.id AND newer.id <= ?3))") {}

std::optional<Row> WriterStatements::latest(const std::string& name) {
  ResetGuard guard(latest_);
  latest_.bind_blob(1, name);
  if (!latest_.step()) {
    return std::nullopt;
  }
  return read_row(latest_, 0);
}

int64_t WriterStatements::insert(const std::string& name, bool created, bool deleted, int64_t create_revision,
                                 int64_t prev_revision, int64_t lease, const std::string& value) {
  insert_.bind_blob(1, name)
      .bind(2, int64_t{created ? 1 : 0})
      .bind(3, int64_t{deleted ? 1 : 0})
      .bind(4, create_revision)
      .bind(5, prev_revision)
      .bind(6, lease)
      .bind_blob(7, value);
  insert_.run();
  return sqlite3_last_insert_rowid(db_.get());
}

void WriterStatements::delete_row(int64_t id) {
  delete_row_.bind(1, id);
  delete_row_.run();
}

bool WriterStatements::lease_exists(int64_t lease) {
  ResetGuard guard(lease_exists_);
  lease_exists_.bind(1, lease);
  return lease_exists_.step();
}

int64_t WriterStatements::insert_lease(int64_t ttl_seconds) {
  insert_lease_.bind(1, ttl_seconds);
  insert_lease_.run();
  return sqlite3_last_insert_rowid(db_.get());
}

bool WriterStatements::delete_lease(int64_t lease) {
  delete_lease_.bind(1, lease);
  delete_lease_.run();
  return sqlite3_changes(db_.get()) > 0;
}

std::vector<Row> WriterStatements::lease_keys(int64_t lease) {
  ResetGuard guard(lease_keys_);
  lease_keys_.bind(1, lease);
  std::vector<Row> rows;
  while (lease_keys_.step()) {
    rows.push_back(read_row(lease_keys_, 0));
  }
  return rows;
}

void WriterStatements::set_compact_revision(int64_t revision) {
  set_compact_revision_.bind(1, revision);
  set_compact_revision_.run();
}

int64_t WriterStatements::compact_range(int64_t from, int64_t to, int64_t revision) {
  compact_range_.bind(1, from).bind(2, to).bind(3, revision);
  compact_range_.run();
  return sqlite3_changes(db_.get());
}

ReaderStatements::ReaderStatements(const std::string& path)
    : db_(path, false),
      begin_(db_, "BEGIN"),
      rollback_(db_, "ROLLBACK"),
      revision_(db_, "SELECT seq FROM sqlite_sequence WHERE name = 'kv'"),
      compact_revision_(db_, "SELECT value FROM meta WHERE name = 'compact_revision'"),
      get_(db_, "SELECT " ROW_COLUMNS("kv") " FROM kv WHERE name = ?1 AND id <= ?2 ORDER BY id DESC LIMIT 1"),
      // A key's row is listed when it is the key's newest at the revision: a walk of the
      // (name, id) index in key order that stops at the limit, with no sort and no temporary
      // table (a GROUP BY MAX(id) join materialises the whole prefix even for one page).
      list_(db_,
            "SELECT " ROW_COLUMNS("kv") " FROM kv WHERE kv.name >= ?1 AND (?2 = 0 OR kv.name < ?3) AND "
            "kv.name > ?4 AND kv.id <= ?5 AND kv.deleted = 0 AND kv.id = (SELECT MAX(newer.id) FROM kv AS newer "
            "WHERE newer.name = kv.name AND newer.id <= ?5) ORDER BY kv.name LIMIT ?6"),
      history_(db_,
               "SELECT " ROW_COLUMNS("kv") ", " ROW_COLUMNS("prev") " FROM kv LEFT JOIN kv AS prev ON "
               "prev.id = kv.prev_revision WHERE kv.name >= ?1 AND (?2 = 0 OR kv.name < ?3) AND kv.id > ?4 AND "
               "kv.id <= ?5 ORDER BY kv.id") {
  // A reader's snapshot must not be rolled back under it by a checkpoint; WAL mode guarantees
  // that, and the pragma makes sure this connection agrees on the journal mode.
  db_.exec("PRAGMA journal_mode=WAL");
}

int64_t ReaderStatements::revision() {
  ResetGuard guard(revision_);
  return revision_.step() ? revision_.int64(0) : 0;
}

int64_t ReaderStatements::compact_revision() {
  ResetGuard guard(compact_revision_);
  return compact_revision_.step() ? compact_revision_.int64(0) : 0;
}

std::optional<Row> ReaderStatements::get(const std::string& name, int64_t revision) {
  ResetGuard guard(get_);
  get_.bind_blob(1, name).bind(2, revision);
  if (!get_.step()) {
    return std::nullopt;
  }
  return read_row(get_, 0);
}

std::vector<Row> ReaderStatements::list(const KeyRange& range, const std::string& after_key, int64_t revision,
                                        int64_t limit) {
  ResetGuard guard(list_);
  bind_range(list_, range);
  list_.bind_blob(4, after_key).bind(5, revision).bind(6, limit);
  std::vector<Row> rows;
  while (list_.step()) {
    rows.push_back(read_row(list_, 0));
  }
  return rows;
}

std::vector<std::pair<Row, std::optional<Row>>> ReaderStatements::history(const KeyRange& range, int64_t from,
                                                                          int64_t to) {
  ResetGuard guard(history_);
  bind_range(history_, range);
  history_.bind(4, from).bind(5, to);
  std::vector<std::pair<Row, std::optional<Row>>> rows;
  while (history_.step()) {
    std::optional<Row> prev;
    if (!history_.is_null(7)) {
      prev = read_row(history_, 7);
    }
    rows.emplace_back(read_row(history_, 0), std::move(prev));
  }
  return rows;
}

#undef ROW_COLUMNS

}  // namespace skiff::store::sqlite

#include "sqlite_db.h"

#include "skiff/base/error.h"

namespace skiff::store::sqlite {

Connection::Connection(const std::string& path, bool create) : path_(path) {
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw Error("open SQLite database " + path + ": " + message);
  }
  // Writers serialise on the store's own mutex; readers never wait for a lock in WAL mode, but a
  // checkpoint or schema read can take a moment.
  sqlite3_busy_timeout(db_, 10000);
}

Connection::~Connection() {
  sqlite3_close_v2(db_);
}

void Connection::exec(const std::string& sql) {
  char* message = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    std::string text = message != nullptr ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    throw Error(sql + " (" + path_ + "): " + text);
  }
}

void Connection::fail(int rc, std::string_view what) const {
  throw Error(std::string(what) + " (" + path_ + "): " + sqlite3_errmsg(db_) + " [" + sqlite3_errstr(rc) + "]");
}

Statement::Statement(Connection& db, const char* sql) : db_(db), sql_(sql) {
  int rc = sqlite3_prepare_v3(db.get(), sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
  if (rc != SQLITE_OK) {
    db.fail(rc, std::string("prepare ") + sql);
  }
}

Statement::~Statement() {
  sqlite3_finalize(stmt_);
}

Statement& Statement::bind(int index, int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK) {
    db_.fail(rc, std::string("bind ") + sql_);
  }
  return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
  int rc = sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) {
    db_.fail(rc, std::string("bind ") + sql_);
  }
  return *this;
}

Statement& Statement::bind_blob(int index, std::string_view data) {
  int rc = sqlite3_bind_blob(stmt_, index, data.data(), static_cast<int>(data.size()), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) {
    db_.fail(rc, std::string("bind ") + sql_);
  }
  return *this;
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) {
    return true;
  }
  if (rc == SQLITE_DONE) {
    return false;
  }
  db_.fail(rc, sql_);
}

void Statement::run() {
  ResetGuard guard(*this);
  while (step()) {
  }
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int64_t Statement::int64(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

std::string Statement::text(int column) const {
  const void* data = sqlite3_column_blob(stmt_, column);
  int size = sqlite3_column_bytes(stmt_, column);
  return data != nullptr ? std::string(static_cast<const char*>(data), static_cast<size_t>(size)) : std::string();
}

bool Statement::is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

}  // namespace skiff::store::sqlite

#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace skiff::store::sqlite {

// One open SQLite connection, closed with the object.
class Connection {
 public:
  // Opens (creating when create is set) the database file at path.
  Connection(const std::string& path, bool create);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  [[nodiscard]] sqlite3* get() const { return db_; }
  [[nodiscard]] const std::string& path() const { return path_; }
  // Runs SQL without results (pragmas, schema, BEGIN and COMMIT).
  void exec(const std::string& sql);
  // Throws an Error "<what> (<path>): <sqlite message>" for the result code rc.
  [[noreturn]] void fail(int rc, std::string_view what) const;

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
};

// A prepared statement, reset after each use so it can be run again.
class Statement {
 public:
  Statement(Connection& db, const char* sql);
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Binds parameters by 1-based index.
  Statement& bind(int index, int64_t value);
  Statement& bind(int index, std::string_view text);
  Statement& bind_blob(int index, std::string_view data);
  // Steps once: true while a row is available, false when done.
  bool step();
  // Runs a statement without results to its end and resets it.
  void run();
  void reset();

  [[nodiscard]] int64_t int64(int column) const;
  [[nodiscard]] std::string text(int column) const;
  [[nodiscard]] bool is_null(int column) const;

 private:
  Connection& db_;
  sqlite3_stmt* stmt_ = nullptr;
  const char* sql_;
};

// Resets a statement when the scope that stepped it ends (an exception included).
class ResetGuard {
 public:
  explicit ResetGuard(Statement& stmt) : stmt_(stmt) {}
  ResetGuard(const ResetGuard&) = delete;
  ResetGuard& operator=(const ResetGuard&) = delete;
  ~ResetGuard() { stmt_.reset(); }

 private:
  Statement& stmt_;
};

}  // namespace skiff::store::sqlite

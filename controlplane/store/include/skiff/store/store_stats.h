#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace skiff::store {

struct StoreStats {
  // Keys that exist now (tombstones and history not counted).
  int64_t keys = 0;
  // The bytes the backend's database takes: SQLite's file and its WAL, etcd's dbSize.
  int64_t db_bytes = 0;
};

// Reads the size of the store an endpoint names (open_store's forms), for metrics: SQLite
// through a read-only connection of its own, etcd through its maintenance status and a
// count-only range.
class StoreStatsReader {
 public:
  explicit StoreStatsReader(const std::string& endpoint);
  StoreStatsReader(const StoreStatsReader&) = delete;
  StoreStatsReader& operator=(const StoreStatsReader&) = delete;
  ~StoreStatsReader();

  StoreStats read();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace skiff::store

#include "skiff/store/store_stats.h"

#include <sys/stat.h>

#include <optional>

#include "etcd_json.h"
#include "http_client.h"
#include "skiff/base/base64.h"
#include "skiff/base/error.h"
#include "skiff/base/json.h"
#include "skiff/store/store.h"
#include "sqlite_db.h"

namespace skiff::store {

namespace {

int64_t file_size(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : 0;
}

}  // namespace

struct StoreStatsReader::Impl {
  std::string sqlite_path;
  std::unique_ptr<HttpClient> etcd;

  StoreStats read_sqlite() const {
    // A connection per read: scrapes are rare and the writer's connection is not ours to share.
    sqlite::Connection db(sqlite_path, false);
    // Live keys: those whose newest row is not a tombstone.
    sqlite::Statement count(db,
                            "SELECT COUNT(*) FROM kv AS k WHERE k.deleted = 0 AND "
                            "k.id = (SELECT MAX(id) FROM kv WHERE name = k.name)");
    StoreStats stats;
    if (count.step()) {
      stats.keys = count.int64(0);
    }
    count.reset();
    stats.db_bytes = file_size(sqlite_path) + file_size(sqlite_path + "-wal");
    return stats;
  }

  StoreStats read_etcd() const {
    StoreStats stats;
    HttpResult status = etcd->post("/v3/maintenance/status", "{}");
    if (status.status != 200) {
      throw Error("etcd " + etcd->endpoint() + " /v3/maintenance/status: HTTP " + std::to_string(status.status));
    }
    stats.db_bytes =
        etcd::int_field(json::as_object(json::parse(status.body, "maintenance status"), "status"), "dbSize");
    // Every key: from "\0" to the end of the keyspace.
    boost::json::object range{{"key", base64_encode(std::string(1, '\0'))},
                              {"range_end", base64_encode(std::string(1, '\0'))},
                              {"count_only", true}};
    HttpResult counted = etcd->post("/v3/kv/range", boost::json::serialize(range));
    if (counted.status != 200) {
      throw Error("etcd " + etcd->endpoint() + " /v3/kv/range: HTTP " + std::to_string(counted.status));
    }
    stats.keys = etcd::int_field(json::as_object(json::parse(counted.body, "range count"), "range"), "count");
    return stats;
  }
};

StoreStatsReader::StoreStatsReader(const std::string& endpoint) : impl_(std::make_unique<Impl>()) {
  constexpr std::string_view kEtcd = "etcd://";
  constexpr std::string_view kSqlite = "sqlite://";
  if (endpoint.starts_with(kEtcd)) {
    std::string host_port = endpoint.substr(kEtcd.size());
    size_t colon = host_port.rfind(':');
    if (colon == std::string::npos) {
      throw Error("datastore endpoint " + endpoint + ": want etcd://host:port");
    }
    impl_->etcd = std::make_unique<HttpClient>(host_port.substr(0, colon), host_port.substr(colon + 1));
  } else {
    std::string dir = endpoint.starts_with(kSqlite) ? endpoint.substr(kSqlite.size()) : endpoint;
    impl_->sqlite_path = dir + "/state.db";
  }
}

StoreStatsReader::~StoreStatsReader() = default;

StoreStats StoreStatsReader::read() {
  return impl_->etcd ? impl_->read_etcd() : impl_->read_sqlite();
}

}  // namespace skiff::store

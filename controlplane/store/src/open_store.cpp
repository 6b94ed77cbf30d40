#include "etcd_store.h"
#include "skiff/store/store.h"
#include "sqlite_store.h"

namespace skiff::store {

std::unique_ptr<Store> open_store(const std::string& endpoint, const StoreOptions& options) {
  constexpr std::string_view kEtcd = "etcd://";
  constexpr std::string_view kSqlite = "sqlite://";
  if (endpoint.starts_with(kEtcd)) {
    return std::make_unique<EtcdStore>(endpoint.substr(kEtcd.size()), options);
  }
  std::string dir = endpoint.starts_with(kSqlite) ? endpoint.substr(kSqlite.size()) : endpoint;
  if (dir.empty() || dir.find("://") != std::string::npos) {
    throw Error("datastore endpoint " + endpoint + ": expected etcd://host:port, sqlite:///dir or a directory");
  }
  return std::make_unique<SqliteStore>(dir, options);
}

}  // namespace skiff::store

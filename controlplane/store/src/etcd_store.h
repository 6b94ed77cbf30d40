#pragma once

#include <atomic>
#include <boost/json.hpp>

#include "http_client.h"
#include "skiff/store/store.h"

namespace skiff::store {

// The store over a real etcd (3.4 and later) through its v3 JSON gateway: keys and values are
// base64 in JSON, creates and compare-and-swaps are transactions on a key's create and mod
// revisions, watches are /v3/watch streams. etcd keeps the log itself, so a revision here is
// etcd's, and several skiff-servers can share one etcd.
//
// etcd cannot drop single keys' history, so heartbeat keys are bounded by the periodic
// compact() (as in Kubernetes) rather than at each write. etcd does not report its
// compacted revision: compact_revision() is the newest compaction this process asked for.
class EtcdStore : public Store {
 public:
  // host_port: "host:port" of etcd's client URL.
  EtcdStore(const std::string& host_port, const StoreOptions& options);

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
  // POSTs body to path and returns the parsed response; maps etcd's errors to the store's
  // (revision is the one asked for, for a Compacted error).
  boost::json::object call(const std::string& path, const boost::json::object& body, int64_t revision = 0);
  // The key's current value from a failed transaction's range response, for NotFound or Conflict.
  [[noreturn]] void throw_mismatch(const boost::json::object& response, const std::string& key,
                                   int64_t expected_mod_revision);

  std::string host_;
  std::string port_;
  HttpClient http_;
  std::atomic<int64_t> compact_revision_{0};
};

}  // namespace skiff::store

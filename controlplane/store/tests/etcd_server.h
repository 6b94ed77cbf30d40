#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "test_support.h"

namespace skiff::store::testing {

// A real etcd on loopback with a data dir of its own, for the tests of the etcd backend. The
// constructor waits until it answers; the destructor stops it (SIGTERM, then waits for it) and
// removes its data dir.
class EtcdServer {
 public:
  EtcdServer();
  EtcdServer(const EtcdServer&) = delete;
  EtcdServer& operator=(const EtcdServer&) = delete;
  ~EtcdServer();

  // "etcd://127.0.0.1:<port>", the --datastore-endpoint form.
  [[nodiscard]] std::string endpoint() const;

 private:
  void stop();

  skiff::testing::TempDir dir_;
  uint16_t client_port_ = 0;
  pid_t pid_ = -1;
};

// The etcd the tests of this process share, started on first use and stopped when the tests end.
EtcdServer& shared_etcd();

}  // namespace skiff::store::testing

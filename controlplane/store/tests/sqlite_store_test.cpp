// What only the SQLite backend promises: heartbeat keys keep one row, state survives reopening
// and kill -9 of a writing process.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <random>
#include <thread>

#include "skiff/base/error.h"
#include "skiff/base/unique_fd.h"
#include "skiff/store/store.h"
#include "test_support.h"

namespace skiff::store {
namespace {

using namespace std::chrono_literals;

// The number of rows the kv table holds for keys starting with prefix, read with SQLite itself.
int64_t rows_under(const std::string& dir, const std::string& prefix) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2((dir + "/state.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM kv WHERE substr(name, 1, ?1) = ?2", -1, &stmt, nullptr),
            SQLITE_OK);
  sqlite3_bind_int(stmt, 1, static_cast<int>(prefix.size()));
  sqlite3_bind_blob(stmt, 2, prefix.data(), static_cast<int>(prefix.size()), SQLITE_TRANSIENT);
  EXPECT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  int64_t count = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return count;
}

TEST(SqliteStoreTest, HeartbeatKeysKeepOneRowWhileOtherKeysKeepHistory) {
  skiff::testing::TempDir dir("skiff-store-");
  auto store = open_store(dir.path());
  int64_t lease_revision = store->create("/registry/leases/kube-node-lease/node-1", "0");
  int64_t pod_revision = store->create("/registry/pods/default/p", "0");
  for (int i = 1; i <= 100; ++i) {
    lease_revision = store->update("/registry/leases/kube-node-lease/node-1", std::to_string(i), lease_revision);
    pod_revision = store->update("/registry/pods/default/p", std::to_string(i), pod_revision);
  }
  EXPECT_EQ(rows_under(dir.path(), "/registry/leases/"), 1);
  EXPECT_EQ(rows_under(dir.path(), "/registry/pods/"), 101);
  store->remove("/registry/leases/kube-node-lease/node-1");
  // The tombstone alone, until compaction removes it too.
  EXPECT_EQ(rows_under(dir.path(), "/registry/leases/"), 1);
  store->compact(store->current_revision());
  EXPECT_EQ(rows_under(dir.path(), "/registry/leases/"), 0);
  EXPECT_EQ(rows_under(dir.path(), "/registry/pods/"), 1);
}

TEST(SqliteStoreTest, ConfiguredHeartbeatPrefixes) {
  skiff::testing::TempDir dir("skiff-store-");
  StoreOptions options;
  options.heartbeat_prefixes = {"/registry/minions-status/"};
  auto store = open_store("sqlite://" + dir.path(), options);
  int64_t a = store->create("/registry/minions-status/n1", "0");
  int64_t b = store->create("/registry/leases/n1", "0");
  for (int i = 1; i <= 10; ++i) {
    a = store->update("/registry/minions-status/n1", std::to_string(i), a);
    b = store->update("/registry/leases/n1", std::to_string(i), b);
  }
  EXPECT_EQ(rows_under(dir.path(), "/registry/minions-status/"), 1);
  EXPECT_EQ(rows_under(dir.path(), "/registry/leases/"), 11);
}

TEST(SqliteStoreTest, ReopenKeepsKeysRevisionsCompactionAndLeases) {
  skiff::testing::TempDir dir("skiff-store-");
  int64_t revision = 0;
  int64_t compacted = 0;
  int64_t lease = 0;
  {
    auto store = open_store(dir.path());
    int64_t r1 = store->create("/a", "1");
    revision = store->update("/a", "2", r1);
    store->create("/b", "b");
    store->remove("/b");
    compacted = revision;
    store->compact(compacted);
    lease = store->grant_lease(600);
    store->create("/leased", "x", lease);
    revision = store->current_revision();
  }
  auto store = open_store("sqlite://" + dir.path());
  EXPECT_EQ(store->current_revision(), revision);
  EXPECT_EQ(store->get("/a")->value, "2");
  EXPECT_FALSE(store->get("/b"));
  EXPECT_EQ(store->compact_revision(), compacted);
  EXPECT_THROW(store->get("/a", compacted - 1), Compacted);
  // The log written before the reopen is history a new watch reads from the database.
  auto watch = store->watch("/leased", compacted);
  auto events = watch->next(std::chrono::seconds(5));
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0].kv.key, "/leased");
  EXPECT_EQ(events[0].revision(), revision);
  store->keep_alive(lease);
  EXPECT_GT(store->create("/c", "c"), revision);
  store->revoke_lease(lease);
  EXPECT_FALSE(store->get("/leased"));
}

// The child: writes keys from four threads and reports each acknowledged write ("<key> <revision>\n")
// on fd, until it is killed.
[[noreturn]] void write_until_killed(const std::string& dir, int fd, int round) {
  try {
    auto store = open_store(dir);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0;; ++i) {
          std::string key = "/crash/" + std::to_string(round) + "/" + std::to_string(t) + "/" + std::to_string(i);
          int64_t revision = store->create(key, "value-" + key);
          std::string line = key + " " + std::to_string(revision) + "\n";
          if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
            ::_exit(3);
          }
        }
      });
    }
    for (std::thread& thread : threads) {
      thread.join();
    }
  } catch (const std::exception& e) {
    if (::write(STDERR_FILENO, e.what(), std::strlen(e.what())) < 0) {
      ::_exit(4);
    }
  }
  ::_exit(2);
}

TEST(SqliteStoreTest, KillDuringWritesLosesNoAcknowledgedWrite) {
  skiff::testing::TempDir dir("skiff-store-");
  std::mt19937 random(std::random_device{}());
  std::map<std::string, int64_t> acknowledged;
  for (int round = 0; round < 4; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    UniqueFd read_end(fds[0]);
    UniqueFd write_end(fds[1]);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      write_until_killed(dir.path(), write_end.get(), round);
    }
    write_end.reset();
    // Kill it after a random number of acknowledged writes, at a random moment after that one.
    size_t kill_after = std::uniform_int_distribution<size_t>(20, 400)(random);
    std::string pending;
    size_t acks = 0;
    bool killed = false;
    char buf[4096];
    for (;;) {
      ssize_t n = ::read(read_end.get(), buf, sizeof(buf));
      if (n <= 0) {
        break;
      }
      pending.append(buf, static_cast<size_t>(n));
      for (size_t end = pending.find('\n'); end != std::string::npos; end = pending.find('\n')) {
        std::string line = pending.substr(0, end);
        pending.erase(0, end + 1);
        size_t space = line.find(' ');
        acknowledged[line.substr(0, space)] = std::stoll(line.substr(space + 1));
        ++acks;
      }
      if (!killed && acks >= kill_after) {
        std::this_thread::sleep_for(std::chrono::microseconds(std::uniform_int_distribution<int>(0, 3000)(random)));
        ::kill(pid, SIGKILL);
        killed = true;
      }
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "the writer ended by itself: " << status;

    auto store = open_store(dir.path());
    for (const auto& [key, revision] : acknowledged) {
      auto kv = store->get(key);
      ASSERT_TRUE(kv) << key << " at revision " << revision << " was acknowledged and is lost (round " << round << ")";
      EXPECT_EQ(kv->mod_revision, revision);
      EXPECT_EQ(kv->value, "value-" + key);
    }
  }
  EXPECT_GT(acknowledged.size(), 80U);
}

}  // namespace
}  // namespace skiff::store

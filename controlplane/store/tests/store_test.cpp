// The store's behaviour, run against both backends: SQLite (Sqlite/...) and a real etcd started
// on loopback (Etcd/...).

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "etcd_server.h"
#include "skiff/store/store.h"
#include "test_support.h"

namespace skiff::store {
namespace {

using namespace std::chrono_literals;

class StoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    StoreOptions options;
    options.lease_check_interval = 50ms;
    if (GetParam() == "etcd") {
      store_ = open_store(testing::shared_etcd().endpoint(), options);
    } else {
      dir_ = std::make_unique<skiff::testing::TempDir>("skiff-store-");
      store_ = open_store("sqlite://" + dir_->path(), options);
    }
    // The etcd is shared by the tests: each works under a prefix of its own.
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    prefix_ = "/test/" + std::string(info->name()) + "/" + skiff::testing::unique_id("") + "/";
  }

  [[nodiscard]] std::string key(const std::string& name) const { return prefix_ + name; }

  // Pulls events from watch until count have come (bounded: a hang guard, not a timing test).
  static std::vector<Event> collect(Watch& watch, size_t count) {
    std::vector<Event> events;
    auto deadline = std::chrono::steady_clock::now() + 60s;
    while (events.size() < count && std::chrono::steady_clock::now() < deadline) {
      for (Event& e : watch.next(200ms)) {
        events.push_back(std::move(e));
      }
    }
    return events;
  }

  std::unique_ptr<skiff::testing::TempDir> dir_;
  std::unique_ptr<Store> store_;
  std::string prefix_;
};

TEST_P(StoreTest, CreateGetUpdateDelete) {
  int64_t r1 = store_->create(key("a"), "v1");
  EXPECT_EQ(store_->current_revision(), r1);
  auto kv = store_->get(key("a"));
  ASSERT_TRUE(kv);
  EXPECT_EQ(*kv, (KeyValue{key("a"), "v1", r1, r1, 0}));
  EXPECT_THROW(store_->create(key("a"), "again"), AlreadyExists);

  int64_t r2 = store_->update(key("a"), "v2", r1);
  EXPECT_GT(r2, r1);
  EXPECT_EQ(*store_->get(key("a")), (KeyValue{key("a"), "v2", r1, r2, 0}));
  try {
    store_->update(key("a"), "stale", r1);
    FAIL() << "a stale compare-and-swap succeeded";
  } catch (const Conflict& e) {
    EXPECT_EQ(e.current_revision(), r2);
  }
  EXPECT_THROW(store_->update(key("missing"), "x", r1), NotFound);
  EXPECT_THROW(store_->update(key("missing"), "x", 0), NotFound);
  EXPECT_THROW(store_->remove(key("a"), r1), Conflict);

  int64_t r3 = store_->remove(key("a"), r2);
  EXPECT_GT(r3, r2);
  EXPECT_FALSE(store_->get(key("a")));
  EXPECT_THROW(store_->remove(key("a")), NotFound);
  // The tombstone keeps the past readable.
  EXPECT_EQ(store_->get(key("a"), r2)->value, "v2");
  EXPECT_EQ(store_->get(key("a"), r1)->value, "v1");
  EXPECT_FALSE(store_->get(key("a"), r3));

  int64_t r4 = store_->create(key("a"), "reborn");
  EXPECT_EQ(*store_->get(key("a")), (KeyValue{key("a"), "reborn", r4, r4, 0}));
  EXPECT_GT(store_->remove(key("a")), r4);

  // Bytes, not text: a value with NUL and high bytes survives.
  std::string binary("\0\xff\x01z", 4);
  int64_t r5 = store_->create(key("bin"), binary);
  EXPECT_EQ(store_->get(key("bin"))->value, binary);
  EXPECT_EQ(store_->get(key("bin"))->mod_revision, r5);
}

TEST_P(StoreTest, ListByPrefixAtOlderRevision) {
  int64_t ra = store_->create(key("dir/a"), "a1");
  store_->create(key("dir/b"), "b1");
  store_->create(key("dir/c"), "c1");
  store_->create(key("dirx"), "outside");
  ListResult before = store_->list(key("dir/"));
  EXPECT_EQ(before.revision, store_->current_revision());
  ASSERT_EQ(before.items.size(), 3U);

  store_->update(key("dir/a"), "a2", ra);
  store_->remove(key("dir/b"));
  store_->create(key("dir/d"), "d1");

  ListResult old = store_->list(key("dir/"), before.revision);
  EXPECT_EQ(old.revision, before.revision);
  EXPECT_FALSE(old.more);
  std::vector<std::pair<std::string, std::string>> got;
  for (const KeyValue& kv : old.items) {
    got.emplace_back(kv.key, kv.value);
  }
  EXPECT_EQ(got, (std::vector<std::pair<std::string, std::string>>{
                     {key("dir/a"), "a1"}, {key("dir/b"), "b1"}, {key("dir/c"), "c1"}}));

  ListResult now = store_->list(key("dir/"));
  got.clear();
  for (const KeyValue& kv : now.items) {
    got.emplace_back(kv.key, kv.value);
  }
  EXPECT_EQ(got, (std::vector<std::pair<std::string, std::string>>{
                     {key("dir/a"), "a2"}, {key("dir/c"), "c1"}, {key("dir/d"), "d1"}}));
  EXPECT_EQ(now.revision, store_->current_revision());
}

TEST_P(StoreTest, PaginationWithLimitAndContinue) {
  std::vector<std::string> keys;
  for (int i = 0; i < 25; ++i) {
    char name[16];
    std::snprintf(name, sizeof(name), "p/%02d", i);
    keys.push_back(key(name));
    store_->create(keys.back(), std::to_string(i));
  }
  std::vector<std::string> seen;
  std::vector<bool> more;
  ListResult page = store_->list(key("p/"), 0, 10);
  int64_t revision = page.revision;
  for (;;) {
    for (const KeyValue& kv : page.items) {
      seen.push_back(kv.key);
    }
    more.push_back(page.more);
    if (!page.more) {
      break;
    }
    // A write between pages is not part of a list read at the first page's revision.
    store_->create(key("p/" + std::to_string(seen.size()) + "-late"), "late");
    page = store_->list(key("p/"), revision, 10, seen.back());
    EXPECT_EQ(page.revision, revision);
  }
  EXPECT_EQ(seen, keys);
  EXPECT_EQ(more, (std::vector<bool>{true, true, false}));
}

TEST_P(StoreTest, WatchFromRevisionInOrderWithoutGapsWhileWritersRun) {
  int64_t start = store_->current_revision();
  constexpr int kWriters = 4;
  constexpr int kWrites = 60;
  std::mutex mutex;
  std::map<int64_t, std::string> written;  // revision -> key, of every write under the prefix
  std::atomic<int> started{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < kWriters; ++t) {
    writers.emplace_back([&, t] {
      started++;
      std::string k = key("w/" + std::to_string(t));
      int64_t revision = 0;
      for (int i = 0; i < kWrites; ++i) {
        int64_t r = 0;
        if (revision == 0) {
          r = revision = store_->create(k, std::to_string(i));
        } else if (i % 10 == 9) {
          r = store_->remove(k, revision);
          revision = 0;
        } else {
          r = revision = store_->update(k, std::to_string(i), revision);
        }
        // Noise outside the prefix must not show up.
        store_->create(key("other/" + std::to_string(t) + "/" + std::to_string(i)), "x");
        std::lock_guard lock(mutex);
        written[r] = k;
      }
    });
  }
  while (started < kWriters) {
    std::this_thread::yield();
  }
  // Part of the log is history by now, the rest arrives live.
  auto watch = store_->watch(key("w/"), start);
  for (std::thread& writer : writers) {
    writer.join();
  }
  std::vector<Event> events = collect(*watch, written.size());
  ASSERT_EQ(events.size(), written.size());
  auto expected = written.begin();
  for (const Event& event : events) {
    EXPECT_EQ(event.revision(), expected->first);
    EXPECT_EQ(event.kv.key, expected->second);
    ++expected;
  }
  EXPECT_TRUE(watch->next(50ms).empty());
}

TEST_P(StoreTest, WatchEventsCarryTypesAndPreviousValues) {
  int64_t start = store_->current_revision();
  int64_t r1 = store_->create(key("e"), "one");
  int64_t r2 = store_->update(key("e"), "two", r1);
  int64_t r3 = store_->remove(key("e"));
  auto watch = store_->watch(key("e"), start);
  std::vector<Event> events = collect(*watch, 3);
  ASSERT_EQ(events.size(), 3U);
  EXPECT_EQ(events[0].type, Event::Type::put);
  EXPECT_EQ(events[0].kv, (KeyValue{key("e"), "one", r1, r1, 0}));
  EXPECT_EQ(events[1].type, Event::Type::put);
  EXPECT_EQ(events[1].kv, (KeyValue{key("e"), "two", r1, r2, 0}));
  ASSERT_TRUE(events[1].prev);
  EXPECT_EQ(events[1].prev->value, "one");
  EXPECT_EQ(events[2].type, Event::Type::del);
  EXPECT_EQ(events[2].kv.key, key("e"));
  EXPECT_EQ(events[2].revision(), r3);
  ASSERT_TRUE(events[2].prev);
  EXPECT_EQ(events[2].prev->value, "two");
  EXPECT_EQ(events[2].prev->mod_revision, r2);

  // Live events after the history.
  int64_t r4 = store_->create(key("e"), "three");
  events = collect(*watch, 1);
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0].kv, (KeyValue{key("e"), "three", r4, r4, 0}));
}

TEST_P(StoreTest, CompactedRevisionsAreRefused) {
  int64_t r1 = store_->create(key("c"), "1");
  int64_t r2 = store_->update(key("c"), "2", r1);
  int64_t r3 = store_->update(key("c"), "3", r2);
  store_->create(key("d"), "d");
  store_->compact(r3);
  EXPECT_GE(store_->compact_revision(), r3);
  EXPECT_THROW(store_->get(key("c"), r1), Compacted);
  EXPECT_THROW(store_->list(key(""), r2), Compacted);
  auto old_watch = store_->watch(key(""), r1);
  EXPECT_THROW(collect(*old_watch, 1), Compacted);

  // At and after the compacted revision everything is still there.
  EXPECT_EQ(store_->get(key("c"), r3)->value, "3");
  EXPECT_EQ(store_->list(key("")).items.size(), 2U);
  auto watch = store_->watch(key(""), r3);
  std::vector<Event> events = collect(*watch, 1);
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0].kv.key, key("d"));
  // Compacting to an older revision again changes nothing.
  store_->compact(r2);
  EXPECT_GE(store_->compact_revision(), r3);
}

TEST_P(StoreTest, CompactionWhileWritersRun) {
  constexpr int kWriters = 3;
  constexpr int kWrites = 150;
  std::atomic<int> finished{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < kWriters; ++t) {
    writers.emplace_back([&, t] {
      std::string k = key("cw/" + std::to_string(t));
      int64_t revision = store_->create(k, "0");
      for (int i = 1; i < kWrites; ++i) {
        revision = store_->update(k, std::to_string(i), revision);
      }
      finished++;
    });
  }
  int64_t compacted = 0;
  while (finished < kWriters) {
    int64_t revision = store_->current_revision();
    store_->compact(revision);
    compacted = revision;
  }
  for (std::thread& writer : writers) {
    writer.join();
  }
  EXPECT_GE(store_->compact_revision(), compacted);
  ListResult result = store_->list(key("cw/"));
  ASSERT_EQ(result.items.size(), static_cast<size_t>(kWriters));
  for (const KeyValue& kv : result.items) {
    EXPECT_EQ(kv.value, std::to_string(kWrites - 1));
  }
}

TEST_P(StoreTest, LeaseExpiryDeletesItsKeys) {
  int64_t lease = store_->grant_lease(1);
  store_->create(key("l/a"), "a", lease);
  store_->create(key("l/b"), "b", lease);
  int64_t kept = store_->create(key("l/kept"), "kept");
  EXPECT_EQ(store_->get(key("l/b"))->lease, lease);
  store_->keep_alive(lease);
  auto watch = store_->watch(key("l/"), kept);
  // The lease runs out (etcd's shortest TTL is a few seconds) and takes its keys with it.
  std::vector<Event> events = collect(*watch, 2);
  ASSERT_EQ(events.size(), 2U);
  std::set<std::string> deleted;
  for (const Event& event : events) {
    EXPECT_EQ(event.type, Event::Type::del);
    deleted.insert(event.kv.key);
  }
  EXPECT_EQ(deleted, (std::set<std::string>{key("l/a"), key("l/b")}));
  EXPECT_FALSE(store_->get(key("l/a")));
  EXPECT_TRUE(store_->get(key("l/kept")));
  EXPECT_THROW(store_->keep_alive(lease), NotFound);
}

TEST_P(StoreTest, RevokeDeletesItsKeys) {
  int64_t lease = store_->grant_lease(600);
  int64_t other = store_->grant_lease(600);
  store_->create(key("r/a"), "a", lease);
  int64_t rb = store_->create(key("r/b"), "b", other);
  // Moved to the other lease by an update: no longer the first lease's.
  store_->create(key("r/moved"), "m", lease);
  store_->update(key("r/moved"), "m2", store_->get(key("r/moved"))->mod_revision, other);
  store_->revoke_lease(lease);
  EXPECT_FALSE(store_->get(key("r/a")));
  EXPECT_TRUE(store_->get(key("r/moved")));
  EXPECT_EQ(store_->get(key("r/b"))->mod_revision, rb);
  EXPECT_THROW(store_->revoke_lease(lease), NotFound);
  EXPECT_THROW(store_->keep_alive(lease), NotFound);
  EXPECT_THROW(store_->create(key("r/c"), "c", lease), NotFound);
  store_->revoke_lease(other);
  EXPECT_TRUE(store_->list(key("r/")).items.empty());
}

TEST_P(StoreTest, HeartbeatKeysStayCorrect) {
  // A heartbeat key reads, updates and watches like any other; only its history is not kept.
  std::string lease_key = "/registry/leases/" + prefix_ + "node";
  int64_t start = store_->current_revision();
  auto watch = store_->watch("/registry/leases/" + prefix_, start);
  int64_t revision = store_->create(lease_key, "0");
  for (int i = 1; i <= 50; ++i) {
    revision = store_->update(lease_key, std::to_string(i), revision);
  }
  EXPECT_EQ(store_->get(lease_key)->value, "50");
  EXPECT_EQ(store_->get(lease_key)->mod_revision, revision);
  std::vector<Event> events = collect(*watch, 51);
  ASSERT_EQ(events.size(), 51U);
  EXPECT_EQ(events.back().kv.value, "50");
  store_->remove(lease_key, revision);
  EXPECT_FALSE(store_->get(lease_key));
}

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreTest, ::testing::Values("sqlite"));
INSTANTIATE_TEST_SUITE_P(Etcd, StoreTest, ::testing::Values("etcd"));

}  // namespace
}  // namespace skiff::store

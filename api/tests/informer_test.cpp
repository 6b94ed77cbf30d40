#include "skiff/api/informer.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <functional>
#include <set>
#include <thread>

#include "api_test_support.h"
#include "etcd_server.h"
#include "skiff/base/json.h"
#include "skiff/store/store.h"

namespace skiff::api {
namespace {

using apiserver::testing::ServerProcess;
using testing::config_map;
using testing::configmaps_resource;
using testing::name_of;
using testing::version_of;

// What an informer delivered, for the test thread to wait on.
class Recorder {
 public:
  InformerHandlers handlers() {
    return InformerHandlers{.on_event =
                                [this](const WatchEvent& event) {
                                  if (event.type == WatchEvent::Type::bookmark) {
                                    return;
                                  }
                                  std::lock_guard lock(mutex_);
                                  events_.push_back(std::string(to_string(event.type)) + " " + name_of(event.object) +
                                                    " " + std::string(event.object.at("data").at("value").as_string()));
                                  versions_.push_back(version_of(event.object));
                                  changed_.notify_all();
                                },
                            .on_relist =
                                [this](RelistReason reason, const std::string& /*version*/) {
                                  std::lock_guard lock(mutex_);
                                  relists_.push_back(reason);
                                  changed_.notify_all();
                                },
                            .on_error =
                                [this](const std::string& /*error*/) {
                                  std::lock_guard lock(mutex_);
                                  ++errors_;
                                  changed_.notify_all();
                                }};
  }

  // Waits (bounded) until count events arrived; all of them.
  std::vector<std::string> wait_for_events(size_t count) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, std::chrono::seconds(60), [&] { return events_.size() >= count; });
    return events_;
  }
  void wait_for_error() {
    std::unique_lock lock(mutex_);
    size_t before = errors_;
    changed_.wait_for(lock, std::chrono::seconds(60), [&] { return errors_ > before; });
  }
  std::vector<std::string> versions() {
    std::lock_guard lock(mutex_);
    return versions_;
  }
  std::vector<RelistReason> relists() {
    std::lock_guard lock(mutex_);
    return relists_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> events_;
  std::vector<std::string> versions_;
  std::vector<RelistReason> relists_;
  size_t errors_ = 0;
};

// An informer on its own thread, stopped and joined when the object goes.
class RunningInformer {
 public:
  RunningInformer(ApiClient& client, const std::string& ns, Recorder& recorder)
      : informer_(client, configmaps_resource, ns, recorder.handlers()), thread_([this] { informer_.run(); }) {}
  RunningInformer(const RunningInformer&) = delete;
  RunningInformer& operator=(const RunningInformer&) = delete;
  ~RunningInformer() {
    informer_.stop();
    thread_.join();
  }

 private:
  Informer informer_;
  std::thread thread_;
};

// The server's own store, opened by the test while the server is down: writes made there are
// changes the informer's watch cannot have seen.
struct StoredConfigMaps {
  std::unique_ptr<store::Store> store;
  std::string prefix;

  StoredConfigMaps(const std::string& endpoint, const std::string& ns)
      : store(store::open_store(endpoint)), prefix("/registry/configmaps/" + ns + "/") {}

  // A stored ConfigMap's document with a new name and value.
  void put(const std::string& name, const std::string& value) {
    store::ListResult all = store->list(prefix);
    boost::json::value document = json::parse(all.items.at(0).value, "stored configmap");
    document.as_object()["metadata"].as_object()["name"] = name;
    document.as_object()["metadata"].as_object()["uid"] = "uid-" + name;
    document.as_object()["data"] = {{"value", value}};
    std::optional<store::KeyValue> current = store->get(prefix + name);
    if (current) {
      store->update(prefix + name, boost::json::serialize(document), current->mod_revision);
    } else {
      store->create(prefix + name, boost::json::serialize(document));
    }
  }
  void remove(const std::string& name) { store->remove(prefix + name); }
};

// The server on SQLite (in its data dir) or on a real etcd.
class InformerTest : public ::testing::TestWithParam<std::string> {
 protected:
  InformerTest()
      : server_(GetParam() == "etcd"
                    ? std::vector<std::string>{"--datastore-endpoint", store::testing::shared_etcd().endpoint()}
                    : std::vector<std::string>{}) {
    server_.start();
  }

  [[nodiscard]] std::string store_endpoint() const {
    return GetParam() == "etcd" ? store::testing::shared_etcd().endpoint() : server_.data_dir();
  }

  // A namespace of the test's own (the etcd is shared by the tests).
  std::string make_namespace(ApiClient& client) {
    std::string name = GetParam() + "-" + std::to_string(++namespace_count);
    client.create(testing::namespaces_resource, "", testing::namespace_object(name));
    return name;
  }

  // kill -9 of the server; once the informer has noticed, change runs on the server's store;
  // then the server starts again.
  void while_server_is_down(Recorder& recorder, const std::string& ns,
                            const std::function<void(StoredConfigMaps&)>& change) {
    server_.kill9();
    recorder.wait_for_error();
    {
      StoredConfigMaps stored(store_endpoint(), ns);
      change(stored);
    }
    server_.start();
  }

  ServerProcess server_;
  static inline int namespace_count = 0;
};

TEST_P(InformerTest, ListsThenWatches) {
  ApiClient client = testing::admin_client(server_);
  std::string ns = make_namespace(client);
  client.create(configmaps_resource, ns, config_map("a", "1"));
  client.create(configmaps_resource, ns, config_map("b", "1"));
  Recorder recorder;
  RunningInformer informer(client, ns, recorder);
  EXPECT_EQ(recorder.wait_for_events(2), (std::vector<std::string>{"ADDED a 1", "ADDED b 1"}));
  client.patch(configmaps_resource, ns, "a", PatchType::merge, boost::json::parse(R"({"data":{"value":"2"}})"));
  client.remove(configmaps_resource, ns, "b");
  client.create(configmaps_resource, ns, config_map("c", "1"));
  EXPECT_EQ(recorder.wait_for_events(5),
            (std::vector<std::string>{"ADDED a 1", "ADDED b 1", "MODIFIED a 2", "DELETED b 1", "ADDED c 1"}));
  EXPECT_EQ(recorder.relists(), std::vector<RelistReason>{RelistReason::initial});
}

// kill -9 of the server under a running informer; changes made while it is down and after it
// is back all arrive, once each, without a relist.
TEST_P(InformerTest, ResumesAfterTheServerIsKilledAndRestarted) {
  ApiClient client = testing::admin_client(server_);
  std::string ns = make_namespace(client);
  Recorder recorder;
  RunningInformer informer(client, ns, recorder);
  for (int i = 0; i < 5; ++i) {
    client.create(configmaps_resource, ns, config_map("before-" + std::to_string(i), "1"));
  }
  ASSERT_EQ(recorder.wait_for_events(5).size(), 5U);

  while_server_is_down(recorder, ns, [](StoredConfigMaps& stored) {
    stored.put("before-0", "2");
    stored.remove("before-1");
    stored.put("while-down", "1");
  });
  client.create(configmaps_resource, ns, config_map("after", "1"));

  std::vector<std::string> events = recorder.wait_for_events(9);
  EXPECT_EQ(
      std::vector<std::string>(events.begin() + 5, events.end()),
      (std::vector<std::string>{"MODIFIED before-0 2", "DELETED before-1 1", "ADDED while-down 1", "ADDED after 1"}));
  std::vector<std::string> versions = recorder.versions();
  EXPECT_EQ(std::set<std::string>(versions.begin(), versions.end()).size(), versions.size()) << "an event came twice";
  EXPECT_EQ(recorder.relists(), std::vector<RelistReason>{RelistReason::initial});
}

// The version the informer would resume from is compacted while the server is down: the watch
// is refused with 410 Gone, the informer lists again, reports it and delivers the difference.
TEST_P(InformerTest, RelistsWhenItsVersionWasCompacted) {
  ApiClient client = testing::admin_client(server_);
  std::string ns = make_namespace(client);
  client.create(configmaps_resource, ns, config_map("kept", "1"));
  client.create(configmaps_resource, ns, config_map("changed", "1"));
  client.create(configmaps_resource, ns, config_map("removed", "1"));
  Recorder recorder;
  RunningInformer informer(client, ns, recorder);
  ASSERT_EQ(recorder.wait_for_events(3).size(), 3U);

  while_server_is_down(recorder, ns, [](StoredConfigMaps& stored) {
    stored.put("changed", "2");
    stored.remove("removed");
    stored.put("added", "1");
    stored.store->compact(stored.store->current_revision());
  });

  std::vector<std::string> events = recorder.wait_for_events(6);
  EXPECT_EQ(std::vector<std::string>(events.begin() + 3, events.end()),
            (std::vector<std::string>{"ADDED added 1", "MODIFIED changed 2", "DELETED removed 1"}));
  EXPECT_EQ(recorder.relists(), (std::vector<RelistReason>{RelistReason::initial, RelistReason::gone}));
  client.create(configmaps_resource, ns, config_map("later", "1"));
  EXPECT_EQ(recorder.wait_for_events(7).back(), "ADDED later 1");
}

INSTANTIATE_TEST_SUITE_P(Stores, InformerTest, ::testing::Values("sqlite", "etcd"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace skiff::api

// skiff-server's operational behaviour through its API: secrets encrypted at rest (SQLite and
// etcd), /metrics, kill -9 in the middle of a stream of creates, and bad or hostile clients.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <iostream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "etcd_server.h"
#include "server_process.h"
#include "skiff/base/base64.h"
#include "skiff/base/file.h"
#include "skiff/base/subprocess.h"
#include "skiff/base/unique_fd.h"

namespace {

using skiff::apiserver::testing::BackgroundProcess;
using skiff::apiserver::testing::HttpReply;
using skiff::apiserver::testing::ServerProcess;

const std::string kPlaintext = "correct-horse-battery-staple-7f3a";

std::string secret_json(const std::string& name) {
  return R"({"apiVersion":"v1","kind":"Secret","metadata":{"name":")" + name + R"("},"data":{"password":")" +
         skiff::base64_encode(kPlaintext) + R"("}})";
}

std::string configmap_json(const std::string& name, size_t payload = 0) {
  return R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":")" + name + R"("},"data":{"payload":")" +
         std::string(payload, 'x') + R"("}})";
}

// Every byte the SQLite store keeps on disk: the database, its WAL and shared memory.
std::string raw_sqlite_bytes(const std::string& data_dir) {
  std::string raw;
  for (const char* file : {"/state.db", "/state.db-wal", "/state.db-shm"}) {
    if (skiff::path_exists(data_dir + file)) {
      raw += skiff::read_file(data_dir + file);
    }
  }
  return raw;
}

// The complete lines of a watch's output file, as JSON events.
std::vector<boost::json::object> watch_events(const std::string& path) {
  std::vector<boost::json::object> events;
  std::string text = skiff::path_exists(path) ? skiff::read_file(path) : "";
  std::istringstream in(text.substr(0, text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1));
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) {
      events.push_back(boost::json::parse(line).as_object());
    }
  }
  return events;
}

std::string metadata_field(const boost::json::object& object, const char* field) {
  return std::string(object.at("metadata").at(field).as_string());
}

int64_t metric(const std::string& text, const std::string& series) {
  size_t at = text.find("\n" + series + " ");
  if (at == std::string::npos) {
    return -1;
  }
  return std::stoll(text.substr(at + series.size() + 2));
}

// Polls (bounded) until done() holds.
template <class F>
bool eventually(F done) {
  for (int attempt = 0; attempt < 600; ++attempt) {
    if (done()) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

}  // namespace

TEST(SecretEncryption, SqliteFileNeverHoldsThePlaintext) {
  ServerProcess server;
  server.start();
  ASSERT_EQ(server.request("POST", "/api/v1/namespaces/default/secrets", secret_json("db-password")).code, 201);
  std::string yaml = server.kubectl({"get", "secret", "db-password", "-o", "yaml"});
  EXPECT_NE(yaml.find("password: " + skiff::base64_encode(kPlaintext)), std::string::npos) << yaml;
  std::string raw = raw_sqlite_bytes(server.data_dir());
  EXPECT_EQ(raw.find(kPlaintext), std::string::npos);
  EXPECT_EQ(raw.find(skiff::base64_encode(kPlaintext)), std::string::npos);
  EXPECT_NE(raw.find("k8s:enc:aesgcm:v1:key1:"), std::string::npos);

  // Rotation with the server stopped: a new first key, every secret sealed with it, still readable.
  ASSERT_EQ(server.stop(), 0);
  skiff::SubprocessResult rotated =
      skiff::run_subprocess({.args = {std::getenv("SKIFF_SERVER") ? std::getenv("SKIFF_SERVER") : "skiff-server",
                                      "--data-dir", server.data_dir(), "--rotate-encryption-key"}});
  ASSERT_TRUE(rotated.ok()) << rotated.err;
  server.start();
  EXPECT_NE(server.kubectl({"get", "secret", "db-password", "-o", "yaml"}).find(skiff::base64_encode(kPlaintext)),
            std::string::npos);
  auto secret = boost::json::parse(server.request("GET", "/api/v1/namespaces/default/secrets/db-password").body);
  EXPECT_EQ(secret.at("data").at("password").as_string(), skiff::base64_encode(kPlaintext));
  raw = raw_sqlite_bytes(server.data_dir());
  EXPECT_NE(raw.find("k8s:enc:aesgcm:v1:key2:"), std::string::npos);
  EXPECT_EQ(raw.find(kPlaintext), std::string::npos);
  EXPECT_EQ(raw.find(skiff::base64_encode(kPlaintext)), std::string::npos);
  // A running server holds the data dir: a rotation now would seal with a key it does not know.
  skiff::SubprocessResult refused =
      skiff::run_subprocess({.args = {std::getenv("SKIFF_SERVER") ? std::getenv("SKIFF_SERVER") : "skiff-server",
                                      "--data-dir", server.data_dir(), "--rotate-encryption-key"}});
  EXPECT_FALSE(refused.ok());
  EXPECT_NE(refused.err.find("another skiff-server"), std::string::npos) << refused.err;
}

TEST(SecretEncryption, EtcdValueIsSealed) {
  skiff::store::testing::EtcdServer etcd;
  ServerProcess server({"--datastore-endpoint", etcd.endpoint()});
  server.start();
  ASSERT_EQ(server.request("POST", "/api/v1/namespaces/default/secrets", secret_json("api-key")).code, 201);
  EXPECT_NE(server.kubectl({"get", "secret", "api-key", "-o", "yaml"}).find(skiff::base64_encode(kPlaintext)),
            std::string::npos);
  // The raw value, straight from etcd's gateway.
  std::string gateway = "http://" + etcd.endpoint().substr(std::string("etcd://").size()) + "/v3/kv/range";
  skiff::SubprocessResult range = skiff::run_subprocess(
      {.args = {"curl", "-sS", "-X", "POST", gateway, "-d",
                R"({"key":")" + skiff::base64_encode("/registry/secrets/default/api-key") + R"("})"}});
  ASSERT_TRUE(range.ok()) << range.err;
  auto kvs = boost::json::parse(range.out).at("kvs").as_array();
  ASSERT_EQ(kvs.size(), 1u);
  std::string value = skiff::base64_decode(kvs[0].at("value").as_string(), "etcd value");
  EXPECT_TRUE(value.starts_with("k8s:enc:aesgcm:v1:key1:")) << value.substr(0, 40);
  EXPECT_EQ(value.find(kPlaintext), std::string::npos);
  EXPECT_EQ(value.find(skiff::base64_encode(kPlaintext)), std::string::npos);
  std::string metrics = server.request("GET", "/metrics").body;
  EXPECT_GT(metric(metrics, "apiserver_storage_db_total_size_in_bytes"), 0) << metrics;
  EXPECT_GT(metric(metrics, "apiserver_storage_keys"), 4);
}

TEST(Metrics, CountsRequestsWatchesAndTheStore) {
  ServerProcess server;
  server.start();
  EXPECT_EQ(server.request_with_token("", "GET", "/metrics").code, 401);
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(
        server.request("POST", "/api/v1/namespaces/default/configmaps", configmap_json("m" + std::to_string(i))).code,
        201);
  }
  EXPECT_EQ(server.request("POST", "/api/v1/namespaces/default/configmaps", configmap_json("m0")).code, 409);
  EXPECT_EQ(server.request("GET", "/api/v1/namespaces/default/configmaps/m1").code, 200);
  EXPECT_EQ(server.request("GET", "/api/v1/namespaces/default/configmaps").code, 200);
  skiff::testing::TempDir out("skiff-metrics-watch-");
  BackgroundProcess watch(server.stream_args("/api/v1/namespaces/default/configmaps?watch=true"),
                          out.path() + "/watch");
  std::string text;
  ASSERT_TRUE(eventually([&] {
    text = server.request("GET", "/metrics").body;
    return metric(text, "apiserver_longrunning_requests{verb=\"WATCH\"}") == 1;
  })) << text;
  const std::string cm = R"(group="",version="v1",resource="configmaps",subresource="")";
  EXPECT_EQ(metric(text, "apiserver_request_total{verb=\"CREATE\"," + cm + ",code=\"201\"}"), 3) << text;
  EXPECT_EQ(metric(text, "apiserver_request_total{verb=\"CREATE\"," + cm + ",code=\"409\"}"), 1);
  EXPECT_EQ(metric(text, "apiserver_request_total{verb=\"GET\"," + cm + ",code=\"200\"}"), 1);
  EXPECT_EQ(metric(text, "apiserver_request_total{verb=\"LIST\"," + cm + ",code=\"200\"}"), 1);
  EXPECT_EQ(metric(text, "apiserver_request_total{verb=\"WATCH\"," + cm + ",code=\"200\"}"), 1);
  EXPECT_EQ(metric(text, "apiserver_request_duration_seconds_count{verb=\"CREATE\"," + cm + "}"), 4);
  EXPECT_EQ(metric(text, "apiserver_request_duration_seconds_bucket{verb=\"CREATE\"," + cm + ",le=\"+Inf\"}"), 4);
  // 4 namespaces, the leader Lease, 3 configmaps.
  EXPECT_EQ(metric(text, "apiserver_storage_keys"), 8);
  EXPECT_GT(metric(text, "apiserver_storage_revision"), 6);
  EXPECT_GT(metric(text, "apiserver_storage_db_total_size_in_bytes"), 0);
}

TEST(CrashSafety, AcknowledgedCreatesAndWatchesSurviveKill9) {
  ServerProcess server;
  server.start();
  auto list = boost::json::parse(server.request("GET", "/api/v1/namespaces/default/configmaps").body);
  std::string start_revision = std::string(list.at("metadata").at("resourceVersion").as_string());
  skiff::testing::TempDir out("skiff-crash-watch-");
  auto before = std::make_unique<BackgroundProcess>(
      server.stream_args("/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=" + start_revision),
      out.path() + "/before");

  // Creates from four clients until the server dies under them.
  std::mutex mutex;
  std::set<std::string> acknowledged;
  std::atomic<bool> server_gone = false;
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; !server_gone; ++i) {
        std::string name = "c" + std::to_string(c) + "-" + std::to_string(i);
        if (server.request("POST", "/api/v1/namespaces/default/configmaps", configmap_json(name, 200)).code == 201) {
          std::lock_guard lock(mutex);
          acknowledged.insert(name);
        }
      }
    });
  }
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(mutex);
    return acknowledged.size() >= 60;
  }));
  server.kill9();
  server_gone = true;
  for (std::thread& t : clients) {
    t.join();
  }
  ASSERT_TRUE(eventually([&] { return before->exited(); }));
  std::vector<boost::json::object> seen = watch_events(out.path() + "/before");
  ASSERT_FALSE(seen.empty());

  server.start();
  auto after_list = boost::json::parse(server.request("GET", "/api/v1/namespaces/default/configmaps").body);
  std::set<std::string> present;
  for (const auto& item : after_list.at("items").as_array()) {
    present.insert(metadata_field(item.as_object(), "name"));
  }
  for (const std::string& name : acknowledged) {
    EXPECT_TRUE(present.count(name)) << name << " was acknowledged but is gone";
  }
  // The watch again from the last resourceVersion it saw, until it has caught up with the list.
  std::string last = metadata_field(seen.back().at("object").as_object(), "resourceVersion");
  BackgroundProcess after(
      server.stream_args("/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=" + last),
      out.path() + "/after");
  std::string list_revision = std::string(after_list.at("metadata").at("resourceVersion").as_string());
  std::vector<boost::json::object> resumed;
  ASSERT_TRUE(eventually([&] {
    resumed = watch_events(out.path() + "/after");
    return seen.size() + resumed.size() >= present.size();
  })) << "the resumed watch saw "
      << resumed.size() << " of " << present.size() - seen.size();
  std::set<std::string> watched;
  int64_t previous = std::stoll(start_revision);
  for (const auto* events : {&seen, &resumed}) {
    for (const auto& event : *events) {
      EXPECT_EQ(event.at("type").as_string(), "ADDED");
      const auto& object = event.at("object").as_object();
      int64_t revision = std::stoll(metadata_field(object, "resourceVersion"));
      EXPECT_GT(revision, previous) << "events out of order or repeated";
      previous = revision;
      watched.insert(metadata_field(object, "name"));
    }
  }
  EXPECT_EQ(watched, present);
  EXPECT_LE(previous, std::stoll(list_revision));
}

TEST(BadInput, WrongKindOrVersionBodyTooLargeAndTokens) {
  ServerProcess server;
  server.start();
  HttpReply wrong_kind = server.request("POST", "/api/v1/namespaces/default/configmaps",
                                        R"({"apiVersion":"v1","kind":"Secret","metadata":{"name":"x"}})");
  EXPECT_EQ(wrong_kind.code, 400) << wrong_kind.body;
  HttpReply wrong_version = server.request("POST", "/api/v1/namespaces/default/configmaps",
                                           R"({"apiVersion":"apps/v1","kind":"ConfigMap","metadata":{"name":"x"}})");
  EXPECT_EQ(wrong_version.code, 400) << wrong_version.body;
  HttpReply not_json = server.request("POST", "/api/v1/namespaces/default/configmaps", "{\"apiVersion\":");
  EXPECT_EQ(not_json.code, 400) << not_json.body;
  HttpReply too_large =
      server.request("POST", "/api/v1/namespaces/default/configmaps", configmap_json("big", 4 * 1024 * 1024));
  EXPECT_EQ(too_large.code, 413) << too_large.body.substr(0, 200);
  EXPECT_NE(too_large.body.find("RequestEntityTooLarge"), std::string::npos);
  EXPECT_EQ(server.request_with_token("", "GET", "/api/v1/namespaces").code, 401);
  EXPECT_EQ(server.request_with_token("not-" + server.token(), "GET", "/api/v1/namespaces").code, 401);
  EXPECT_EQ(server.request("GET", "/api/v1/namespaces/default/configmaps/x").code, 404);
}

TEST(BadInput, WatchClientThatNeverReadsIsDroppedAndMemoryStaysBounded) {
  ServerProcess server;
  server.start();
  // curl writes the watch into a pipe nobody reads: once the pipe is full, curl stops reading
  // the socket, and the server's writes stall.
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  skiff::UniqueFd read_end(fds[0]);
  skiff::UniqueFd write_end(fds[1]);
  std::vector<std::string> args = server.stream_args("/api/v1/namespaces/default/configmaps?watch=true");
  pid_t curl = ::fork();
  ASSERT_GE(curl, 0);
  if (curl == 0) {
    ::dup2(write_end.get(), STDOUT_FILENO);
    std::vector<char*> argv;
    for (std::string& arg : args) {
      argv.push_back(arg.data());
    }
    argv.push_back(nullptr);
    ::execvp("curl", argv.data());
    ::_exit(127);
  }
  write_end = skiff::UniqueFd();
  ASSERT_TRUE(eventually([&] {
    return metric(server.request("GET", "/metrics").body, "apiserver_longrunning_requests{verb=\"WATCH\"}") == 1;
  }));
  int64_t rss_before = server.rss_kib();
  // 600 objects of 100 KiB: 60 MiB of events the client never takes.
  for (int i = 0; i < 600; ++i) {
    ASSERT_EQ(server
                  .request("POST", "/api/v1/namespaces/default/configmaps",
                           configmap_json("big-" + std::to_string(i), 100 * 1024))
                  .code,
              201);
  }
  ASSERT_TRUE(eventually([&] {
    return metric(server.request("GET", "/metrics").body, "apiserver_longrunning_requests{verb=\"WATCH\"}") == 0;
  })) << "the watch that is not read was not dropped";
  int64_t rss_after = server.rss_kib();
  RecordProperty("rss_growth_kib", std::to_string(rss_after - rss_before));
  std::cout << "server RSS " << rss_before << " KiB before, " << rss_after << " KiB after 60 MiB of unread events\n";
  EXPECT_NE(server.log().find("watch dropped"), std::string::npos) << server.log();
  // Far less than the 60 MiB of events (plus their previous values) the client left unread.
  EXPECT_LT(rss_after - rss_before, 40 * 1024) << "RSS grew from " << rss_before << " to " << rss_after << " KiB";
  read_end = skiff::UniqueFd();
  ::kill(curl, SIGKILL);
  skiff::wait_exit_code(curl);
  // The server still serves.
  EXPECT_EQ(server.request("GET", "/api/v1/namespaces/default/configmaps/big-0").code, 200);
}

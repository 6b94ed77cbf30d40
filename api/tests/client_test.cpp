#include <gtest/gtest.h>

#include <set>

#include "api_test_support.h"
#include "skiff/base/file.h"

namespace skiff::api {
namespace {

using apiserver::testing::ServerProcess;
using testing::config_map;
using testing::configmaps_resource;
using testing::name_of;
using testing::namespaces_resource;
using testing::version_of;

class ApiClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server = std::make_unique<ServerProcess>();
    server->start();
  }
  static void TearDownTestSuite() { server.reset(); }

  // A namespace of the test's own.
  std::string make_namespace(ApiClient& client) {
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (char& c : name) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    client.create(namespaces_resource, "", testing::namespace_object(name));
    return name;
  }

  static inline std::unique_ptr<ServerProcess> server;
};

template <typename F>
ApiError api_error_of(F&& call) {
  try {
    call();
  } catch (const ApiError& e) {
    return e;
  }
  ADD_FAILURE() << "no ApiError";
  return ApiError("none", 0, "");
}

TEST_F(ApiClientTest, CreateGetUpdatePatchDelete) {
  ApiClient client = testing::admin_client(*server);
  std::string ns = make_namespace(client);
  boost::json::object created = client.create(configmaps_resource, ns, config_map("settings", "one"));
  EXPECT_EQ(name_of(created), "settings");
  EXPECT_FALSE(created.at("metadata").at("uid").as_string().empty());

  boost::json::object got = client.get(configmaps_resource, ns, "settings");
  EXPECT_EQ(got.at("data").at("value"), "one");
  EXPECT_EQ(version_of(got), version_of(created));

  got["data"].as_object()["value"] = "two";
  boost::json::object updated = client.update(configmaps_resource, ns, got);
  EXPECT_EQ(updated.at("data").at("value"), "two");
  EXPECT_NE(version_of(updated), version_of(created));

  boost::json::object merged = client.patch(configmaps_resource, ns, "settings", PatchType::merge,
                                            boost::json::parse(R"({"data":{"extra":"x"}})"));
  EXPECT_EQ(merged.at("data").at("extra"), "x");
  EXPECT_EQ(merged.at("data").at("value"), "two");
  boost::json::object strategic = client.patch(configmaps_resource, ns, "settings", PatchType::strategic_merge,
                                               boost::json::parse(R"({"metadata":{"labels":{"tier":"a"}}})"));
  EXPECT_EQ(strategic.at("metadata").at("labels").at("tier"), "a");
  boost::json::object patched =
      client.patch(configmaps_resource, ns, "settings", PatchType::json_patch,
                   boost::json::parse(R"([{"op":"replace","path":"/data/value","value":"three"}])"));
  EXPECT_EQ(patched.at("data").at("value"), "three");

  client.remove(configmaps_resource, ns, "settings", "Background");
  ApiError gone = api_error_of([&] { client.get(configmaps_resource, ns, "settings"); });
  EXPECT_EQ(gone.status_code(), 404U);
  EXPECT_EQ(gone.reason(), "NotFound");
  EXPECT_EQ(gone.message(), "configmaps \"settings\" not found");
}

TEST_F(ApiClientTest, ErrorsCarryTheServersStatus) {
  ApiClient client = testing::admin_client(*server);
  std::string ns = make_namespace(client);
  boost::json::object first = client.create(configmaps_resource, ns, config_map("twice", "a"));

  ApiError exists = api_error_of([&] { client.create(configmaps_resource, ns, config_map("twice", "b")); });
  EXPECT_EQ(exists.status_code(), 409U);
  EXPECT_EQ(exists.reason(), "AlreadyExists");
  EXPECT_EQ(exists.message(), "configmaps \"twice\" already exists");

  client.patch(configmaps_resource, ns, "twice", PatchType::merge, boost::json::parse(R"({"data":{"value":"c"}})"));
  ApiError conflict = api_error_of([&] { client.update(configmaps_resource, ns, first); });
  EXPECT_EQ(conflict.status_code(), 409U);
  EXPECT_EQ(conflict.reason(), "Conflict");
  EXPECT_NE(conflict.message().find("the object has been modified"), std::string::npos) << conflict.message();

  ApiError invalid = api_error_of([&] { client.create(configmaps_resource, ns, config_map("Not_A_DNS_Name", "a")); });
  EXPECT_EQ(invalid.status_code(), 422U);
  EXPECT_EQ(invalid.reason(), "Invalid");
  EXPECT_NE(std::string(invalid.what()).find("Not_A_DNS_Name"), std::string::npos) << invalid.what();
}

TEST_F(ApiClientTest, ListPagesWithLimitAndContinue) {
  ApiClient client = testing::admin_client(*server);
  std::string ns = make_namespace(client);
  for (int i = 0; i < 25; ++i) {
    boost::json::object object = config_map("item-" + std::to_string(i), std::to_string(i));
    object["metadata"].as_object()["labels"] = {{"parity", i % 2 == 0 ? "even" : "odd"}};
    client.create(configmaps_resource, ns, object);
  }
  std::set<std::string> names;
  ListOptions options;
  options.limit = 10;
  int pages = 0;
  std::string first_version;
  do {
    ListPage page = client.list(configmaps_resource, ns, options);
    if (pages == 0) {
      first_version = page.resource_version;
    }
    ++pages;
    EXPECT_LE(page.items.size(), 10U);
    for (const auto& item : page.items) {
      EXPECT_TRUE(names.insert(name_of(item)).second) << name_of(item) << " came twice";
    }
    options.continue_token = page.continue_token;
  } while (!options.continue_token.empty());
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(names.size(), 25U);
  EXPECT_FALSE(first_version.empty());

  ListOptions paged_even;
  paged_even.limit = 4;
  paged_even.label_selector = "parity in (even)";
  ListPage even = client.list_all(configmaps_resource, ns, paged_even);
  EXPECT_EQ(even.items.size(), 13U);
  EXPECT_TRUE(even.continue_token.empty());
  ListOptions by_name;
  by_name.field_selector = "metadata.name=item-7";
  ListPage one = client.list(configmaps_resource, ns, by_name);
  ASSERT_EQ(one.items.size(), 1U);
  EXPECT_EQ(name_of(one.items[0]), "item-7");
}

TEST_F(ApiClientTest, AWrongTokenIsUnauthorized) {
  Kubeconfig config = Kubeconfig::load(server->data_dir() + "/admin.kubeconfig");
  config.token = "not-the-token";
  ApiClient client(config);
  ApiError error = api_error_of([&] { client.get(namespaces_resource, "", "default"); });
  EXPECT_EQ(error.status_code(), 401U);
}

TEST_F(ApiClientTest, AnUntrustedServerCertificateFailsTheHandshake) {
  Kubeconfig config = Kubeconfig::load(server->data_dir() + "/admin.kubeconfig");
  // A CA that did not sign the server's certificate: the server's own certificate.
  config.ca_pem = read_file(server->data_dir() + "/pki/server.crt");
  ApiClient untrusting(config);
  try {
    untrusting.get(namespaces_resource, "", "default");
    ADD_FAILURE() << "the handshake succeeded";
  } catch (const ApiError& e) {
    ADD_FAILURE() << e.what();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("certificate verify failed"), std::string::npos) << e.what();
  }
  config.insecure_skip_tls_verify = true;
  ApiClient insecure(config);
  EXPECT_EQ(name_of(insecure.get(namespaces_resource, "", "default")), "default");
}

TEST_F(ApiClientTest, WatchDeliversEventsInOrderFromAVersion) {
  ApiClient client = testing::admin_client(*server);
  std::string ns = make_namespace(client);
  client.create(configmaps_resource, ns, config_map("before", "0"));
  ListPage listed = client.list(configmaps_resource, ns);
  ASSERT_EQ(listed.items.size(), 1U);

  WatchOptions options;
  options.resource_version = listed.resource_version;
  std::unique_ptr<Watch> watch = client.watch(configmaps_resource, ns, options);
  client.create(configmaps_resource, ns, config_map("w", "1"));
  client.patch(configmaps_resource, ns, "w", PatchType::merge, boost::json::parse(R"({"data":{"value":"2"}})"));
  client.remove(configmaps_resource, ns, "w");
  std::vector<std::string> seen;
  while (seen.size() < 3) {
    std::optional<WatchEvent> event = watch->next();
    ASSERT_TRUE(event.has_value());
    if (event->type != WatchEvent::Type::bookmark) {
      seen.push_back(std::string(to_string(event->type)) + " " + name_of(event->object));
    }
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"ADDED w", "MODIFIED w", "DELETED w"}));
}

TEST_F(ApiClientTest, ReadsTextEndpoints) {
  ApiClient client = testing::admin_client(*server);
  client.get(namespaces_resource, "", "default");
  std::string metrics = client.get_text("/metrics");
  EXPECT_NE(metrics.find("apiserver_request_duration_seconds_bucket{"), std::string::npos);
  ApiError missing = api_error_of([&] { client.get_text("/no-such-path"); });
  EXPECT_EQ(missing.status_code(), 404U);
}

TEST_F(ApiClientTest, CallsFromManyThreadsShareTheClient) {
  ApiClient client = testing::admin_client(*server);
  std::string ns = make_namespace(client);
  std::vector<std::thread> threads;
  std::atomic<int> created{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        client.create(configmaps_resource, ns, config_map("t" + std::to_string(t) + "-" + std::to_string(i), "v"));
        ++created;
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(created.load(), 40);
  EXPECT_EQ(client.list_all(configmaps_resource, ns).items.size(), 40U);
}

}  // namespace
}  // namespace skiff::api

// Finalizers, propagation policies and namespace termination, on the real registry over a real
// SQLite store, with the garbage collector's and namespace deleter's passes run by the test.
#include <gtest/gtest.h>

#include <thread>

#include "skiff/apiserver/deletion_controller.h"
#include "skiff/apiserver/finalizers.h"
#include "skiff/apiserver/namespace_lifecycle.h"
#include "skiff/apiserver/registry.h"
#include "skiff/apiserver/status.h"
#include "test_support.h"

using namespace skiff::apiserver;

namespace {

class FinalizersTest : public ::testing::Test {
 protected:
  void SetUp() override { registry_.ensure_default_namespaces(); }

  boost::json::object config_map(const std::string& name, boost::json::array finalizers = {},
                                 const std::string& ns = "default") {
    boost::json::object meta{{"name", name}};
    if (!finalizers.empty()) {
      meta["finalizers"] = std::move(finalizers);
    }
    return registry_.create(type("configmaps"), ns, {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", meta}});
  }

  static const ResourceType& type(const std::string& resource, const std::string& group = "",
                                  const std::string& version = "v1") {
    return *find_resource(group, version, resource);
  }

  bool exists(const std::string& resource, const std::string& ns, const std::string& name,
              const std::string& group = "") {
    try {
      registry_.get(type(resource, group), ns, name);
      return true;
    } catch (const ApiError& e) {
      EXPECT_EQ(e.http_code(), 404);
      return false;
    }
  }

  // Runs the garbage collector's passes over keys until none has work left.
  void collect(const std::vector<std::string>& keys) {
    for (int pass = 0; pass < 20; ++pass) {
      bool done = true;
      for (const std::string& key : keys) {
        done = collect_garbage(registry_, key) && done;
      }
      if (done) {
        return;
      }
    }
    FAIL() << "the garbage collector kept finding work";
  }

  static int http_code_of(const std::function<void()>& call) {
    try {
      call();
    } catch (const ApiError& e) {
      return e.http_code();
    }
    return 0;
  }

  skiff::testing::TempDir dir_{"skiff-finalizers-test-"};
  std::unique_ptr<skiff::store::Store> store_ = skiff::store::open_store(dir_.path() + "/db");
  ObjectRegistry registry_{*store_};
};

std::vector<std::string> watch_event_types(EventStream& stream, size_t count) {
  std::vector<std::string> types;
  for (int attempt = 0; attempt < 200 && types.size() < count; ++attempt) {
    std::optional<std::string> chunk = stream.poll();
    if (!chunk) {
      break;
    }
    size_t start = 0;
    for (size_t end = chunk->find('\n'); end != std::string::npos; end = chunk->find('\n', start)) {
      boost::json::value event = boost::json::parse(chunk->substr(start, end - start));
      types.emplace_back(event.at("type").as_string());
      start = end + 1;
    }
    if (chunk->empty()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  return types;
}

TEST_F(FinalizersTest, DeleteMarksAndEmptyingTheFinalizersDeletes) {
  boost::json::object created = config_map("held", {"example.com/hold"});
  WatchOptions watch;
  watch.from_revision = std::stoll(std::string(created.at("metadata").at("resourceVersion").as_string()));
  watch.send_initial = false;
  watch.encode = [](const boost::json::object& object) { return boost::json::value(object); };
  std::unique_ptr<EventStream> events = registry_.watch(type("configmaps"), "default", watch);

  boost::json::object marked = registry_.remove(type("configmaps"), "default", "held", {});
  const auto& meta = marked.at("metadata").as_object();
  EXPECT_TRUE(meta.at("deletionTimestamp").is_string());
  EXPECT_EQ(meta.at("deletionGracePeriodSeconds"), 0);
  EXPECT_EQ(meta.at("generation"), 2);
  EXPECT_TRUE(exists("configmaps", "default", "held"));
  // A second delete changes nothing while the finalizer stays.
  EXPECT_EQ(registry_.remove(type("configmaps"), "default", "held", {}).at("metadata").at("resourceVersion"),
            meta.at("resourceVersion"));

  registry_.patch(type("configmaps"), "default", "held", Part::object, PatchType::merge,
                  boost::json::parse(R"({"metadata":{"finalizers":null}})"));
  EXPECT_FALSE(exists("configmaps", "default", "held"));
  EXPECT_EQ(watch_event_types(*events, 3), (std::vector<std::string>{"MODIFIED", "MODIFIED", "DELETED"}));
}

TEST_F(FinalizersTest, NoNewFinalizersOnceDeleting) {
  config_map("held", {"example.com/hold"});
  registry_.remove(type("configmaps"), "default", "held", {});
  try {
    registry_.patch(type("configmaps"), "default", "held", Part::object, PatchType::merge,
                    boost::json::parse(R"({"metadata":{"finalizers":["example.com/hold","example.com/more"]}})"));
    FAIL() << "a finalizer was added to an object being deleted";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.http_code(), 422);
    ASSERT_EQ(e.causes.size(), 1u);
    EXPECT_EQ(e.causes[0].reason, "FieldValueForbidden");
    EXPECT_EQ(e.causes[0].field, "metadata.finalizers");
    EXPECT_NE(std::string(e.what()).find("no new finalizers can be added if the object is being deleted, found new "
                                         "finalizers []string{\"example.com/more\"}"),
              std::string::npos)
        << e.what();
  }
  // Adding before the deletion is fine.
  config_map("free");
  registry_.patch(type("configmaps"), "default", "free", Part::object, PatchType::merge,
                  boost::json::parse(R"({"metadata":{"finalizers":["example.com/more"]}})"));
  EXPECT_EQ(finalizers_of(registry_.get(type("configmaps"), "default", "free")),
            std::vector<std::string>{"example.com/more"});
}

TEST_F(FinalizersTest, PropagationPoliciesSetTheCollectorsFinalizers) {
  config_map("fg");
  DeletePreconditions foreground;
  foreground.propagation = PropagationPolicy::foreground;
  EXPECT_EQ(finalizers_of(registry_.remove(type("configmaps"), "default", "fg", foreground)),
            std::vector<std::string>{kForegroundDeletionFinalizer});

  config_map("orphaned", {"example.com/hold"});
  DeletePreconditions orphan;
  orphan.propagation = PropagationPolicy::orphan;
  EXPECT_EQ(finalizers_of(registry_.remove(type("configmaps"), "default", "orphaned", orphan)),
            (std::vector<std::string>{"example.com/hold", kOrphanFinalizer}));

  // A later Background delete takes the collector's finalizers off again; with none left it deletes.
  DeletePreconditions background;
  background.propagation = PropagationPolicy::background;
  registry_.remove(type("configmaps"), "default", "fg", background);
  EXPECT_FALSE(exists("configmaps", "default", "fg"));
}

TEST_F(FinalizersTest, CollectorDeletesForegroundDependentsFirstAndOrphans) {
  boost::json::object owner = config_map("owner");
  std::string uid(owner.at("metadata").at("uid").as_string());
  auto dependent = [&](const std::string& name, const std::string& owner_uid) {
    registry_.create(type("configmaps"), "default",
                     {{"apiVersion", "v1"},
                      {"kind", "ConfigMap"},
                      {"metadata",
                       {{"name", name},
                        {"ownerReferences", boost::json::array{{{"apiVersion", "v1"},
                                                                {"kind", "ConfigMap"},
                                                                {"name", "owner"},
                                                                {"uid", owner_uid},
                                                                {"blockOwnerDeletion", true}}}}}}});
  };
  dependent("child", uid);
  boost::json::object child = registry_.get(type("configmaps"), "default", "child");
  dependent("grandchild", std::string(child.at("metadata").at("uid").as_string()));

  DeletePreconditions foreground;
  foreground.propagation = PropagationPolicy::foreground;
  registry_.remove(type("configmaps"), "default", "owner", foreground);
  // The owner waits for its dependents, which go first.
  EXPECT_FALSE(collect_garbage(registry_, "/registry/configmaps/default/owner"));
  EXPECT_TRUE(exists("configmaps", "default", "owner"));
  collect({"/registry/configmaps/default/owner", "/registry/configmaps/default/child",
           "/registry/configmaps/default/grandchild"});
  EXPECT_FALSE(exists("configmaps", "default", "grandchild"));
  EXPECT_FALSE(exists("configmaps", "default", "child"));
  EXPECT_FALSE(exists("configmaps", "default", "owner"));

  boost::json::object second = config_map("owner");
  dependent("kept", std::string(second.at("metadata").at("uid").as_string()));
  DeletePreconditions orphan;
  orphan.propagation = PropagationPolicy::orphan;
  registry_.remove(type("configmaps"), "default", "owner", orphan);
  collect({"/registry/configmaps/default/owner"});
  EXPECT_FALSE(exists("configmaps", "default", "owner"));
  EXPECT_FALSE(
      registry_.get(type("configmaps"), "default", "kept").at("metadata").as_object().contains("ownerReferences"));
}

TEST_F(FinalizersTest, SystemNamespacesCannotBeDeleted) {
  for (const char* name : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    try {
      registry_.remove(type("namespaces"), "", name, {});
      FAIL() << name << " was deleted";
    } catch (const ApiError& e) {
      EXPECT_EQ(e.http_code(), 403);
      EXPECT_EQ(std::string(e.what()),
                std::string("namespaces \"") + name + "\" is forbidden: this namespace may not be deleted");
    }
  }
}

TEST_F(FinalizersTest, TerminatingNamespaceTakesNoContentAndGoesWhenEmpty) {
  boost::json::object ns = registry_.create(
      type("namespaces"), "", {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "team"}}}});
  EXPECT_EQ(namespace_spec_finalizers(ns), std::vector<std::string>{kNamespaceFinalizer});
  config_map("plain", {}, "team");
  config_map("held", {"example.com/hold"}, "team");

  boost::json::object terminating = registry_.remove(type("namespaces"), "", "team", {});
  EXPECT_EQ(terminating.at("status").at("phase"), "Terminating");
  EXPECT_TRUE(being_deleted(terminating));
  try {
    config_map("late", {}, "team");
    FAIL() << "created in a terminating namespace";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.http_code(), 403);
    EXPECT_EQ(std::string(e.what()),
              "configmaps \"late\" is forbidden: unable to create new content in namespace team because it is being "
              "terminated");
    ASSERT_EQ(e.causes.size(), 1u);
    EXPECT_EQ(e.causes[0].reason, "NamespaceTerminating");
  }

  // The deleter empties it but waits for the object held by a finalizer.
  EXPECT_FALSE(finish_namespace_deletion(registry_, "team"));
  EXPECT_FALSE(exists("configmaps", "team", "plain"));
  EXPECT_TRUE(being_deleted(registry_.get(type("configmaps"), "team", "held")));
  EXPECT_TRUE(exists("namespaces", "", "team"));

  registry_.patch(type("configmaps"), "team", "held", Part::object, PatchType::merge,
                  boost::json::parse(R"({"metadata":{"finalizers":null}})"));
  EXPECT_TRUE(finish_namespace_deletion(registry_, "team"));
  EXPECT_FALSE(exists("namespaces", "", "team"));
}

TEST_F(FinalizersTest, ControllerFinishesWhatDeletesLeave) {
  registry_.create(type("namespaces"), "",
                   {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "gone-soon"}}}});
  config_map("plain", {}, "gone-soon");
  // Work left before the controller starts is found by its first look.
  registry_.remove(type("namespaces"), "", "gone-soon", {});
  DeletionController controller(registry_);
  controller.start();
  config_map("fg");
  DeletePreconditions foreground;
  foreground.propagation = PropagationPolicy::foreground;
  registry_.remove(type("configmaps"), "default", "fg", foreground);
  for (int attempt = 0;
       attempt < 600 && (exists("namespaces", "", "gone-soon") || exists("configmaps", "default", "fg")); ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_FALSE(exists("namespaces", "", "gone-soon"));
  EXPECT_FALSE(exists("configmaps", "default", "fg"));
}

}  // namespace

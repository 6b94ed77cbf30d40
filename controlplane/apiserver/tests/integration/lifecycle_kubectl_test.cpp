// Finalizers, namespace termination and the single server's leader Lease, through kubectl
// against the real skiff-server.
#include <thread>

#include "kubectl_fixture.h"
#include "server_process.h"
#include "skiff/base/error.h"

namespace {

std::string namespace_yaml(const std::string& name) {
  return "apiVersion: v1\nkind: Namespace\nmetadata: {name: " + name + "}\n";
}

using skiff::apiserver::testing::BackgroundProcess;
using skiff::apiserver::testing::env_or;
using skiff::apiserver::testing::KubectlServerTest;
using skiff::apiserver::testing::SubprocessResult;

using LifecycleKubectlTest = KubectlServerTest;

std::string config_map(const std::string& name, const std::string& ns, bool held) {
  return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\n  namespace: " + ns + "\n" +
         (held ? "  finalizers: [example.com/hold]\n" : "") + "data: {k: v}\n";
}

std::string read_text(const std::string& path) {
  try {
    return skiff::read_file(path);
  } catch (const skiff::Error&) {
    return "";
  }
}

TEST_F(LifecycleKubectlTest, FinalizerHoldsTheDeletionUntilPatchedAway) {
  ok({"apply", "-f", "-"}, config_map("held", "default", true));
  std::string events_file = dir_.path() + "/events";
  BackgroundProcess watch({env_or("KUBECTL", "kubectl"), "--kubeconfig", kubeconfig(), "get", "configmap", "held",
                           "--watch-only", "--output-watch-events", "-o", "jsonpath={.type}{\"\\n\"}"},
                          events_file);
  // The watch runs (and so started from a revision before the delete) once the server counts it.
  for (int attempt = 0;
       attempt < 200 &&
       ok({"get", "--raw", "/metrics"}).find("apiserver_longrunning_requests{verb=\"WATCH\"} 1") == std::string::npos;
       ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }

  EXPECT_NE(ok({"delete", "configmap", "held", "--wait=false"}).find("deleted"), std::string::npos);
  EXPECT_NE(ok({"get", "configmap", "held", "-o", "jsonpath={.metadata.deletionTimestamp}"}), "");
  EXPECT_EQ(ok({"get", "configmap", "held", "-o", "jsonpath={.metadata.deletionGracePeriodSeconds}"}), "0");
  // No new finalizers once it is being deleted.
  SubprocessResult added = kubectl({"patch", "configmap", "held", "--type=merge", "-p",
                                    R"({"metadata":{"finalizers":["example.com/hold","example.com/another"]}})"});
  EXPECT_FALSE(added.ok());
  EXPECT_NE(added.err.find("no new finalizers can be added if the object is being deleted"), std::string::npos)
      << added.err;
  EXPECT_NE(added.err.find("is invalid"), std::string::npos) << added.err;

  ok({"patch", "configmap", "held", "--type=merge", "-p", R"({"metadata":{"finalizers":null}})"});
  ok({"wait", "--for=delete", "configmap/held", "--timeout=60s"});
  EXPECT_FALSE(kubectl({"get", "configmap", "held"}).ok());
  // The watcher saw the mark, the emptied finalizers, then the deletion.
  for (int attempt = 0; attempt < 200 && read_text(events_file).find("DELETED") == std::string::npos; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(read_text(events_file), "MODIFIED\nMODIFIED\nDELETED\n");
}

TEST_F(LifecycleKubectlTest, ForegroundDeletionWaitsForDependents) {
  ok({"apply", "-f", "-"}, config_map("owner", "default", false));
  std::string uid = ok({"get", "configmap", "owner", "-o", "jsonpath={.metadata.uid}"});
  ok({"apply", "-f", "-"},
     "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dependent\n  finalizers: [example.com/hold]\n"
     "  ownerReferences: [{apiVersion: v1, kind: ConfigMap, name: owner, uid: " +
         uid + ", blockOwnerDeletion: true}]\n");
  ok({"delete", "configmap", "owner", "--cascade=foreground", "--wait=false"});
  // The dependent is being deleted; its own finalizer holds it, and it holds its owner.
  for (int attempt = 0;
       attempt < 200 && ok({"get", "configmap", "dependent", "-o", "jsonpath={.metadata.deletionTimestamp}"}).empty();
       ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(ok({"get", "configmap", "owner", "-o", "jsonpath={.metadata.finalizers}"}), R"(["foregroundDeletion"])");
  ok({"patch", "configmap", "dependent", "--type=merge", "-p", R"({"metadata":{"finalizers":null}})"});
  ok({"wait", "--for=delete", "configmap/owner", "--timeout=60s"});
  EXPECT_FALSE(kubectl({"get", "configmap", "dependent"}).ok());
}

TEST_F(LifecycleKubectlTest, DeletedNamespaceTerminatesThenGoes) {
  ok({"apply", "-f", "-"}, namespace_yaml("team"));
  EXPECT_EQ(ok({"get", "namespace", "team", "-o", "jsonpath={.spec.finalizers}"}), R"(["kubernetes"])");
  ok({"apply", "-f", "-"}, config_map("plain", "team", false));
  ok({"apply", "-f", "-"}, config_map("held", "team", true));

  ok({"delete", "namespace", "team", "--wait=false"});
  std::string shown = ok({"get", "namespace", "team"});
  EXPECT_NE(shown.find("Terminating"), std::string::npos) << shown;
  SubprocessResult refused = kubectl({"apply", "-f", "-"}, config_map("late", "team", false));
  EXPECT_FALSE(refused.ok());
  EXPECT_NE(refused.err.find("configmaps \"late\" is forbidden: unable to create new content in namespace team "
                             "because it is being terminated"),
            std::string::npos)
      << refused.err;
  ok({"wait", "--for=delete", "configmap/plain", "-n", "team", "--timeout=60s"});
  EXPECT_NE(ok({"get", "namespace", "team"}).find("Terminating"), std::string::npos);

  ok({"patch", "configmap", "held", "-n", "team", "--type=merge", "-p", R"({"metadata":{"finalizers":null}})"});
  ok({"wait", "--for=delete", "namespace/team", "--timeout=60s"});
  SubprocessResult gone = kubectl({"get", "namespace", "team"});
  EXPECT_FALSE(gone.ok());
  EXPECT_NE(gone.err.find("NotFound"), std::string::npos) << gone.err;

  // kubectl's default delete waits until it is gone.
  ok({"apply", "-f", "-"}, namespace_yaml("brief"));
  ok({"apply", "-f", "-"}, config_map("plain", "brief", false));
  ok({"delete", "namespace", "brief", "--timeout=60s"});
  EXPECT_FALSE(kubectl({"get", "namespace", "brief"}).ok());
}

TEST_F(LifecycleKubectlTest, SystemNamespacesAreForbiddenToDelete) {
  for (const std::string name : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    SubprocessResult refused = kubectl({"delete", "namespace", name});
    EXPECT_FALSE(refused.ok());
    EXPECT_NE(refused.err.find("namespaces \"" + name + "\" is forbidden: this namespace may not be deleted"),
              std::string::npos)
        << refused.err;
    EXPECT_EQ(ok({"get", "namespace", name, "-o", "jsonpath={.status.phase}"}), "Active");
  }
}

TEST_F(LifecycleKubectlTest, SingleServerHoldsTheLeaderLease) {
  std::string holder;
  for (int attempt = 0; attempt < 200 && holder.empty(); ++attempt) {
    SubprocessResult lease =
        kubectl({"get", "lease", "-n", "kube-system", "skiff-server", "-o", "jsonpath={.spec.holderIdentity}"});
    holder = lease.ok() ? lease.out : "";
    if (holder.empty()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  EXPECT_NE(holder.find("_" + std::to_string(pid_)), std::string::npos) << holder;
  std::string yaml = ok({"get", "lease", "-n", "kube-system", "skiff-server", "-o", "yaml"});
  for (const char* field : {"leaseDurationSeconds: 15", "renewTime:", "acquireTime:", "leaseTransitions: 0"}) {
    EXPECT_NE(yaml.find(field), std::string::npos) << yaml;
  }
  EXPECT_NE(ok({"get", "--raw", "/metrics"}).find("\nskiff_leader 1\n"), std::string::npos);
}

}  // namespace

// Deletion through kubectl: graceful deletion of bound pods and the propagation policies that
// garbage-collect (or orphan) the objects whose ownerReferences name the deleted one.
#include "kubectl_fixture.h"

namespace {

using skiff::apiserver::testing::KubectlServerTest;

using DeletionKubectlTest = KubectlServerTest;

std::string replica_set(const std::string& name, const std::string& deployment_uid) {
  return "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata:\n  name: " + name +
         "\n  labels: {app: web}\n  ownerReferences:\n  - {apiVersion: apps/v1, kind: Deployment, name: web, uid: " +
         deployment_uid +
         ", controller: true}\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: web}}\n  template:\n"
         "    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: c, image: busybox:1.36}]\n";
}

std::string pod(const std::string& name, const std::string& owner_kind, const std::string& owner,
                const std::string& owner_uid, const std::string& node) {
  std::string text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name + "\n";
  if (!owner.empty()) {
    text += "  ownerReferences:\n  - {apiVersion: apps/v1, kind: " + owner_kind + ", name: " + owner +
            ", uid: " + owner_uid + ", controller: true}\n";
  }
  text += "spec:\n";
  if (!node.empty()) {
    text += "  nodeName: " + node + "\n";
  }
  return text + "  containers: [{name: c, image: busybox:1.36}]\n";
}

const char* const kDeployment = R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: c, image: busybox:1.36}]
)";

TEST_F(DeletionKubectlTest, BackgroundDeletesDependentsRecursively) {
  ok({"apply", "-f", "-"}, kDeployment);
  std::string deployment_uid = ok({"get", "deployment", "web", "-o", "jsonpath={.metadata.uid}"});
  ok({"apply", "-f", "-"}, replica_set("web-1", deployment_uid));
  std::string rs_uid = ok({"get", "rs", "web-1", "-o", "jsonpath={.metadata.uid}"});
  ok({"apply", "-f", "-"}, pod("web-1-a", "ReplicaSet", "web-1", rs_uid, ""));
  ok({"apply", "-f", "-"}, pod("unrelated", "", "", "", ""));

  ok({"delete", "deployment", "web"});  // kubectl's default: --cascade=background
  EXPECT_FALSE(kubectl({"get", "rs", "web-1"}).ok());
  EXPECT_FALSE(kubectl({"get", "pod", "web-1-a"}).ok());
  EXPECT_EQ(ok({"get", "pod", "unrelated", "-o", "jsonpath={.metadata.name}"}), "unrelated");
}

TEST_F(DeletionKubectlTest, ForegroundAndOrphan) {
  ok({"apply", "-f", "-"}, kDeployment);
  std::string deployment_uid = ok({"get", "deployment", "web", "-o", "jsonpath={.metadata.uid}"});
  ok({"apply", "-f", "-"}, replica_set("web-1", deployment_uid));
  std::string rs_uid = ok({"get", "rs", "web-1", "-o", "jsonpath={.metadata.uid}"});
  ok({"apply", "-f", "-"}, pod("web-1-a", "ReplicaSet", "web-1", rs_uid, ""));

  // Orphan: the pod stays, without its reference to the deleted ReplicaSet.
  ok({"delete", "rs", "web-1", "--cascade=orphan"});
  EXPECT_FALSE(kubectl({"get", "rs", "web-1"}).ok());
  EXPECT_EQ(ok({"get", "pod", "web-1-a", "-o", "jsonpath={.metadata.ownerReferences}"}), "");

  ok({"apply", "-f", "-"}, replica_set("web-2", deployment_uid));
  ok({"delete", "deployment", "web", "--cascade=foreground"});
  EXPECT_FALSE(kubectl({"get", "deployment", "web"}).ok());
  EXPECT_FALSE(kubectl({"get", "rs", "web-2"}).ok());
  EXPECT_EQ(ok({"get", "pod", "web-1-a", "-o", "jsonpath={.metadata.name}"}), "web-1-a");
}

TEST_F(DeletionKubectlTest, BoundPodsTerminateGracefully) {
  ok({"apply", "-f", "-"}, pod("bound", "", "", "", "node-1"));
  ok({"apply", "-f", "-"}, pod("pending", "", "", "", ""));

  ok({"delete", "pod", "bound", "--wait=false"});
  EXPECT_EQ(ok({"get", "pod", "bound", "-o", "jsonpath={.metadata.deletionGracePeriodSeconds}"}), "30");
  EXPECT_NE(ok({"get", "pod", "bound", "-o", "jsonpath={.metadata.deletionTimestamp}"}), "");
  EXPECT_TRUE(ok({"get", "pod", "bound"}).find("Terminating") != std::string::npos);
  // A shorter grace period shortens it; 0 (the node agent's confirmation, or --force) removes it.
  ok({"delete", "pod", "bound", "--grace-period=5", "--wait=false"});
  EXPECT_EQ(ok({"get", "pod", "bound", "-o", "jsonpath={.metadata.deletionGracePeriodSeconds}"}), "5");
  ok({"delete", "pod", "bound", "--grace-period=0", "--force"});
  EXPECT_FALSE(kubectl({"get", "pod", "bound"}).ok());

  // An unscheduled pod has no node to confirm: it goes at once.
  ok({"delete", "pod", "pending", "--wait=false"});
  EXPECT_FALSE(kubectl({"get", "pod", "pending"}).ok());
}

}  // namespace

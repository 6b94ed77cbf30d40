// The real skiff-server driven by the real kubectl over TLS with the kubeconfig the server wrote.
#include <gtest/gtest.h>

#include "kubectl_fixture.h"

namespace {

using skiff::SubprocessOptions;
using skiff::SubprocessResult;
using skiff::apiserver::testing::env_or;

const char* const kApp = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.25
        ports:
        - containerPort: 80
        env:
        - {name: MODE, value: one}
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - port: 80
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
data: {a: "1", b: "2"}
---
apiVersion: v1
kind: Secret
metadata:
  name: web-secret
stringData: {password: hunter2}
)";

using KubectlTest = skiff::apiserver::testing::KubectlServerTest;

TEST_F(KubectlTest, DiscoveryAndApiResources) {
  std::string resources = ok({"api-resources"});
  for (const char* line : {"deployments", "deploy", "horizontalpodautoscalers", "endpointslices", "leases"}) {
    EXPECT_NE(resources.find(line), std::string::npos) << line;
  }
  EXPECT_NE(ok({"version"}).find("Server Version: v1.32"), std::string::npos);
  std::string namespaces = ok({"get", "namespaces"});
  for (const char* ns : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    EXPECT_NE(namespaces.find(ns), std::string::npos) << ns;
  }
}

TEST_F(KubectlTest, ApplyCreateThenUpdateAndGet) {
  std::string created = ok({"apply", "-f", "-"}, kApp);
  EXPECT_NE(created.find("deployment.apps/web created"), std::string::npos) << created;
  EXPECT_NE(created.find("secret/web-secret created"), std::string::npos) << created;
  std::string app = kApp;
  app.replace(app.find("replicas: 2"), 11, "replicas: 3");
  app.replace(app.find("value: one"), 10, "value: two");
  std::string updated = ok({"apply", "-f", "-"}, app);
  EXPECT_NE(updated.find("deployment.apps/web configured"), std::string::npos) << updated;
  EXPECT_NE(updated.find("configmap/web-config unchanged"), std::string::npos) << updated;
  EXPECT_EQ(ok({"get", "deploy", "web", "-o",
                "jsonpath={.spec.replicas} {.metadata.generation} "
                "{.spec.template.spec.containers[0].env[0].value}"}),
            "3 2 two");

  std::string wide = ok({"get", "deploy,svc", "-o", "wide"});
  EXPECT_NE(wide.find("nginx:1.25"), std::string::npos) << wide;
  EXPECT_NE(wide.find("10.43."), std::string::npos) << wide;
  EXPECT_NE(ok({"get", "svc", "web", "-o", "yaml"}).find("type: ClusterIP"), std::string::npos);
  EXPECT_NE(ok({"get", "secret", "web-secret", "-o", "json"}).find("\"password\": \"aHVudGVyMg==\""),
            std::string::npos);
  EXPECT_NE(ok({"get", "cm", "-A"}).find("default     web-config   2"), std::string::npos);
  EXPECT_NE(ok({"get", "deploy", "--show-labels"}).find("app=web"), std::string::npos);
  EXPECT_NE(ok({"describe", "deploy", "web"}).find("RollingUpdateStrategy:  25% max unavailable, 25% max surge"),
            std::string::npos);
}

TEST_F(KubectlTest, LabelAnnotateScalePatch) {
  ok({"apply", "-f", "-"}, kApp);
  ok({"label", "deploy", "web", "tier=frontend"});
  ok({"annotate", "deploy", "web", "note=hello"});
  EXPECT_EQ(ok({"get", "deploy", "-l", "tier in (frontend,backend),app", "-o", "name"}), "deployment.apps/web\n");
  EXPECT_EQ(ok({"get", "deploy", "-l", "tier!=frontend", "-o", "name"}), "");
  ok({"scale", "deploy", "web", "--replicas=5"});
  EXPECT_EQ(ok({"get", "deploy", "web", "-o", "jsonpath={.spec.replicas} {.metadata.annotations.note}"}), "5 hello");
  ok({"patch", "deploy", "web", "--type=merge", "-p", R"({"spec":{"minReadySeconds":4}})"});
  ok({"patch", "deploy", "web", "--type=json", "-p", R"([{"op":"replace","path":"/spec/replicas","value":1}])"});
  ok({"patch", "deploy", "web", "-p",
      R"({"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox"}]}}}})"});
  EXPECT_EQ(ok({"get", "deploy", "web", "-o",
                "jsonpath={.spec.replicas} {.spec.minReadySeconds} {.spec.template.spec.containers[*].name}"}),
            "1 4 nginx sidecar");
}

TEST_F(KubectlTest, WatchSeesAChange) {
  ok({"apply", "-f", "-"}, kApp);
  SubprocessOptions watch;
  watch.args = {env_or("KUBECTL", "kubectl"), "get", "cm", "web-config", "-w", "-o", "name", "--request-timeout=0"};
  watch.env = std::vector<std::string>{"KUBECONFIG=" + kubeconfig(), "HOME=" + dir_.path(), "PATH=/usr/bin:/bin"};
  watch.timeout = std::chrono::seconds(8);
  SubprocessResult result;
  std::thread watcher([&] { result = skiff::run_subprocess(watch); });
  // Labels until the watch has printed the change (the watch may start after the first ones).
  for (int i = 0; i < 20; ++i) {
    ok({"label", "cm", "web-config", "round=" + std::to_string(i), "--overwrite"});
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  watcher.join();
  // The initial listing plus at least one modification.
  size_t first = result.out.find("configmap/web-config");
  ASSERT_NE(first, std::string::npos) << result.out << result.err;
  EXPECT_NE(result.out.find("configmap/web-config", first + 1), std::string::npos) << result.out;
}

TEST_F(KubectlTest, DeleteAndWait) {
  ok({"apply", "-f", "-"}, kApp);
  SubprocessOptions wait;
  wait.args = {env_or("KUBECTL", "kubectl"), "wait", "--for=delete", "configmap/web-config", "--timeout=30s"};
  wait.env = std::vector<std::string>{"KUBECONFIG=" + kubeconfig(), "HOME=" + dir_.path(), "PATH=/usr/bin:/bin"};
  SubprocessResult waited;
  std::thread waiter([&] { waited = skiff::run_subprocess(wait); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_NE(ok({"delete", "cm", "web-config"}).find("deleted"), std::string::npos);
  waiter.join();
  EXPECT_TRUE(waited.ok()) << waited.out << waited.err;
  SubprocessResult gone = kubectl({"get", "cm", "web-config"});
  EXPECT_FALSE(gone.ok());
  EXPECT_NE(gone.err.find("NotFound"), std::string::npos) << gone.err;
  ok({"create", "namespace", "doomed", "--dry-run=client", "-o", "yaml"});
  ok({"apply", "-f", "-"}, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: doomed\n");
  ok({"apply", "-n", "doomed", "-f", "-"}, kApp);
  ok({"delete", "namespace", "doomed"});
  EXPECT_EQ(ok({"get", "deploy", "-A", "-o", "name"}), "deployment.apps/web\n");
}

TEST_F(KubectlTest, BadRequests) {
  skiff::write_file(dir_.path() + "/bad.json", "{not json");
  SubprocessResult bad =
      kubectl({"create", "--raw", "/api/v1/namespaces/default/configmaps", "-f", dir_.path() + "/bad.json"});
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.err.find("BadRequest"), std::string::npos) << bad.err;
  SubprocessResult invalid =
      kubectl({"apply", "-f", "-"}, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n");
  EXPECT_FALSE(invalid.ok());
  EXPECT_NE(invalid.err.find("is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain"),
            std::string::npos)
      << invalid.err;
  SubprocessResult conflict = kubectl({"apply", "-f", "-"}, kApp);
  ASSERT_TRUE(conflict.ok());
  SubprocessResult stale = kubectl(
      {"replace", "-f", "-"},
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-config\n  resourceVersion: \"1\"\ndata: {a: x}\n");
  EXPECT_FALSE(stale.ok());
  EXPECT_NE(stale.err.find("the object has been modified"), std::string::npos) << stale.err;
}

TEST_F(KubectlTest, TokensAreRequired) {
  std::string server = "https://127.0.0.1:" + std::to_string(port_);
  std::string ca = dir_.path() + "/data/pki/ca.crt";
  SubprocessResult wrong = kubectl({"--kubeconfig=/dev/null", "--server=" + server, "--certificate-authority=" + ca,
                                    "--token=wrong", "get", "--raw", "/api/v1/namespaces"});
  EXPECT_FALSE(wrong.ok());
  EXPECT_NE(wrong.err.find("Unauthorized"), std::string::npos) << wrong.err;
  // kubectl without any credentials asks for a user name, so the anonymous request is curl's.
  SubprocessOptions curl;
  curl.args = {"curl", "-s", "--cacert", ca, "-w", "\n%{http_code}", server + "/api/v1/namespaces"};
  SubprocessResult anonymous = skiff::run_subprocess(curl);
  EXPECT_NE(anonymous.out.find(R"("reason":"Unauthorized")"), std::string::npos) << anonymous.out;
  EXPECT_TRUE(anonymous.out.ends_with("\n401")) << anonymous.out;
  EXPECT_NE(ok({"get", "--raw", "/healthz"}).find("ok"), std::string::npos);
}

}  // namespace

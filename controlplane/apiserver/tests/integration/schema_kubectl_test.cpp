// kubectl explain, strict field validation and server-side dry runs against the real skiff-server.
#include "kubectl_fixture.h"

namespace {

using skiff::apiserver::testing::KubectlServerTest;

const char* const kDeployment = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
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
        resources:
          limits: {cpu: 100m, memory: 64Mi}
        livenessProbe:
          httpGet: {path: /, port: 80}
        volumeMounts:
        - {name: cache, mountPath: /cache}
      volumes:
      - name: cache
        emptyDir: {}
)";

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

using SchemaKubectlTest = KubectlServerTest;

TEST_F(SchemaKubectlTest, Explain) {
  std::string pods = ok({"explain", "pods"});
  EXPECT_TRUE(contains(pods, "KIND:       Pod")) << pods;
  EXPECT_TRUE(contains(pods, "Pod is a collection of containers that can run on a host.")) << pods;
  EXPECT_TRUE(contains(pods, "spec\t<PodSpec>")) << pods;

  std::string containers = ok({"explain", "deployment.spec.template.spec.containers"});
  EXPECT_TRUE(contains(containers, "GROUP:      apps")) << containers;
  EXPECT_TRUE(contains(containers, "FIELD: containers <[]Container>")) << containers;
  EXPECT_TRUE(contains(containers, "name\t<string> -required-")) << containers;
  EXPECT_TRUE(contains(containers, "livenessProbe\t<Probe>")) << containers;

  std::string ports = ok({"explain", "svc.spec.ports"});
  EXPECT_TRUE(contains(ports, "targetPort\t<IntOrString>")) << ports;
  EXPECT_TRUE(contains(ports, "port\t<integer> -required-")) << ports;

  EXPECT_TRUE(contains(ok({"explain", "pod.spec.containers.resources"}), "limits\t<map[string]Quantity>"));
  EXPECT_TRUE(contains(ok({"explain", "hpa.spec.metrics.resource.target"}), "averageUtilization\t<integer>"));
  EXPECT_FALSE(kubectl({"explain", "pods.spec.nosuchfield"}).ok());
}

TEST_F(SchemaKubectlTest, ApplyRejectsUnknownFieldsStrictly) {
  std::string typo = replaced(kDeployment, "        image: nginx:1.25\n", "        imagee: nginx:1.25\n");
  skiff::SubprocessResult rejected = kubectl({"apply", "-f", "-"}, typo);
  EXPECT_FALSE(rejected.ok());
  EXPECT_TRUE(contains(rejected.err,
                       "Deployment in version \"v1\" cannot be handled as a Deployment: strict decoding error: "
                       "unknown field \"spec.template.spec.containers[0].imagee\""))
      << rejected.err;
  EXPECT_FALSE(kubectl({"get", "deployment", "web"}).ok());

  EXPECT_TRUE(contains(ok({"apply", "-f", "-"}, kDeployment), "deployment.apps/web created"));
  // The update path (a strategic merge patch) is checked too, and nothing changes.
  std::string update_typo = replaced(kDeployment, "  replicas: 2\n", "  replicas: 3\n  replica: 3\n");
  rejected = kubectl({"apply", "-f", "-"}, update_typo);
  EXPECT_FALSE(rejected.ok());
  EXPECT_TRUE(contains(rejected.err, "strict decoding error: unknown field \"spec.replica\"")) << rejected.err;
  EXPECT_EQ(ok({"get", "deployment", "web", "-o", "jsonpath={.spec.replicas}"}), "2");
  // --validate=false leaves the unknown field to the server, which drops it.
  EXPECT_TRUE(contains(ok({"apply", "--validate=false", "-f", "-"}, update_typo), "configured"));
  EXPECT_EQ(ok({"get", "deployment", "web", "-o", "jsonpath={.spec.replicas}"}), "3");
  EXPECT_FALSE(contains(ok({"get", "deployment", "web", "-o", "json"}), "\"replica\":"));
  // --validate=warn: the server drops the field and says so in a Warning header kubectl prints.
  std::string warn_typo = replaced(kDeployment, "  replicas: 2\n", "  replicas: 4\n  replicaz: 4\n");
  skiff::SubprocessResult warned = kubectl({"apply", "--validate=warn", "-f", "-"}, warn_typo);
  EXPECT_TRUE(warned.ok()) << warned.err;
  EXPECT_TRUE(contains(warned.err, "Warning: unknown field \"spec.replicaz\"")) << warned.err;
  EXPECT_EQ(ok({"get", "deployment", "web", "-o", "jsonpath={.spec.replicas}"}), "4");
}

TEST_F(SchemaKubectlTest, DiffAndServerDryRun) {
  ok({"apply", "-f", "-"}, kDeployment);
  std::string scaled = replaced(kDeployment, "  replicas: 2\n", "  replicas: 5\n");
  skiff::SubprocessResult diff = kubectl({"diff", "-f", "-"}, scaled);
  EXPECT_EQ(diff.exit_code, 1) << diff.describe() << diff.err;  // 1: differences found
  EXPECT_TRUE(contains(diff.out, "-  replicas: 2")) << diff.out;
  EXPECT_TRUE(contains(diff.out, "+  replicas: 5")) << diff.out;
  EXPECT_EQ(kubectl({"diff", "-f", "-"}, kDeployment).exit_code, 0);

  EXPECT_TRUE(contains(ok({"apply", "--dry-run=server", "-f", "-"}, scaled), "(server dry run)"));
  EXPECT_EQ(ok({"get", "deployment", "web", "-o", "jsonpath={.spec.replicas}"}), "2");

  // A dry-run create answers with the defaulted object and stores nothing.
  std::string created = ok({"apply", "--dry-run=server", "-o", "json", "-f", "-"},
                           "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {a: '1'}\n");
  EXPECT_TRUE(contains(created, "\"uid\"")) << created;
  EXPECT_FALSE(kubectl({"get", "configmap", "settings"}).ok());
  // A dry-run delete leaves the object.
  EXPECT_TRUE(contains(ok({"delete", "deployment", "web", "--dry-run=server"}), "(server dry run)"));
  EXPECT_EQ(ok({"get", "deployment", "web", "-o", "jsonpath={.metadata.name}"}), "web");
}

}  // namespace

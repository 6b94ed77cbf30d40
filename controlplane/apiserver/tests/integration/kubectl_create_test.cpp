// kubectl's typed create subcommands (create namespace/configmap/secret/serviceaccount/service/
// deployment, autoscale, expose) send Kubernetes protobuf bodies; the real kubectl against the
// real skiff-server, with the stored objects read back as JSON.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "kubectl_fixture.h"
#include "skiff/base/base64.h"

namespace {

class KubectlCreate : public skiff::apiserver::testing::KubectlServerTest {
 protected:
  boost::json::value get(const std::vector<std::string>& what) {
    std::vector<std::string> args = {"get"};
    args.insert(args.end(), what.begin(), what.end());
    args.insert(args.end(), {"-o", "json"});
    std::string out = ok(args);
    return out.empty() ? boost::json::value() : boost::json::parse(out);
  }
};

TEST_F(KubectlCreate, RequestBodiesAreProtobuf) {
  // -v=8 logs the request headers: the body really went as protobuf, and was accepted.
  skiff::SubprocessResult result = kubectl({"create", "configmap", "probe", "--from-literal=k=v", "-v=8"});
  ASSERT_TRUE(result.ok()) << result.err;
  EXPECT_NE(result.err.find("Content-Type: application/vnd.kubernetes.protobuf"), std::string::npos) << result.err;
}

TEST_F(KubectlCreate, NamespaceConfigMapServiceAccount) {
  ok({"create", "namespace", "n1"});
  EXPECT_EQ(get({"namespace", "n1"}).at("status").at("phase"), "Active");

  ok({"create", "configmap", "c1", "--from-literal=a=b", "-n", "n1"});
  boost::json::value config_map = get({"configmap", "c1", "-n", "n1"});
  EXPECT_EQ(config_map.at("data"), boost::json::parse(R"({"a": "b"})"));
  EXPECT_EQ(config_map.at("metadata").at("namespace"), "n1");

  ok({"create", "serviceaccount", "sa1"});
  EXPECT_EQ(get({"serviceaccount", "sa1"}).at("metadata").at("name"), "sa1");
}

TEST_F(KubectlCreate, Secrets) {
  ok({"create", "secret", "generic", "s1", "--from-literal=x=y"});
  boost::json::value generic = get({"secret", "s1"});
  EXPECT_EQ(generic.at("type"), "Opaque");
  EXPECT_EQ(generic.at("data").at("x"), boost::json::value(skiff::base64_encode("y")));

  // The server's own certificate and key make a valid pair for kubectl's check.
  std::string pki = dir_.path() + "/data/pki/";
  ok({"create", "secret", "tls", "t1", "--cert=" + pki + "server.crt", "--key=" + pki + "server.key"});
  boost::json::value tls = get({"secret", "t1"});
  EXPECT_EQ(tls.at("type"), "kubernetes.io/tls");
  EXPECT_EQ(skiff::base64_decode(tls.at("data").at("tls.crt").as_string(), "tls.crt"),
            skiff::read_file(pki + "server.crt"));

  ok({"create", "secret", "docker-registry", "r1", "--docker-server=registry.example", "--docker-username=u",
      "--docker-password=p"});
  boost::json::value registry = get({"secret", "r1"});
  EXPECT_EQ(registry.at("type"), "kubernetes.io/dockerconfigjson");
  boost::json::value config = boost::json::parse(
      skiff::base64_decode(registry.at("data").at(".dockerconfigjson").as_string(), ".dockerconfigjson"));
  EXPECT_EQ(config.at("auths").at("registry.example").at("username"), "u");
}

TEST_F(KubectlCreate, Services) {
  ok({"create", "service", "clusterip", "sc1", "--tcp=80:8080"});
  boost::json::value cluster_ip = get({"service", "sc1"});
  EXPECT_EQ(cluster_ip.at("spec").at("type"), "ClusterIP");
  EXPECT_EQ(cluster_ip.at("spec").at("ports").at(0).at("port"), 80);
  EXPECT_EQ(cluster_ip.at("spec").at("ports").at(0).at("targetPort"), 8080);
  EXPECT_EQ(cluster_ip.at("spec").at("selector"), boost::json::parse(R"({"app": "sc1"})"));

  ok({"create", "service", "nodeport", "sn1", "--tcp=80:8080", "--node-port=30080"});
  boost::json::value node_port = get({"service", "sn1"});
  EXPECT_EQ(node_port.at("spec").at("type"), "NodePort");
  EXPECT_EQ(node_port.at("spec").at("ports").at(0).at("nodePort"), 30080);

  ok({"create", "service", "loadbalancer", "sl1", "--tcp=443:8443"});
  boost::json::value balancer = get({"service", "sl1"});
  EXPECT_EQ(balancer.at("spec").at("type"), "LoadBalancer");
  EXPECT_EQ(balancer.at("spec").at("ports").at(0).at("targetPort"), 8443);

  ok({"create", "service", "externalname", "se1", "--external-name=db.example.com"});
  boost::json::value external = get({"service", "se1"});
  EXPECT_EQ(external.at("spec").at("type"), "ExternalName");
  EXPECT_EQ(external.at("spec").at("externalName"), "db.example.com");
}

TEST_F(KubectlCreate, DeploymentAndExpose) {
  ok({"create", "deployment", "d1", "--image=busybox", "--replicas=2", "--port=80", "--", "sleep", "3600"});
  boost::json::value deployment = get({"deployment", "d1"});
  const boost::json::value& spec = deployment.at("spec");
  EXPECT_EQ(spec.at("replicas"), 2);
  EXPECT_EQ(spec.at("selector").at("matchLabels"), boost::json::parse(R"({"app": "d1"})"));
  const boost::json::value& container = spec.at("template").at("spec").at("containers").at(0);
  EXPECT_EQ(container.at("image"), "busybox");
  EXPECT_EQ(container.at("command"), boost::json::parse(R"(["sleep", "3600"])"));
  EXPECT_EQ(container.at("ports").at(0).at("containerPort"), 80);
  EXPECT_EQ(spec.at("template").at("metadata").at("labels"), boost::json::parse(R"({"app": "d1"})"));

  ok({"create", "deployment", "d2", "--image=busybox"});
  EXPECT_EQ(get({"deployment", "d2"}).at("spec").at("replicas"), 1);

  ok({"expose", "deployment", "d1", "--port=80"});
  boost::json::value service = get({"service", "d1"});
  EXPECT_EQ(service.at("spec").at("selector"), boost::json::parse(R"({"app": "d1"})"));
  EXPECT_EQ(service.at("spec").at("ports").at(0).at("port"), 80);
  EXPECT_EQ(service.at("spec").at("ports").at(0).at("targetPort"), 80);
}

// kubectl 1.32's autoscale posts an autoscaling/v1 HorizontalPodAutoscaler.
TEST_F(KubectlCreate, Autoscale) {
  ok({"create", "deployment", "d1", "--image=busybox"});
  ok({"autoscale", "deployment", "d1", "--min=1", "--max=5", "--cpu-percent=80"});
  boost::json::value hpa = get({"horizontalpodautoscaler", "d1"});
  EXPECT_EQ(hpa.at("spec").at("minReplicas"), 1);
  EXPECT_EQ(hpa.at("spec").at("maxReplicas"), 5);
  EXPECT_EQ(hpa.at("spec").at("scaleTargetRef").at("name"), "d1");
  EXPECT_EQ(hpa.at("spec").at("metrics").at(0).at("resource").at("target").at("averageUtilization"), 80);
}

}  // namespace

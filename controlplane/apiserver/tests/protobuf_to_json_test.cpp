// Kubernetes protobuf bodies, built here with a small encoder the way the generated Go
// marshallers lay them out, decode to the JSON Kubernetes would store.
#include <gtest/gtest.h>

#include "../src/protobuf_to_json.h"
#include "skiff/apiserver/status.h"

using skiff::apiserver::ApiError;
using skiff::apiserver::protobuf_to_json;

namespace {

// Writes protobuf fields: varints, length-delimited strings and nested messages.
class Encoder {
 public:
  Encoder& varint(uint32_t number, uint64_t value) {
    tag(number, 0);
    put_varint(value);
    return *this;
  }
  Encoder& bytes(uint32_t number, std::string_view value) {
    tag(number, 2);
    put_varint(value.size());
    out_ += value;
    return *this;
  }
  Encoder& message(uint32_t number, const Encoder& nested) { return bytes(number, nested.out_); }
  // A map<string, string|bytes> entry.
  Encoder& entry(uint32_t number, std::string_view key, std::string_view value) {
    return message(number, Encoder().bytes(1, key).bytes(2, value));
  }
  [[nodiscard]] const std::string& str() const { return out_; }

 private:
  void tag(uint32_t number, uint32_t wire_type) { put_varint((uint64_t{number} << 3U) | wire_type); }
  void put_varint(uint64_t value) {
    while (value >= 0x80) {
      out_ += static_cast<char>((value & 0x7FU) | 0x80U);
      value >>= 7U;
    }
    out_ += static_cast<char>(value);
  }
  std::string out_;
};

// "k8s\0" + runtime.Unknown{typeMeta{apiVersion, kind}, raw}.
std::string envelope(std::string_view api_version, std::string_view kind, const Encoder& object) {
  Encoder unknown;
  unknown.message(1, Encoder().bytes(1, api_version).bytes(2, kind)).message(2, object);
  return std::string("k8s\0", 4) + unknown.str();
}

Encoder object_meta(std::string_view name, std::string_view ns) {
  // Go writes every non-pointer field: empty strings, generation 0, an empty creationTimestamp.
  return Encoder().bytes(1, name).bytes(2, "").bytes(3, ns).bytes(4, "").bytes(5, "").bytes(6, "").varint(7, 0).message(
      8, Encoder());
}

boost::json::value decode(const std::string& body) {
  return protobuf_to_json(body, "Object");
}

int status_of(const std::string& body, std::string* message = nullptr) {
  try {
    decode(body);
  } catch (const ApiError& e) {
    if (message) {
      *message = e.what();
    }
    return e.http_code();
  }
  return 200;
}

TEST(ProtobufToJson, ConfigMapWithDataBinaryDataAndLabels) {
  Encoder meta = object_meta("c1", "default");
  meta.entry(11, "app", "web");
  Encoder config_map;
  config_map.message(1, meta).entry(2, "a", "b").entry(3, "bin", std::string("\x00\xff", 2)).varint(4, 0);
  EXPECT_EQ(decode(envelope("v1", "ConfigMap", config_map)), boost::json::parse(R"({
    "apiVersion": "v1", "kind": "ConfigMap",
    "metadata": {"name": "c1", "namespace": "default", "labels": {"app": "web"}},
    "data": {"a": "b"}, "binaryData": {"bin": "AP8="}, "immutable": false})"));
}

TEST(ProtobufToJson, SecretDataIsBase64) {
  Encoder secret;
  secret.message(1, object_meta("s1", "")).entry(2, "x", "y").bytes(3, "Opaque");
  EXPECT_EQ(decode(envelope("v1", "Secret", secret)), boost::json::parse(R"({
    "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s1"}, "data": {"x": "eQ=="}, "type": "Opaque"})"));
}

TEST(ProtobufToJson, DeploymentKeepsPointerZerosAndDropsValueZeros) {
  Encoder container;
  container.bytes(1, "busybox")
      .bytes(2, "busybox")
      .bytes(3, "sleep")
      .bytes(4, "3600")
      .message(6, Encoder().bytes(1, "").varint(2, 0).varint(3, 80).bytes(4, "TCP"))
      .message(8, Encoder().message(1, Encoder().bytes(1, "cpu").message(2, Encoder().bytes(1, "500m"))))
      .bytes(14, "IfNotPresent");
  Encoder pod_spec;
  pod_spec.message(2, container).bytes(3, "Always").varint(4, 30);
  Encoder template_spec;
  template_spec.message(1, Encoder().entry(11, "app", "d1")).message(2, pod_spec);
  Encoder strategy;
  strategy.bytes(1, "RollingUpdate")
      .message(2, Encoder()
                      .message(1, Encoder().varint(1, 0).varint(2, 0))
                      .message(2, Encoder().varint(1, 1).varint(2, 0).bytes(3, "25%")));
  Encoder spec;
  spec.varint(1, 0)
      .message(2, Encoder().entry(1, "app", "d1"))
      .message(3, template_spec)
      .message(4, strategy)
      .varint(5, 0);
  Encoder deployment;
  deployment.message(1, object_meta("d1", "default")).message(2, spec).message(3, Encoder());
  EXPECT_EQ(decode(envelope("apps/v1", "Deployment", deployment)), boost::json::parse(R"({
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "d1", "namespace": "default"},
    "spec": {"replicas": 0, "selector": {"matchLabels": {"app": "d1"}},
      "template": {"metadata": {"labels": {"app": "d1"}},
        "spec": {"containers": [{"name": "busybox", "image": "busybox", "command": ["sleep"], "args": ["3600"],
          "ports": [{"containerPort": 80, "protocol": "TCP"}], "resources": {"limits": {"cpu": "500m"}},
          "imagePullPolicy": "IfNotPresent"}],
          "restartPolicy": "Always", "terminationGracePeriodSeconds": 30}},
      "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": "25%"}}},
    "status": {}})"));
}

TEST(ProtobufToJson, TimesAreRfc3339) {
  Encoder meta = object_meta("l1", "ns");
  meta.message(8, Encoder().varint(1, 1700000000));
  Encoder spec;
  spec.bytes(1, "holder").varint(2, 15).message(4, Encoder().varint(1, 1700000000).varint(2, 123456789));
  Encoder lease;
  lease.message(1, meta).message(2, spec);
  EXPECT_EQ(decode(envelope("coordination.k8s.io/v1", "Lease", lease)), boost::json::parse(R"({
    "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
    "metadata": {"name": "l1", "namespace": "ns", "creationTimestamp": "2023-11-14T22:13:20Z"},
    "spec": {"holderIdentity": "holder", "leaseDurationSeconds": 15,
      "renewTime": "2023-11-14T22:13:20.123456Z"}})"));
}

TEST(ProtobufToJson, InlinedVolumeSourcesProbeHandlersAndPackedGroups) {
  Encoder volume;
  volume.bytes(1, "cfg").message(2,
                                 Encoder().message(19, Encoder().message(1, Encoder().bytes(1, "c1")).varint(3, 420)));
  Encoder probe;
  probe.message(1, Encoder().message(2, Encoder().bytes(1, "/healthz").message(2, Encoder().varint(2, 8080))))
      .varint(3, 1);
  Encoder container;
  container.bytes(1, "app").bytes(2, "busybox").message(10, probe);
  Encoder security;
  security.bytes(4, std::string("\x05\x06", 2));  // packed supplementalGroups
  Encoder pod_spec;
  pod_spec.message(1, volume).message(2, container).message(14, security);
  Encoder pod;
  pod.message(1, object_meta("p1", "default")).message(2, pod_spec);
  EXPECT_EQ(decode(envelope("v1", "Pod", pod)), boost::json::parse(R"({
    "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p1", "namespace": "default"},
    "spec": {"volumes": [{"name": "cfg", "configMap": {"name": "c1", "defaultMode": 420}}],
      "containers": [{"name": "app", "image": "busybox",
        "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080}, "timeoutSeconds": 1}}],
      "securityContext": {"supplementalGroups": [5, 6]}}})"));
}

TEST(ProtobufToJson, ServicePortsAndHorizontalPodAutoscalerMetrics) {
  Encoder port;
  port.bytes(1, "80-8080")
      .bytes(2, "TCP")
      .varint(3, 80)
      .message(4, Encoder().varint(1, 0).varint(2, 8080))
      .varint(5, 0);
  Encoder service;
  service.message(1, object_meta("s1", "default"))
      .message(2, Encoder().message(1, port).entry(2, "app", "s1").bytes(4, "ClusterIP"));
  EXPECT_EQ(decode(envelope("v1", "Service", service)), boost::json::parse(R"({
    "apiVersion": "v1", "kind": "Service", "metadata": {"name": "s1", "namespace": "default"},
    "spec": {"ports": [{"name": "80-8080", "protocol": "TCP", "port": 80, "targetPort": 8080}],
      "selector": {"app": "s1"}, "type": "ClusterIP"}})"));

  Encoder metric;
  metric.bytes(1, "Resource")
      .message(4, Encoder().bytes(1, "cpu").message(2, Encoder().bytes(1, "Utilization").varint(4, 80)));
  Encoder hpa_spec;
  hpa_spec.message(1, Encoder().bytes(1, "Deployment").bytes(2, "d1").bytes(3, "apps/v1"))
      .varint(2, 1)
      .varint(3, 5)
      .message(4, metric);
  Encoder hpa;
  hpa.message(1, object_meta("d1", "default")).message(2, hpa_spec);
  EXPECT_EQ(decode(envelope("autoscaling/v2", "HorizontalPodAutoscaler", hpa)), boost::json::parse(R"({
    "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
    "metadata": {"name": "d1", "namespace": "default"},
    "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "d1", "apiVersion": "apps/v1"},
      "minReplicas": 1, "maxReplicas": 5,
      "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization",
        "averageUtilization": 80}}}]}})"));
}

TEST(ProtobufToJson, AutoscalingV1HorizontalPodAutoscaler) {
  Encoder spec;
  spec.message(1, Encoder().bytes(1, "Deployment").bytes(2, "d1").bytes(3, "apps/v1"))
      .varint(2, 1)
      .varint(3, 5)
      .varint(4, 80);
  Encoder hpa;
  hpa.message(1, object_meta("d1", "default")).message(2, spec).message(3, Encoder().varint(3, 0).varint(4, 0));
  EXPECT_EQ(decode(envelope("autoscaling/v1", "HorizontalPodAutoscaler", hpa)), boost::json::parse(R"({
    "apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
    "metadata": {"name": "d1", "namespace": "default"},
    "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "d1", "apiVersion": "apps/v1"},
      "minReplicas": 1, "maxReplicas": 5, "targetCPUUtilizationPercentage": 80},
    "status": {"currentReplicas": 0, "desiredReplicas": 0}})"));
}

TEST(ProtobufToJson, UnknownFieldIsUnsupportedMediaTypeNamingMessageAndNumber) {
  Encoder pod_spec;
  pod_spec.bytes(999, "future");
  std::string message;
  EXPECT_EQ(status_of(envelope("v1", "Pod", Encoder().message(2, pod_spec)), &message), 415);
  EXPECT_NE(message.find("field number 999 of k8s.io.api.core.v1.PodSpec"), std::string::npos) << message;
  EXPECT_NE(message.find("application/json"), std::string::npos) << message;
}

TEST(ProtobufToJson, UnknownTypeIsUnsupportedMediaType) {
  std::string message;
  EXPECT_EQ(status_of(envelope("batch/v1", "Job", Encoder()), &message), 415);
  EXPECT_NE(message.find("batch/v1 Job"), std::string::npos) << message;
}

TEST(ProtobufToJson, MalformedBodiesAreBadRequests) {
  std::string body = envelope("v1", "ConfigMap", Encoder().message(1, object_meta("c1", "default")));
  EXPECT_EQ(status_of(body.substr(0, body.size() - 3)), 400);  // cut off
  EXPECT_EQ(status_of("{\"kind\":\"ConfigMap\"}"), 400);       // no k8s\0 prefix
  std::string message;
  // metadata (field 1) sent as a varint
  EXPECT_EQ(status_of(envelope("v1", "ConfigMap", Encoder().varint(1, 7)), &message), 400);
  EXPECT_NE(message.find("k8s.io.api.core.v1.ConfigMap"), std::string::npos) << message;
}

}  // namespace

#include "skiff/api/kubeconfig.h"

#include <gtest/gtest.h>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "test_support.h"

namespace skiff::api {
namespace {

// The file skiff-server writes (bootstrap.cpp's format).
constexpr const char* kServerWritten =
    "apiVersion: v1\nkind: Config\nclusters:\n- name: skiff\n  cluster:\n"
    "    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==\n"
    "    server: https://127.0.0.1:6443\n"
    "contexts:\n- name: skiff\n  context:\n    cluster: skiff\n    user: admin\n"
    "current-context: skiff\nusers:\n- name: admin\n  user:\n    token: abc123\n";

TEST(Kubeconfig, ReadsTheFileSkiffServerWrites) {
  Kubeconfig config = Kubeconfig::parse(kServerWritten, "admin.kubeconfig", "/tmp");
  EXPECT_EQ(config.server, "https://127.0.0.1:6443");
  EXPECT_EQ(config.ca_pem, "-----BEGIN CERTIFICATE-----\n");
  EXPECT_EQ(config.token, "abc123");
  EXPECT_FALSE(config.insecure_skip_tls_verify);
  HttpEndpoint endpoint = config.endpoint();
  EXPECT_EQ(endpoint.host, "127.0.0.1");
  EXPECT_EQ(endpoint.port, "6443");
  EXPECT_TRUE(endpoint.tls);
  ASSERT_EQ(endpoint.headers.size(), 1U);
  EXPECT_EQ(endpoint.headers[0].second, "Bearer abc123");
}

TEST(Kubeconfig, PicksTheNamedOrCurrentContextAmongSeveral) {
  std::string text =
      "clusters:\n"
      "- name: a\n  cluster: {server: 'https://[::1]:7443', insecure-skip-tls-verify: true}\n"
      "- name: b\n  cluster: {server: http://example.test}\n"
      "users:\n- name: ua\n  user: {token: ta}\n- name: ub\n  user: {tokenFile: tok}\n"
      "contexts:\n- name: ca\n  context: {cluster: a, user: ua}\n- name: cb\n  context: {cluster: b, user: ub}\n"
      "current-context: ca\n";
  Kubeconfig current = Kubeconfig::parse(text, "config", "/nonexistent");
  EXPECT_EQ(current.token, "ta");
  EXPECT_TRUE(current.insecure_skip_tls_verify);
  HttpEndpoint v6 = current.endpoint();
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.port, "7443");
  EXPECT_TRUE(v6.insecure_skip_verify);

  skiff::testing::TempDir dir("skiff-kubeconfig-");
  write_file_atomic(dir.path() + "/tok", "from-file\n", 0600);
  write_file_atomic(dir.path() + "/config", text, 0600);
  Kubeconfig named = Kubeconfig::load(dir.path() + "/config", "cb");
  EXPECT_EQ(named.token, "from-file");
  HttpEndpoint plain = named.endpoint();
  EXPECT_FALSE(plain.tls);
  EXPECT_EQ(plain.host, "example.test");
  EXPECT_EQ(plain.port, "80");
}

TEST(Kubeconfig, ReadsTheCertificateAuthorityFileRelativeToTheKubeconfig) {
  skiff::testing::TempDir dir("skiff-kubeconfig-");
  write_file_atomic(dir.path() + "/ca.crt", "PEM", 0644);
  std::string text =
      "{\"clusters\":[{\"name\":\"c\",\"cluster\":{\"server\":\"https://h:1\",\"certificate-authority\":\"ca.crt\"}}],"
      "\"contexts\":[{\"name\":\"x\",\"context\":{\"cluster\":\"c\"}}],\"current-context\":\"x\"}";
  write_file_atomic(dir.path() + "/config.json", text, 0600);
  Kubeconfig config = Kubeconfig::load(dir.path() + "/config.json");
  EXPECT_EQ(config.ca_pem, "PEM");
  EXPECT_TRUE(config.token.empty());
}

TEST(Kubeconfig, ErrorsNameTheFileAndTheField) {
  auto message = [](const std::string& text) {
    try {
      HttpEndpoint endpoint = Kubeconfig::parse(text, "my.kubeconfig", "/").endpoint();
      return "no error, host " + endpoint.host;
    } catch (const Error& e) {
      return std::string(e.what());
    }
  };
  EXPECT_EQ(message("clusters: []\n"), "my.kubeconfig: current-context is not set and no context was named");
  EXPECT_EQ(message("current-context: x\ncontexts: []\n"), "my.kubeconfig: no contexts entry named \"x\"");
  EXPECT_EQ(message("current-context: x\ncontexts:\n- {name: x, context: {cluster: c}}\n"
                    "clusters:\n- {name: c, cluster: {}}\n"),
            "my.kubeconfig: clusters[c].cluster.server is not set");
  EXPECT_NE(message("current-context: x\ncontexts:\n- {name: x, context: {cluster: c}}\n"
                    "clusters:\n- {name: c, cluster: {server: 'https://h', certificate-authority-data: '@@'}}\n")
                .find("clusters[c].cluster.certificate-authority-data"),
            std::string::npos);
  EXPECT_EQ(message("current-context: x\ncontexts:\n- {name: x, context: {cluster: c}}\n"
                    "clusters:\n- {name: c, cluster: {server: 'ftp://h'}}\n"),
            "kubeconfig server ftp://h: want an http:// or https:// URL");
  EXPECT_NE(message("a: [b\n").find("my.kubeconfig: line "), std::string::npos);
}

}  // namespace
}  // namespace skiff::api

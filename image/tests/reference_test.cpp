#include "skiff/image/reference.h"

#include <gtest/gtest.h>

#include "skiff/base/error.h"

namespace skiff::image {
namespace {

const std::string hex64 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

std::string error_of(std::string_view text) {
  try {
    Reference::parse(text);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Reference, ShortNameGetsDockerHubLibraryAndLatest) {
  auto ref = Reference::parse("busybox");
  EXPECT_EQ(ref.registry, "docker.io");
  EXPECT_EQ(ref.repository, "library/busybox");
  EXPECT_EQ(ref.tag, "latest");
  EXPECT_FALSE(ref.digest);
  EXPECT_EQ(ref.str(), "docker.io/library/busybox:latest");
  EXPECT_EQ(ref.name(), "docker.io/library/busybox");
  EXPECT_EQ(ref.manifest_reference(), "latest");
}

TEST(Reference, NamespacedNameOnDockerHubKeepsItsNamespace) {
  auto ref = Reference::parse("library/busybox:1.36");
  EXPECT_EQ(ref.str(), "docker.io/library/busybox:1.36");
  EXPECT_EQ(Reference::parse("grafana/grafana").str(), "docker.io/grafana/grafana:latest");
  EXPECT_EQ(Reference::parse("docker.io/busybox").str(), "docker.io/library/busybox:latest");
  EXPECT_EQ(Reference::parse("index.docker.io/busybox:1").str(), "docker.io/library/busybox:1");
}

TEST(Reference, DigestAloneHasNoTag) {
  auto ref = Reference::parse("ubuntu@sha256:" + hex64);
  EXPECT_EQ(ref.repository, "library/ubuntu");
  EXPECT_EQ(ref.tag, "");
  ASSERT_TRUE(ref.digest);
  EXPECT_EQ(ref.digest->hex(), hex64);
  EXPECT_EQ(ref.str(), "docker.io/library/ubuntu@sha256:" + hex64);
  EXPECT_EQ(ref.manifest_reference(), "sha256:" + hex64);
}

TEST(Reference, TagAndDigestKeepsBothAndAsksForTheDigest) {
  auto ref = Reference::parse("quay.io/podman/stable:v4@sha256:" + hex64);
  EXPECT_EQ(ref.registry, "quay.io");
  EXPECT_EQ(ref.repository, "podman/stable");
  EXPECT_EQ(ref.tag, "v4");
  EXPECT_EQ(ref.str(), "quay.io/podman/stable:v4@sha256:" + hex64);
  EXPECT_EQ(ref.manifest_reference(), "sha256:" + hex64);
}

TEST(Reference, RegistryWithPortAndDeepPath) {
  auto ref = Reference::parse("127.0.0.1:5000/ns/sub/name:tag-1.0_x");
  EXPECT_EQ(ref.registry, "127.0.0.1:5000");
  EXPECT_EQ(ref.repository, "ns/sub/name");
  EXPECT_EQ(ref.tag, "tag-1.0_x");
  // A port without a tag is not mistaken for a tag.
  auto no_tag = Reference::parse("myhost:5000/app");
  EXPECT_EQ(no_tag.registry, "myhost:5000");
  EXPECT_EQ(no_tag.repository, "app");
  EXPECT_EQ(no_tag.tag, "latest");
}

TEST(Reference, FirstComponentIsARegistryOnlyWithDotColonOrLocalhost) {
  auto local = Reference::parse("localhost/x");
  EXPECT_EQ(local.registry, "localhost");
  EXPECT_EQ(local.repository, "x");
  EXPECT_EQ(Reference::parse("localhost:5000/x").registry, "localhost:5000");
  EXPECT_EQ(Reference::parse("example.com/x").registry, "example.com");
  // No dot, colon or "localhost": a Docker Hub namespace.
  auto hub = Reference::parse("myhost/x");
  EXPECT_EQ(hub.registry, "docker.io");
  EXPECT_EQ(hub.repository, "myhost/x");
  // A single name is never a registry, even with a dot.
  EXPECT_EQ(Reference::parse("my.app").repository, "library/my.app");
}

TEST(Reference, IPv6Registry) {
  auto ref = Reference::parse("[::1]:5000/app:1");
  EXPECT_EQ(ref.registry, "[::1]:5000");
  EXPECT_EQ(ref.repository, "app");
  EXPECT_EQ(ref.tag, "1");
  EXPECT_NE(error_of("[::1/app"), "");
  EXPECT_NE(error_of("[zz]:5000/app"), "");
}

TEST(Reference, SeparatorsInRepositoryNames) {
  EXPECT_EQ(Reference::parse("a/b.c_d__e---f").repository, "a/b.c_d__e---f");
  EXPECT_NE(error_of("a/b___c"), "");
  EXPECT_NE(error_of("a/-b"), "");
  EXPECT_NE(error_of("a/b-"), "");
  EXPECT_NE(error_of("a/b..c"), "");
  EXPECT_NE(error_of("a//b"), "");
  EXPECT_NE(error_of("a/b/"), "");
}

TEST(Reference, UppercaseRepositoryIsRejectedQuotingTheText) {
  std::string err = error_of("Busybox");
  EXPECT_NE(err.find("\"Busybox\""), std::string::npos) << err;
  EXPECT_NE(err.find("lowercase"), std::string::npos) << err;
  err = error_of("quay.io/Podman/stable");
  EXPECT_NE(err.find("lowercase"), std::string::npos) << err;
  // Uppercase in the first of several components names a registry (host names are case-free).
  auto ref = Reference::parse("MyRegistry/app");
  EXPECT_EQ(ref.registry, "MyRegistry");
  EXPECT_EQ(ref.repository, "app");
}

TEST(Reference, TagGrammar) {
  EXPECT_EQ(Reference::parse("a:_x").tag, "_x");
  EXPECT_EQ(Reference::parse("a:V1.2-rc.3").tag, "V1.2-rc.3");
  EXPECT_EQ(Reference::parse("a:" + std::string(128, 't')).tag, std::string(128, 't'));
  std::string err = error_of("a:" + std::string(129, 't'));
  EXPECT_NE(err.find("tag"), std::string::npos) << err;
  EXPECT_NE(error_of("a:.x"), "");
  EXPECT_NE(error_of("a:-x"), "");
  EXPECT_NE(error_of("a:x+y"), "");
  err = error_of("busybox:");
  EXPECT_NE(err.find("empty"), std::string::npos) << err;
}

TEST(Reference, BadTextGivesAnErrorNamingIt) {
  EXPECT_NE(error_of("").find("empty"), std::string::npos);
  EXPECT_NE(error_of(":tag").find("\":tag\""), std::string::npos);
  EXPECT_NE(error_of("busy box").find("whitespace"), std::string::npos);
  std::string err = error_of("busybox@sha256:abc");
  EXPECT_NE(err.find("busybox@sha256:abc"), std::string::npos) << err;
  EXPECT_NE(error_of("busybox@" + hex64), "");
  EXPECT_NE(error_of(hex64).find("image ID"), std::string::npos);
  EXPECT_NE(error_of("exa_mple.com/x").find("host name"), std::string::npos);
  EXPECT_NE(error_of("example.com:/x").find("port"), std::string::npos);
  EXPECT_NE(error_of("example.com:50a/x").find("port"), std::string::npos);
  EXPECT_NE(error_of("example.com/").find("empty"), std::string::npos);
  EXPECT_NE(error_of("example.com/" + std::string(250, 'a')).find("longer"), std::string::npos);
}

TEST(Reference, StrRoundTrips) {
  for (const std::string& text :
       std::vector<std::string>{"docker.io/library/busybox:latest", "127.0.0.1:5000/a/b:c",
                                "docker.io/library/ubuntu@sha256:" + hex64, "localhost/x:1@sha256:" + hex64}) {
    auto ref = Reference::parse(text);
    EXPECT_EQ(ref.str(), text);
    EXPECT_EQ(Reference::parse(ref.str()), ref);
  }
}

TEST(Reference, RegistryApiHost) {
  EXPECT_EQ(registry_api_host("docker.io"), "registry-1.docker.io");
  EXPECT_EQ(registry_api_host("index.docker.io"), "registry-1.docker.io");
  EXPECT_EQ(registry_api_host("quay.io"), "quay.io");
  EXPECT_EQ(registry_api_host("127.0.0.1:5000"), "127.0.0.1:5000");
}

}  // namespace
}  // namespace skiff::image

#include <gtest/gtest.h>

#include <chrono>

#include "../src/http_url.h"
#include "../src/registry_auth.h"
#include "skiff/base/error.h"

namespace skiff::image {
namespace {

TEST(WwwAuthenticate, ParsesABearerChallenge) {
  auto challenges = parse_www_authenticate(
      R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull")");
  ASSERT_EQ(challenges.size(), 1U);
  EXPECT_EQ(challenges[0].scheme, "bearer");
  EXPECT_EQ(challenges[0].param("realm"), "https://auth.docker.io/token");
  EXPECT_EQ(challenges[0].param("service"), "registry.docker.io");
  EXPECT_EQ(challenges[0].param("scope"), "repository:library/busybox:pull");
  EXPECT_EQ(challenges[0].param("error"), "");
}

TEST(WwwAuthenticate, ParsesSeveralChallengesTokensAndEscapes) {
  auto challenges =
      parse_www_authenticate(R"(Basic realm="a \"quoted\" realm", Bearer REALM=http://x/token , error=invalid_token)");
  ASSERT_EQ(challenges.size(), 2U);
  EXPECT_EQ(challenges[0].scheme, "basic");
  EXPECT_EQ(challenges[0].param("realm"), R"(a "quoted" realm)");
  EXPECT_EQ(challenges[1].scheme, "bearer");
  EXPECT_EQ(challenges[1].param("realm"), "http://x/token");
  EXPECT_EQ(challenges[1].param("error"), "invalid_token");
}

TEST(WwwAuthenticate, ToleratesGarbage) {
  EXPECT_TRUE(parse_www_authenticate("").empty());
  EXPECT_EQ(parse_www_authenticate("Basic").size(), 1U);
  EXPECT_NO_THROW(parse_www_authenticate(R"(Bearer realm="unterminated)"));
  EXPECT_NO_THROW(parse_www_authenticate(",,, =x"));
}

TEST(BasicAuthorization, EncodesUserAndPassword) {
  EXPECT_EQ(basic_authorization({.username = "front-user", .password = "front-pass"}),
            "Basic ZnJvbnQtdXNlcjpmcm9udC1wYXNz");
}

TEST(TokenResponse, TakesTokenOrAccessTokenAndExpiry) {
  auto before = std::chrono::steady_clock::now();
  BearerToken token = parse_token_response(R"({"token":"abc","expires_in":300})", "token");
  EXPECT_EQ(token.token, "abc");
  EXPECT_GT(token.expires, before + std::chrono::seconds(200));
  EXPECT_EQ(parse_token_response(R"({"access_token":"xyz"})", "token").token, "xyz");
  // Without expires_in a token lives 60 s (the distribution token spec).
  EXPECT_LT(parse_token_response(R"({"token":"t"})", "token").expires, before + std::chrono::seconds(61));
}

TEST(TokenResponse, RejectsAnswersWithoutAToken) {
  EXPECT_THROW(parse_token_response(R"({"expires_in":300})", "token"), Error);
  EXPECT_THROW(parse_token_response("not json", "token"), Error);
  EXPECT_THROW(parse_token_response(R"({"token":"t","expires_in":-5})", "token"), Error);
}

TEST(HttpUrl, ParsesAndResolvesRedirects) {
  HttpUrl base = registry_base_url("127.0.0.1:5000", true);
  EXPECT_FALSE(base.https);
  EXPECT_EQ(base.authority(), "127.0.0.1:5000");
  EXPECT_EQ(base.target, "/v2/");

  HttpUrl relative = resolve_http_url(base, "/v2/x/blobs/sha256:ab?state=1", "Location");
  EXPECT_EQ(relative.origin(), "http://127.0.0.1:5000");
  EXPECT_EQ(relative.target, "/v2/x/blobs/sha256:ab?state=1");

  HttpUrl other = resolve_http_url(base, "https://storage.example.com/b/c?sig=a%2Fb", "Location");
  EXPECT_TRUE(other.https);
  EXPECT_EQ(other.port, 443);
  EXPECT_EQ(other.origin(), "https://storage.example.com");
  EXPECT_EQ(other.target, "/b/c?sig=a%2Fb");

  EXPECT_EQ(parse_http_url("https://[::1]:8443/token", "realm").origin(), "https://[::1]:8443");
  EXPECT_EQ(registry_base_url("registry-1.docker.io", false).origin(), "https://registry-1.docker.io");
  EXPECT_THROW(parse_http_url("ftp://x/y", "realm"), Error);
  EXPECT_THROW(parse_http_url("/relative", "realm"), Error);
  EXPECT_EQ(url_encode("repository:a/b:pull"), "repository%3Aa%2Fb%3Apull");
}

}  // namespace
}  // namespace skiff::image

#include "skiff/image/registries_config.h"

#include <grp.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "scratch_dir.h"
#include "skiff/base/error.h"

namespace skiff::image {
namespace {

const std::string by_digest = "@sha256:" + std::string(64, 'd');

class RegistriesConfigTest : public ::testing::Test {
 protected:
  RegistriesConfig load(std::string_view text) {
    dir_.write("registries.conf", text);
    return RegistriesConfig::load(conf(), certs());
  }
  std::string error_of(std::string_view text) {
    try {
      load(text);
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  }
  std::string conf() const { return dir_.path() + "/registries.conf"; }
  std::string certs() const { return dir_.path() + "/certs.d"; }

  testing::ScratchDir dir_;
};

std::vector<std::string> hosts(const std::vector<RegistryEndpoint>& endpoints) {
  std::vector<std::string> out;
  for (const auto& e : endpoints) {
    out.push_back(e.host + (e.path_prefix.empty() ? "" : " /" + e.path_prefix) + (e.plain_http ? " http" : ""));
  }
  return out;
}

TEST_F(RegistriesConfigTest, MissingFileOrNoEntryMeansTheRegistryItself) {
  auto config = RegistriesConfig::load(dir_.path() + "/absent.conf", certs());
  EXPECT_EQ(config.path(), "");
  EXPECT_EQ(hosts(config.endpoints_for(Reference::parse("busybox"))),
            (std::vector<std::string>{"registry-1.docker.io"}));
  EXPECT_EQ(hosts(RegistriesConfig().endpoints_for(Reference::parse("127.0.0.1:5000/a"))),
            (std::vector<std::string>{"127.0.0.1:5000"}));
}

TEST_F(RegistriesConfigTest, MirrorsFirstThenTheRegistry) {
  auto config = load(R"(
unqualified-search-registries = ["docker.io", "quay.io"]

[[registry]]
prefix = "docker.io"
location = "docker.io"

[[registry.mirror]]
location = "mirror:5000/cache"
insecure = true

[[registry.mirror]]
location = "mirror.example.com"
)");
  EXPECT_EQ(config.path(), conf());
  EXPECT_EQ(config.unqualified_search_registries(), (std::vector<std::string>{"docker.io", "quay.io"}));
  auto endpoints = config.endpoints_for(Reference::parse("busybox:1.36"));
  EXPECT_EQ(hosts(endpoints),
            (std::vector<std::string>{"mirror:5000 /cache http", "mirror.example.com", "registry-1.docker.io"}));
  // Other registries are not affected.
  EXPECT_EQ(hosts(config.endpoints_for(Reference::parse("quay.io/a/b"))), (std::vector<std::string>{"quay.io"}));
}

TEST_F(RegistriesConfigTest, LongestPrefixWinsAndLocationRewrites) {
  auto config = load(R"(
[[registry]]
prefix = "example.com"
location = "registry.internal:5000"

[[registry]]
prefix = "example.com/team"
location = "team-registry:443/mirrored/team"
insecure = true

[[registry]]
location = "plain:5000"
insecure = true
)");
  EXPECT_EQ(hosts(config.endpoints_for(Reference::parse("example.com/app"))),
            (std::vector<std::string>{"registry.internal:5000"}));
  EXPECT_EQ(hosts(config.endpoints_for(Reference::parse("example.com/team/app:1"))),
            (std::vector<std::string>{"team-registry:443 /mirrored http"}));
  // A prefix matches whole path components only.
  EXPECT_EQ(hosts(config.endpoints_for(Reference::parse("example.com/teamwork/app"))),
            (std::vector<std::string>{"registry.internal:5000"}));
  // A location alone is its own prefix.
  EXPECT_EQ(hosts(config.endpoints_for(Reference::parse("plain:5000/x"))),
            (std::vector<std::string>{"plain:5000 http"}));
}

TEST_F(RegistriesConfigTest, PrefixWithARepositoryPathKeepsRepositoriesWhole) {
  auto config = load(R"(
[[registry]]
prefix = "docker.io/library"
location = "docker.io/library"
[[registry.mirror]]
location = "cache.local/hub/library"
)");
  auto endpoints = config.endpoints_for(Reference::parse("alpine"));
  ASSERT_EQ(endpoints.size(), 2U);
  EXPECT_EQ(endpoints[0].host, "cache.local");
  EXPECT_EQ(endpoints[0].path_prefix, "hub");
  EXPECT_EQ(endpoints[1].host, "registry-1.docker.io");
  EXPECT_EQ(endpoints[1].path_prefix, "");
  // Outside the prefix: docker.io directly.
  EXPECT_EQ(hosts(config.endpoints_for(Reference::parse("grafana/grafana"))),
            (std::vector<std::string>{"registry-1.docker.io"}));
  std::string err = error_of(R"(
[[registry]]
prefix = "docker.io/library"
location = "other.io/renamed"
)");
  EXPECT_NE(err.find(conf() + ":2: location"), std::string::npos) << err;
  EXPECT_NE(err.find("\"library\""), std::string::npos) << err;
}

TEST_F(RegistriesConfigTest, WildcardPrefixCoversSubdomains) {
  auto config = load(R"(
[[registry]]
prefix = "*.example.com"
insecure = true
[[registry]]
prefix = "secure.example.com"
)");
  EXPECT_EQ(hosts(config.endpoints_for(Reference::parse("a.example.com/x"))),
            (std::vector<std::string>{"a.example.com http"}));
  EXPECT_EQ(hosts(config.endpoints_for(Reference::parse("secure.example.com/x"))),
            (std::vector<std::string>{"secure.example.com"}));
  EXPECT_EQ(hosts(config.endpoints_for(Reference::parse("example.com/x"))), (std::vector<std::string>{"example.com"}));
  EXPECT_NE(error_of("[[registry]]\nprefix = \"*.example.com/x\"\n").find("wildcard"), std::string::npos);
  EXPECT_NE(error_of("[[registry]]\nprefix = \"*.example.com\"\nlocation = \"x.io\"\n").find("wildcard"),
            std::string::npos);
}

TEST_F(RegistriesConfigTest, BlockedRegistryThrows) {
  auto config = load(R"(
[[registry]]
prefix = "docker.io"
[[registry]]
prefix = "evil.example.com"
blocked = true
)");
  EXPECT_NO_THROW(config.endpoints_for(Reference::parse("busybox")));
  try {
    (void)config.endpoints_for(Reference::parse("evil.example.com/app:1"));
    FAIL() << "a blocked registry gave endpoints";
  } catch (const Error& e) {
    std::string err = e.what();
    EXPECT_NE(err.find("evil.example.com/app:1"), std::string::npos) << err;
    EXPECT_NE(err.find("blocked"), std::string::npos) << err;
    EXPECT_NE(err.find(conf() + ":4"), std::string::npos) << err;
  }
}

TEST_F(RegistriesConfigTest, MirrorsForDigestsOrTagsOnly) {
  auto config = load(R"(
[[registry]]
prefix = "quay.io"
[[registry.mirror]]
location = "digests.local"
pull-from-mirror = "digest-only"
[[registry.mirror]]
location = "tags.local"
pull-from-mirror = "tag-only"
[[registry.mirror]]
location = "all.local"
[[registry]]
prefix = "ghcr.io"
mirror-by-digest-only = true
[[registry.mirror]]
location = "ghcr-mirror.local"
)");
  EXPECT_EQ(hosts(config.endpoints_for(Reference::parse("quay.io/a:1"))),
            (std::vector<std::string>{"tags.local", "all.local", "quay.io"}));
  EXPECT_EQ(hosts(config.endpoints_for(Reference::parse("quay.io/a" + by_digest))),
            (std::vector<std::string>{"digests.local", "all.local", "quay.io"}));
  EXPECT_EQ(hosts(config.endpoints_for(Reference::parse("ghcr.io/a:1"))), (std::vector<std::string>{"ghcr.io"}));
  EXPECT_EQ(hosts(config.endpoints_for(Reference::parse("ghcr.io/a" + by_digest))),
            (std::vector<std::string>{"ghcr-mirror.local", "ghcr.io"}));
  EXPECT_NE(error_of("[[registry]]\nprefix = \"a.io\"\n[[registry.mirror]]\nlocation = \"b.io\"\n"
                     "pull-from-mirror = \"sometimes\"\n")
                .find(":5: pull-from-mirror"),
            std::string::npos);
}

TEST_F(RegistriesConfigTest, CaDirFromCertsDWhenItHoldsCertificates) {
  dir_.write("certs.d/secure.local:5000/ca.crt", "-----BEGIN CERTIFICATE-----\n");
  dir_.write("certs.d/empty.local/readme.txt", "no certificates here");
  auto config = load(R"(
[[registry]]
prefix = "docker.io"
[[registry.mirror]]
location = "secure.local:5000"
)");
  auto endpoints = config.endpoints_for(Reference::parse("busybox"));
  ASSERT_EQ(endpoints.size(), 2U);
  EXPECT_EQ(endpoints[0].ca_dir, certs() + "/secure.local:5000");
  EXPECT_EQ(endpoints[1].ca_dir, "");
  EXPECT_EQ(config.endpoints_for(Reference::parse("empty.local/x")).at(0).ca_dir, "");
  // Several certs.d directories are searched in order.
  dir_.write("second/empty.local/ca.crt", "x");
  auto two = RegistriesConfig::load_with_certs_dirs(conf(), {certs(), dir_.path() + "/second"});
  EXPECT_EQ(two.endpoints_for(Reference::parse("empty.local/x")).at(0).ca_dir, dir_.path() + "/second/empty.local");
}

TEST_F(RegistriesConfigTest, ErrorsNamePathLineAndKey) {
  std::string err = error_of("[[registry]]\nprefix = \"a.io\"\ninsecure = \"yes\"\n");
  EXPECT_NE(err.find(conf() + ":3: insecure: must be true or false"), std::string::npos) << err;
  err = error_of("unqualified-search-registries = \"docker.io\"\n");
  EXPECT_NE(err.find(":1: unqualified-search-registries: must be an array"), std::string::npos) << err;
  err = error_of("unqualified-search-registries = [\"a\", true]\n");
  EXPECT_NE(err.find("has a boolean"), std::string::npos) << err;
  err = error_of("[[registry]]\ninsecure = true\n");
  EXPECT_NE(err.find(":1: [[registry]]: needs a prefix or a location"), std::string::npos) << err;
  err = error_of("[[registry]]\nprefix = \"https://a.io\"\n");
  EXPECT_NE(err.find("prefix: \"https://a.io\" must not have a scheme"), std::string::npos) << err;
  err = error_of("[[registry]]\nprefix = \"a.io\"\n[[registry.mirror]]\ninsecure = true\n");
  EXPECT_NE(err.find(":3: [[registry.mirror]]: needs a location"), std::string::npos) << err;
  err = error_of("[[registry.mirror]]\nlocation = \"m.io\"\n");
  EXPECT_NE(err.find("before any [[registry]]"), std::string::npos) << err;
  err = error_of("[registry]\nprefix = \"a.io\"\n");
  EXPECT_NE(err.find("write [[registry]]"), std::string::npos) << err;
  err = error_of("[registries.search]\nregistries = [\"docker.io\"]\n");
  EXPECT_NE(err.find("version 1"), std::string::npos) << err;
  err = error_of("[[registry]]\nprefix = \"a.io\"\n[[registry]]\nlocation = \"a.io\"\n");
  EXPECT_NE(err.find(":3: prefix: \"a.io\" is already configured at line 1"), std::string::npos) << err;
  err = error_of("[[registry]]\nprefix = \"a.io/x y\"\n");
  EXPECT_NE(err.find("not a host[:port][/path]"), std::string::npos) << err;
}

TEST_F(RegistriesConfigTest, UnknownKeysAndTablesAreIgnored) {
  auto config = load(R"(
short-name-mode = "enforcing"
credential-helpers = ["containers-auth.json"]
[[registry]]
prefix = "a.io"
mirror-by-digest-only = false
[aliases]
"fedora" = "registry.fedoraproject.org/fedora"
)");
  EXPECT_EQ(hosts(config.endpoints_for(Reference::parse("a.io/x"))), (std::vector<std::string>{"a.io"}));
}

// load_default as an unprivileged user: in a child that drops to nobody when the test runs as root.
TEST_F(RegistriesConfigTest, LoadDefaultPrefersTheUsersFileWhenRootless) {
  dir_.write("xdg/containers/registries.conf", "[[registry]]\nprefix = \"mine.io\"\nblocked = true\n");
  ASSERT_EQ(::chmod(dir_.path().c_str(), 0755), 0);
  std::string xdg = dir_.path() + "/xdg";
  std::string expected = xdg + "/containers/registries.conf";
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    constexpr id_t kNobody = 65534;
    if (::geteuid() == 0 && (::setgroups(0, nullptr) != 0 || ::setgid(kNobody) != 0 || ::setuid(kNobody) != 0)) {
      ::_exit(2);
    }
    ::setenv("XDG_CONFIG_HOME", xdg.c_str(), 1);
    try {
      auto config = RegistriesConfig::load_default();
      if (config.path() != expected) {
        ::_exit(3);
      }
      (void)config.endpoints_for(Reference::parse("mine.io/x"));
      ::_exit(4);
    } catch (const Error&) {
      ::_exit(0);
    }
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "2: could not drop to nobody, 3: another file was read, 4: not blocked";
}

}  // namespace
}  // namespace skiff::image

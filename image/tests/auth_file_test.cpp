#include "skiff/image/auth_file.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <map>

#include "scratch_dir.h"
#include "skiff/base/error.h"

namespace skiff::image {
namespace {

// Sets environment variables for one test and restores them afterwards.
class ScopedEnv {
 public:
  ScopedEnv(std::initializer_list<std::pair<const char*, const char*>> vars) {
    for (const auto& [name, value] : vars) {
      const char* old = ::getenv(name);
      saved_.emplace(name, old != nullptr ? std::optional<std::string>(old) : std::nullopt);
      if (value != nullptr) {
        ::setenv(name, value, 1);
      } else {
        ::unsetenv(name);
      }
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;
  ~ScopedEnv() {
    for (const auto& [name, value] : saved_) {
      if (value) {
        ::setenv(name.c_str(), value->c_str(), 1);
      } else {
        ::unsetenv(name.c_str());
      }
    }
  }

 private:
  std::map<std::string, std::optional<std::string>> saved_;
};

class AuthFileTest : public ::testing::Test {
 protected:
  std::string write(const std::string& name, std::string_view text) {
    dir_.write(name, text);
    return dir_.path() + "/" + name;
  }
  testing::ScratchDir dir_;
};

TEST_F(AuthFileTest, PodmanFormatByRegistry) {
  std::string path = write("auth.json", R"({"auths": {
    "127.0.0.1:5000": {"auth": "dXNlcjpwYXNz"},
    "quay.io": {"auth": "YWxpY2U6czNjcjpldA=="}
  }})");
  auto local = credentials_from_file(path, Reference::parse("127.0.0.1:5000/app:1"));
  ASSERT_TRUE(local);
  EXPECT_EQ(local->username, "user");
  EXPECT_EQ(local->password, "pass");
  EXPECT_EQ(local->identity_token, "");
  // The password keeps every ':' after the first.
  auto quay = credentials_from_file(path, Reference::parse("quay.io/org/app"));
  ASSERT_TRUE(quay);
  EXPECT_EQ(quay->username, "alice");
  EXPECT_EQ(quay->password, "s3cr:et");
  EXPECT_FALSE(credentials_from_file(path, Reference::parse("ghcr.io/x")));
  EXPECT_FALSE(credentials_from_file(path, Reference::parse("127.0.0.1:5001/app")));
  auto by_registry = registry_credentials_from_file(path, "quay.io");
  ASSERT_TRUE(by_registry);
  EXPECT_EQ(by_registry->username, "alice");
}

TEST_F(AuthFileTest, DockerConfigLegacyHubKey) {
  std::string path = write("config.json", R"({
    "auths": {"https://index.docker.io/v1/": {"auth": "aHViOmh1YnBhc3M="},
              "http://old.example.com/v1/": {"auth": "bGVnYWN5Onk="}},
    "credsStore": "desktop"
  })");
  auto hub = credentials_from_file(path, Reference::parse("busybox"));
  ASSERT_TRUE(hub);
  EXPECT_EQ(hub->username, "hub");
  EXPECT_EQ(hub->password, "hubpass");
  auto legacy = credentials_from_file(path, Reference::parse("old.example.com/a/b"));
  ASSERT_TRUE(legacy);
  EXPECT_EQ(legacy->username, "legacy");
  ASSERT_TRUE(registry_credentials_from_file(path, "docker.io"));
  ASSERT_TRUE(registry_credentials_from_file(path, "index.docker.io"));
}

TEST_F(AuthFileTest, MostSpecificKeyWins) {
  std::string path = write("auth.json", R"({"auths": {
    "docker.io": {"auth": "aHViOmh1YnBhc3M="},
    "docker.io/team": {"auth": "c2NvcGVkOng="},
    "docker.io/team/app": {"auth": "dXNlcjpwYXNz"}
  }})");
  EXPECT_EQ(credentials_from_file(path, Reference::parse("team/app"))->username, "user");
  EXPECT_EQ(credentials_from_file(path, Reference::parse("team/other"))->username, "scoped");
  EXPECT_EQ(credentials_from_file(path, Reference::parse("busybox"))->username, "hub");
  EXPECT_EQ(registry_credentials_from_file(path, "docker.io")->username, "hub");
}

TEST_F(AuthFileTest, IdentityTokenAndEmptyEntries) {
  std::string path = write("auth.json", R"({"auths": {
    "token.io": {"auth": "PHRva2VuPjo=", "identitytoken": "refresh-123"},
    "bare-token.io": {"identitytoken": "refresh-456"},
    "empty.io": {},
    "blank.io": {"auth": ""}
  }})");
  auto token = credentials_from_file(path, Reference::parse("token.io/a"));
  ASSERT_TRUE(token);
  EXPECT_EQ(token->username, "<token>");
  EXPECT_EQ(token->password, "");
  EXPECT_EQ(token->identity_token, "refresh-123");
  EXPECT_EQ(credentials_from_file(path, Reference::parse("bare-token.io/a"))->identity_token, "refresh-456");
  EXPECT_FALSE(credentials_from_file(path, Reference::parse("empty.io/a")));
  EXPECT_FALSE(credentials_from_file(path, Reference::parse("blank.io/a")));
}

TEST_F(AuthFileTest, BadEntriesNameTheFileAndKey) {
  std::string path = write("auth.json", R"({"auths": {
    "bad64.io": {"auth": "!!!notbase64"},
    "odd.io": {"auth": "abc"},
    "nocolon.io": {"auth": "bm9jb2xvbg=="},
    "wrongtype.io": {"auth": 5}
  }})");
  auto error_of = [&](std::string_view ref) {
    try {
      (void)credentials_from_file(path, Reference::parse(ref));
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  std::string err = error_of("bad64.io/a");
  EXPECT_NE(err.find(path), std::string::npos) << err;
  EXPECT_NE(err.find("\"bad64.io\""), std::string::npos) << err;
  EXPECT_NE(err.find("base64"), std::string::npos) << err;
  EXPECT_NE(error_of("odd.io/a").find("base64"), std::string::npos);
  err = error_of("nocolon.io/a");
  EXPECT_NE(err.find("\"nocolon.io\""), std::string::npos) << err;
  EXPECT_NE(err.find("user:password"), std::string::npos) << err;
  EXPECT_NE(error_of("wrongtype.io/a").find("must be a string"), std::string::npos);
  std::string broken = write("broken.json", "{\"auths\": ");
  EXPECT_THROW((void)credentials_from_file(broken, Reference::parse("a.io/b")), Error);
}

TEST_F(AuthFileTest, MissingFileOrNoAuthsIsNone) {
  EXPECT_FALSE(credentials_from_file(dir_.path() + "/absent.json", Reference::parse("busybox")));
  EXPECT_FALSE(credentials_from_file(write("c.json", R"({"credHelpers": {}})"), Reference::parse("busybox")));
}

TEST_F(AuthFileTest, DefaultFilesInPodmansOrder) {
  ScopedEnv env({{"REGISTRY_AUTH_FILE", "/x/auth.json"},
                 {"XDG_RUNTIME_DIR", "/run/user/1000"},
                 {"XDG_CONFIG_HOME", "/home/u/.cfg"},
                 {"HOME", "/home/u"}});
  EXPECT_EQ(default_auth_files(),
            (std::vector<std::string>{"/x/auth.json", "/run/user/1000/containers/auth.json",
                                      "/home/u/.cfg/containers/auth.json", "/home/u/.docker/config.json"}));
  ScopedEnv unset({{"REGISTRY_AUTH_FILE", nullptr}, {"XDG_RUNTIME_DIR", nullptr}, {"XDG_CONFIG_HOME", nullptr}});
  EXPECT_EQ(default_auth_files(),
            (std::vector<std::string>{"/run/containers/" + std::to_string(::getuid()) + "/auth.json",
                                      "/home/u/.config/containers/auth.json", "/home/u/.docker/config.json"}));
}

TEST_F(AuthFileTest, FindCredentialsSearchesInOrderOrUsesTheExplicitFile) {
  write("runtime/containers/auth.json", R"({"auths": {"quay.io": {"auth": "dXNlcjpwYXNz"}}})");
  write("home/.docker/config.json", R"({"auths": {"quay.io": {"auth": "aHViOmh1YnBhc3M="},
                                                  "ghcr.io": {"auth": "aHViOmh1YnBhc3M="}}})");
  std::string explicit_file = write("explicit.json", R"({"auths": {"quay.io": {"auth": "c2NvcGVkOng="}}})");
  std::string runtime = dir_.path() + "/runtime";
  std::string home = dir_.path() + "/home";
  ScopedEnv env({{"REGISTRY_AUTH_FILE", nullptr},
                 {"XDG_RUNTIME_DIR", runtime.c_str()},
                 {"XDG_CONFIG_HOME", nullptr},
                 {"HOME", home.c_str()}});
  EXPECT_EQ(find_credentials(Reference::parse("quay.io/a"))->username, "user");
  EXPECT_EQ(find_credentials(Reference::parse("ghcr.io/a"))->username, "hub");
  EXPECT_FALSE(find_credentials(Reference::parse("docker.io/a/b")));
  EXPECT_EQ(find_credentials(Reference::parse("quay.io/a"), explicit_file)->username, "scoped");
  EXPECT_FALSE(find_credentials(Reference::parse("ghcr.io/a"), explicit_file));
  EXPECT_THROW((void)find_credentials(Reference::parse("quay.io/a"), dir_.path() + "/nope.json"), Error);
  ScopedEnv override_file({{"REGISTRY_AUTH_FILE", explicit_file.c_str()}});
  EXPECT_EQ(find_credentials(Reference::parse("quay.io/a"))->username, "scoped");
}

}  // namespace
}  // namespace skiff::image

#include <gtest/gtest.h>

#include "skiff/apiserver/encrypting_store.h"
#include "skiff/apiserver/encryption_config.h"
#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "test_support.h"

using namespace skiff::apiserver;
using skiff::store::Store;

namespace {

class EncryptingStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<EncryptingStore> open_store() {
    return std::make_unique<EncryptingStore>(skiff::store::open_store(dir_.path() + "/db"),
                                             load_encryption_keys(config()));
  }
  [[nodiscard]] std::string config() const { return dir_.path() + "/encryption-config.json"; }

  skiff::testing::TempDir dir_{"skiff-encrypting-store-"};
};

const std::string kSecret = R"({"kind":"Secret","data":{"password":"aHVudGVyMg=="}})";

}  // namespace

TEST_F(EncryptingStoreTest, ConfigIsMadeOnceWithOnePrivateKey) {
  std::vector<EncryptionKey> keys = ensure_encryption_config(config());
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].name, "key1");
  EXPECT_EQ(keys[0].secret.size(), 32u);
  struct stat st {};
  ASSERT_EQ(stat(config().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(ensure_encryption_config(config())[0].secret, keys[0].secret);
}

TEST_F(EncryptingStoreTest, KubeYamlConfigIsRead) {
  skiff::write_file(config(), R"(apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources: [configmaps]
    providers: [{identity: {}}]
  - resources:
      - secrets
    providers:
      - aesgcm:
          keys:
            - name: a
              secret: MDEyMzQ1Njc4OWFiY2RlZg==
            - name: b
              secret: MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=
      - identity: {}
)");
  std::vector<EncryptionKey> keys = load_encryption_keys(config());
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0].name, "a");
  EXPECT_EQ(keys[0].secret, "0123456789abcdef");
  EXPECT_EQ(keys[1].secret, "0123456789abcdef0123456789abcdef");
}

TEST_F(EncryptingStoreTest, BadConfigNamesTheField) {
  skiff::write_file(
      config(),
      R"({"resources":[{"resources":["secrets"],"providers":[{"aesgcm":{"keys":[{"name":"k","secret":"c2hvcnQ="}]}}]}]})");
  try {
    load_encryption_keys(config());
    FAIL() << "a 5-byte key was accepted";
  } catch (const skiff::Error& e) {
    EXPECT_NE(std::string(e.what()).find("resources[0].providers[0].aesgcm.keys[0].secret"), std::string::npos)
        << e.what();
  }
}

TEST_F(EncryptingStoreTest, SecretsAreSealedOtherKeysAreNot) {
  ensure_encryption_config(config());
  auto enc = open_store();
  Store& store = *enc;
  store.create("/registry/secrets/default/s", kSecret);
  store.create("/registry/configmaps/default/c", kSecret);
  std::string raw = enc->inner().get("/registry/secrets/default/s")->value;
  EXPECT_TRUE(raw.starts_with("k8s:enc:aesgcm:v1:key1:")) << raw;
  EXPECT_EQ(raw.find("aHVudGVyMg=="), std::string::npos);
  EXPECT_EQ(raw.size(), std::string("k8s:enc:aesgcm:v1:key1:").size() + 12 + kSecret.size() + 16);
  EXPECT_EQ(enc->inner().get("/registry/configmaps/default/c")->value, kSecret);
  EXPECT_EQ(store.get("/registry/secrets/default/s")->value, kSecret);
  auto listed = store.list("/registry/secrets/");
  ASSERT_EQ(listed.items.size(), 1u);
  EXPECT_EQ(listed.items[0].value, kSecret);
  // The same plaintext seals differently each time (a fresh nonce).
  EXPECT_NE(enc->seal("/registry/secrets/default/s", kSecret), enc->seal("/registry/secrets/default/s", kSecret));
}

TEST_F(EncryptingStoreTest, WatchOpensPutsAndPreviousValues) {
  ensure_encryption_config(config());
  auto enc = open_store();
  Store& store = *enc;
  int64_t start = store.current_revision();
  int64_t rev = store.create("/registry/secrets/default/s", kSecret);
  store.update("/registry/secrets/default/s", R"({"v":2})", rev);
  store.remove("/registry/secrets/default/s");
  auto watch = store.watch("/registry/secrets/", start);
  std::vector<skiff::store::Event> events;
  while (events.size() < 3) {
    auto more = watch->next(std::chrono::milliseconds(1000));
    ASSERT_FALSE(more.empty());
    events.insert(events.end(), more.begin(), more.end());
  }
  EXPECT_EQ(events[0].kv.value, kSecret);
  EXPECT_EQ(events[1].kv.value, R"({"v":2})");
  if (events[1].prev) {
    EXPECT_EQ(events[1].prev->value, kSecret);
  }
  EXPECT_EQ(events[2].type, skiff::store::Event::Type::del);
}

TEST_F(EncryptingStoreTest, ValueMovedToAnotherKeyOrTamperedDoesNotOpen) {
  ensure_encryption_config(config());
  auto enc = open_store();
  std::string sealed = enc->seal("/registry/secrets/default/a", kSecret);
  EXPECT_THROW((void)enc->open("/registry/secrets/default/b", sealed), skiff::Error);
  std::string tampered = sealed;
  tampered[tampered.size() - 20] ^= 1;
  EXPECT_THROW((void)enc->open("/registry/secrets/default/a", tampered), skiff::Error);
  EXPECT_EQ(enc->open("/registry/secrets/default/a", sealed), kSecret);
}

TEST_F(EncryptingStoreTest, RotationKeepsOldValuesReadableAndReencryptsThem) {
  ensure_encryption_config(config());
  {
    auto enc = open_store();
    Store& store = *enc;
    for (int i = 0; i < 510; ++i) {
      store.create("/registry/secrets/default/s" + std::to_string(i), kSecret);
    }
  }
  // Written before encryption was on: read as is, then sealed by the re-encryption.
  skiff::store::open_store(dir_.path() + "/db")->create("/registry/secrets/default/plain", kSecret);
  std::vector<EncryptionKey> keys = prepend_new_encryption_key(config());
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0].name, "key2");
  EXPECT_EQ(keys[1].name, "key1");
  auto enc = open_store();
  Store& store = *enc;
  EXPECT_EQ(store.get("/registry/secrets/default/s0")->value, kSecret);
  EXPECT_EQ(store.get("/registry/secrets/default/plain")->value, kSecret);
  EXPECT_EQ(enc->reencrypt_all(), 511u);
  EXPECT_EQ(enc->reencrypt_all(), 0u);
  for (const auto& kv : enc->inner().list("/registry/secrets/").items) {
    EXPECT_TRUE(kv.value.starts_with("k8s:enc:aesgcm:v1:key2:")) << kv.key;
  }
  // With only the new key left, every current value still opens.
  EncryptingStore new_only(skiff::store::open_store(dir_.path() + "/db"), {keys[0]});
  auto listed = static_cast<Store&>(new_only).list("/registry/secrets/");
  ASSERT_EQ(listed.items.size(), 511u);
  for (const auto& kv : listed.items) {
    EXPECT_EQ(kv.value, kSecret);
  }
}

TEST_F(EncryptingStoreTest, UnknownKeyNameIsAnError) {
  ensure_encryption_config(config());
  {
    auto enc = open_store();
    static_cast<Store&>(*enc).create("/registry/secrets/default/s", kSecret);
  }
  skiff::remove_all(config());
  ensure_encryption_config(config());  // key1 again, but other bytes
  auto enc = open_store();
  EXPECT_THROW(static_cast<Store&>(*enc).get("/registry/secrets/default/s"), skiff::Error);
}

#pragma once

#include <memory>
#include <string>
#include <vector>

#include "skiff/apiserver/encryption_config.h"
#include "skiff/store/store.h"

namespace skiff::apiserver {

// Encryption at rest in the manner of kube's aesgcm provider: values of keys under the prefix
// (Secrets) are stored as "k8s:enc:aesgcm:v1:<key name>:" + 12-byte nonce + AES-GCM ciphertext
// + 16-byte tag, with the storage key as additional authenticated data (a value copied to
// another key does not open). Writes seal with the first key; reads, lists and watches open
// with the key the value names. Values without the "k8s:enc:" prefix are read as they are
// (kube's identity provider: secrets written before encryption was on), everything else in the
// store passes through untouched.
class EncryptingStore : public store::Store {
 public:
  EncryptingStore(std::unique_ptr<store::Store> inner, std::vector<EncryptionKey> keys,
                  std::string prefix = "/registry/secrets/");

  int64_t create(const std::string& key, const std::string& value, int64_t lease) override;
  int64_t update(const std::string& key, const std::string& value, int64_t expected_mod_revision,
                 int64_t lease) override;
  std::optional<store::KeyValue> get(const std::string& key, int64_t revision) override;
  store::ListResult list(const std::string& prefix, int64_t revision, int64_t limit,
                         const std::string& continue_after_key) override;
  int64_t remove(const std::string& key, int64_t expected_mod_revision) override;
  int64_t current_revision() override;
  std::unique_ptr<store::Watch> watch(const std::string& prefix, int64_t from_revision) override;
  void compact(int64_t revision) override;
  int64_t compact_revision() override;
  int64_t grant_lease(int64_t ttl_seconds) override;
  void keep_alive(int64_t lease) override;
  void revoke_lease(int64_t lease) override;

  // Rotation's re-encrypt-all: rewrites every current value under the prefix that is not sealed
  // with the first key (plaintext ones included), each as a compare-and-swap so a concurrent
  // write wins. Returns how many it rewrote.
  size_t reencrypt_all();

  // The stored form of value under key, and back (throws Error naming the key when no key of
  // the config opens it or it was tampered with).
  [[nodiscard]] std::string seal(const std::string& key, const std::string& value) const;
  [[nodiscard]] std::string open(const std::string& key, const std::string& stored) const;
  // Whether key's stored value is sealed with the first key.
  [[nodiscard]] bool sealed_with_current_key(const std::string& stored) const;

  [[nodiscard]] store::Store& inner() { return *inner_; }

 private:
  [[nodiscard]] bool covers(const std::string& key) const { return key.starts_with(prefix_); }
  void open_in_place(store::KeyValue& kv) const;

  std::unique_ptr<store::Store> inner_;
  std::vector<EncryptionKey> keys_;
  std::string prefix_;
};

}  // namespace skiff::apiserver

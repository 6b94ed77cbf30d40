#include "skiff/apiserver/encrypting_store.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "skiff/base/error.h"

namespace skiff::apiserver {

namespace {

constexpr std::string_view kEncryptedPrefix = "k8s:enc:";
constexpr std::string_view kAesGcmPrefix = "k8s:enc:aesgcm:v1:";
constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

const EVP_CIPHER* cipher_for(const std::string& secret) {
  switch (secret.size()) {
    case 16:
      return EVP_aes_128_gcm();
    case 24:
      return EVP_aes_192_gcm();
    default:
      return EVP_aes_256_gcm();
  }
}

const unsigned char* bytes(const std::string& s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

[[noreturn]] void crypto_failed(const std::string& what) {
  throw Error(what + ": OpenSSL AES-GCM failed");
}

class DecryptingWatch : public store::Watch {
 public:
  DecryptingWatch(std::unique_ptr<store::Watch> inner, const EncryptingStore& store)
      : inner_(std::move(inner)), store_(store) {}

  std::vector<store::Event> next(std::chrono::milliseconds timeout) override {
    std::vector<store::Event> events = inner_->next(timeout);
    for (store::Event& event : events) {
      if (event.type == store::Event::Type::put) {
        event.kv.value = store_.open(event.kv.key, event.kv.value);
      }
      if (event.prev) {
        event.prev->value = store_.open(event.prev->key, event.prev->value);
      }
    }
    return events;
  }

 private:
  std::unique_ptr<store::Watch> inner_;
  const EncryptingStore& store_;
};

}  // namespace

EncryptingStore::EncryptingStore(std::unique_ptr<store::Store> inner, std::vector<EncryptionKey> keys,
                                 std::string prefix)
    : inner_(std::move(inner)), keys_(std::move(keys)), prefix_(std::move(prefix)) {
  if (keys_.empty()) {
    throw Error("encrypting store: no key");
  }
}

std::string EncryptingStore::seal(const std::string& key, const std::string& value) const {
  if (!covers(key)) {
    return value;
  }
  const EncryptionKey& current = keys_.front();
  std::string out = std::string(kAesGcmPrefix) + current.name + ":";
  size_t header = out.size();
  out.resize(header + kNonceBytes + value.size() + kTagBytes);
  auto* nonce = reinterpret_cast<unsigned char*>(out.data() + header);
  auto* cipher_text = nonce + kNonceBytes;
  if (RAND_bytes(nonce, kNonceBytes) != 1) {
    crypto_failed("seal " + key);
  }
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  int final_len = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), cipher_for(current.secret), nullptr, bytes(current.secret), nonce) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, bytes(key), static_cast<int>(key.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), cipher_text, &len, bytes(value), static_cast<int>(value.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), cipher_text + len, &final_len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, cipher_text + value.size()) != 1) {
    crypto_failed("seal " + key);
  }
  return out;
}

std::string EncryptingStore::open(const std::string& key, const std::string& stored) const {
  if (!covers(key) || !stored.starts_with(kEncryptedPrefix)) {
    return stored;
  }
  if (!stored.starts_with(kAesGcmPrefix)) {
    throw Error("open " + key + ": sealed by a provider this server does not have (" +
                stored.substr(0, stored.find(':', kEncryptedPrefix.size())) + ")");
  }
  size_t name_end = stored.find(':', kAesGcmPrefix.size());
  if (name_end == std::string::npos) {
    throw Error("open " + key + ": no key name after " + std::string(kAesGcmPrefix));
  }
  std::string name = stored.substr(kAesGcmPrefix.size(), name_end - kAesGcmPrefix.size());
  const EncryptionKey* found = nullptr;
  for (const EncryptionKey& k : keys_) {
    if (k.name == name) {
      found = &k;
    }
  }
  if (!found) {
    throw Error("open " + key + ": sealed with key " + name + ", which the encryption config does not have");
  }
  std::string_view sealed = std::string_view(stored).substr(name_end + 1);
  if (sealed.size() < kNonceBytes + kTagBytes) {
    throw Error("open " + key + ": sealed value too short");
  }
  size_t text_size = sealed.size() - kNonceBytes - kTagBytes;
  std::string out(text_size, '\0');
  // EVP_CTRL_GCM_SET_TAG takes a non-const pointer but only reads the tag.
  std::string tag(sealed.substr(kNonceBytes + text_size));
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  int final_len = 0;
  if (!ctx ||
      EVP_DecryptInit_ex(ctx.get(), cipher_for(found->secret), nullptr, bytes(found->secret), bytes(sealed)) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, bytes(key), static_cast<int>(key.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len,
                        bytes(sealed.substr(kNonceBytes)), static_cast<int>(text_size)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) != 1) {
    crypto_failed("open " + key);
  }
  if (EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out.data()) + len, &final_len) != 1) {
    throw Error("open " + key + ": authentication failed (wrong key, another key's value, or tampered)");
  }
  return out;
}

bool EncryptingStore::sealed_with_current_key(const std::string& stored) const {
  return stored.starts_with(std::string(kAesGcmPrefix) + keys_.front().name + ":");
}

void EncryptingStore::open_in_place(store::KeyValue& kv) const {
  kv.value = open(kv.key, kv.value);
}

int64_t EncryptingStore::create(const std::string& key, const std::string& value, int64_t lease) {
  return inner_->create(key, seal(key, value), lease);
}

int64_t EncryptingStore::update(const std::string& key, const std::string& value, int64_t expected_mod_revision,
                                int64_t lease) {
  return inner_->update(key, seal(key, value), expected_mod_revision, lease);
}

std::optional<store::KeyValue> EncryptingStore::get(const std::string& key, int64_t revision) {
  std::optional<store::KeyValue> kv = inner_->get(key, revision);
  if (kv) {
    open_in_place(*kv);
  }
  return kv;
}

store::ListResult EncryptingStore::list(const std::string& prefix, int64_t revision, int64_t limit,
                                        const std::string& continue_after_key) {
  store::ListResult result = inner_->list(prefix, revision, limit, continue_after_key);
  for (store::KeyValue& kv : result.items) {
    open_in_place(kv);
  }
  return result;
}

int64_t EncryptingStore::remove(const std::string& key, int64_t expected_mod_revision) {
  return inner_->remove(key, expected_mod_revision);
}

int64_t EncryptingStore::current_revision() {
  return inner_->current_revision();
}

std::unique_ptr<store::Watch> EncryptingStore::watch(const std::string& prefix, int64_t from_revision) {
  return std::make_unique<DecryptingWatch>(inner_->watch(prefix, from_revision), *this);
}

void EncryptingStore::compact(int64_t revision) {
  inner_->compact(revision);
}

int64_t EncryptingStore::compact_revision() {
  return inner_->compact_revision();
}

int64_t EncryptingStore::grant_lease(int64_t ttl_seconds) {
  return inner_->grant_lease(ttl_seconds);
}

void EncryptingStore::keep_alive(int64_t lease) {
  inner_->keep_alive(lease);
}

void EncryptingStore::revoke_lease(int64_t lease) {
  inner_->revoke_lease(lease);
}

size_t EncryptingStore::reencrypt_all() {
  size_t rewritten = 0;
  std::string after;
  for (;;) {
    // Pages of the raw values, at the latest revision each time: a page's writes move it.
    store::ListResult page = inner_->list(prefix_, 0, 500, after);
    for (const store::KeyValue& kv : page.items) {
      if (sealed_with_current_key(kv.value)) {
        continue;
      }
      try {
        inner_->update(kv.key, seal(kv.key, open(kv.key, kv.value)), kv.mod_revision, kv.lease);
        ++rewritten;
      } catch (const store::Conflict&) {  // rewritten by a writer meanwhile, with the current key
      } catch (const store::NotFound&) {  // deleted meanwhile
      }
    }
    if (!page.more || page.items.empty()) {
      return rewritten;
    }
    after = page.items.back().key;
  }
}

}  // namespace skiff::apiserver

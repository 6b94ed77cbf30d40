#pragma once

#include <string>
#include <vector>

namespace skiff::apiserver {

// One AES-GCM key of the encryption config: its name (stored with every value it seals) and its
// 16, 24 or 32 raw bytes.
struct EncryptionKey {
  std::string name;
  std::string secret;
};

// The aesgcm keys for secrets in an EncryptionConfiguration file, kube's
// --encryption-provider-config format (YAML or JSON):
//   resources: [{resources: [secrets], providers: [{aesgcm: {keys: [{name, secret: <base64>}]}}, {identity: {}}]}]
// The first key seals new writes; every key opens values sealed with it. Errors name the field.
std::vector<EncryptionKey> load_encryption_keys(const std::string& path);

// Writes the file (0600) with one new random 32-byte key when it does not exist; returns its keys.
std::vector<EncryptionKey> ensure_encryption_config(const std::string& path);

// Rotation's first step: a new random key goes first in the file (it seals from now on), the
// others stay after it so that values sealed with them still open. Returns the new key list.
std::vector<EncryptionKey> prepend_new_encryption_key(const std::string& path);

}  // namespace skiff::apiserver

#include "skiff/apiserver/encryption_config.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>

#include "skiff/apiserver/status.h"
#include "skiff/apiserver/yaml.h"
#include "skiff/base/base64.h"
#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/json.h"

namespace skiff::apiserver {

namespace {

constexpr size_t kNewKeyBytes = 32;

EncryptionKey new_key(const std::vector<EncryptionKey>& existing) {
  // key1, key2, ...: one more than the highest number in use.
  int64_t highest = 0;
  for (const EncryptionKey& key : existing) {
    if (key.name.starts_with("key") && key.name.size() > 3 &&
        std::all_of(key.name.begin() + 3, key.name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      highest = std::max<int64_t>(highest, std::stoll(key.name.substr(3)));
    }
  }
  std::string secret(kNewKeyBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(secret.data()), static_cast<int>(secret.size())) != 1) {
    throw Error("encryption key: RAND_bytes failed");
  }
  return {"key" + std::to_string(highest + 1), secret};
}

const boost::json::value& required(const boost::json::object& object, std::string_view key, const std::string& where) {
  const boost::json::value* value = object.if_contains(key);
  if (!value) {
    throw Error(where + "." + std::string(key) + ": missing");
  }
  return *value;
}

void write_config(const std::string& path, const std::vector<EncryptionKey>& keys) {
  boost::json::array key_list;
  for (const EncryptionKey& key : keys) {
    key_list.push_back(boost::json::object{{"name", key.name}, {"secret", base64_encode(key.secret)}});
  }
  boost::json::array providers;
  providers.push_back(boost::json::object{{"aesgcm", boost::json::object{{"keys", std::move(key_list)}}}});
  providers.push_back(boost::json::object{{"identity", boost::json::object{}}});
  boost::json::object secrets;
  secrets["resources"] = boost::json::array{"secrets"};
  secrets["providers"] = std::move(providers);
  boost::json::object config;
  config["apiVersion"] = "apiserver.config.k8s.io/v1";
  config["kind"] = "EncryptionConfiguration";
  config["resources"] = boost::json::array{std::move(secrets)};
  write_file_atomic(path, json::pretty(config) + "\n", 0600);
}

}  // namespace

std::vector<EncryptionKey> load_encryption_keys(const std::string& path) {
  boost::json::value config;
  try {
    config = yaml_to_json(read_file(path));
  } catch (const ApiError& e) {
    throw Error(path + ": " + e.what());
  }
  std::vector<EncryptionKey> keys;
  const auto& resources =
      json::as_array(required(json::as_object(config, path), "resources", path), path + ": resources");
  for (size_t r = 0; r < resources.size(); ++r) {
    std::string where = path + ": resources[" + std::to_string(r) + "]";
    const auto& entry = json::as_object(resources[r], where);
    std::vector<std::string> names = json::as_string_array(required(entry, "resources", where), where + ".resources");
    if (std::find(names.begin(), names.end(), "secrets") == names.end()) {
      continue;
    }
    const auto& providers = json::as_array(required(entry, "providers", where), where + ".providers");
    for (size_t p = 0; p < providers.size(); ++p) {
      std::string provider_where = where + ".providers[" + std::to_string(p) + "]";
      const auto* aesgcm = json::as_object(providers[p], provider_where).if_contains("aesgcm");
      if (!aesgcm) {
        continue;
      }
      const auto& list = json::as_array(
          required(json::as_object(*aesgcm, provider_where + ".aesgcm"), "keys", provider_where + ".aesgcm"),
          provider_where + ".aesgcm.keys");
      for (size_t k = 0; k < list.size(); ++k) {
        std::string key_where = provider_where + ".aesgcm.keys[" + std::to_string(k) + "]";
        const auto& key = json::as_object(list[k], key_where);
        std::string name = json::as_string(required(key, "name", key_where), key_where + ".name");
        std::string secret = base64_decode(json::as_string(required(key, "secret", key_where), key_where + ".secret"),
                                           key_where + ".secret");
        if (name.empty() || name.find(':') != std::string::npos) {
          throw Error(key_where + ".name: want a non-empty name without ':'");
        }
        if (secret.size() != 16 && secret.size() != 24 && secret.size() != 32) {
          throw Error(key_where + ".secret: want 16, 24 or 32 bytes, got " + std::to_string(secret.size()));
        }
        keys.push_back({std::move(name), std::move(secret)});
      }
    }
  }
  if (keys.empty()) {
    throw Error(path + ": no aesgcm key for secrets");
  }
  return keys;
}

std::vector<EncryptionKey> ensure_encryption_config(const std::string& path) {
  if (!path_exists(path)) {
    write_config(path, {new_key({})});
  }
  return load_encryption_keys(path);
}

std::vector<EncryptionKey> prepend_new_encryption_key(const std::string& path) {
  std::vector<EncryptionKey> keys = load_encryption_keys(path);
  keys.insert(keys.begin(), new_key(keys));
  write_config(path, keys);
  return keys;
}

}  // namespace skiff::apiserver

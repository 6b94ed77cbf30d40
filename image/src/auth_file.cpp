#include "skiff/image/auth_file.h"

#include <unistd.h>

#include <cstdlib>

#include "skiff/base/base64.h"
#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/json.h"

namespace skiff::image {

namespace {

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

// The registry a key names, as references name it: docker's legacy keys are URLs
// ("https://index.docker.io/v1/"), and Docker Hub goes by several host names.
std::string normalized_key(std::string_view key) {
  std::string_view stripped = key;
  bool url = false;
  for (std::string_view scheme : {"https://", "http://"}) {
    if (stripped.starts_with(scheme)) {
      stripped.remove_prefix(scheme.size());
      url = true;
    }
  }
  if (url) {
    stripped = stripped.substr(0, stripped.find('/'));
  }
  std::string_view host = stripped.substr(0, stripped.find('/'));
  if (host == "index.docker.io" || host == "registry-1.docker.io") {
    return "docker.io" + std::string(stripped.substr(host.size()));
  }
  return std::string(stripped);
}

std::optional<Credentials> parse_entry(const boost::json::value& value, const std::string& what) {
  const auto& entry = json::as_object(value, what);
  Credentials creds;
  if (const auto* auth = json::find(entry, "auth")) {
    std::string auth_path = what + ".auth";
    std::string decoded = base64_decode(json::as_string(*auth, auth_path), auth_path);
    if (!decoded.empty()) {
      size_t colon = decoded.find(':');
      if (colon == std::string::npos) {
        throw Error(auth_path + ": does not decode to \"user:password\" (it has no ':')");
      }
      creds.username = decoded.substr(0, colon);
      creds.password = decoded.substr(colon + 1);
    }
  }
  if (const auto* token = json::find(entry, "identitytoken")) {
    creds.identity_token = json::as_string(*token, what + ".identitytoken");
  }
  if (creds.username.empty() && creds.password.empty() && creds.identity_token.empty()) {
    return std::nullopt;
  }
  return creds;
}

// candidates: the keys to try, most specific first.
std::optional<Credentials> lookup(const std::string& path, const std::vector<std::string>& candidates) {
  if (!path_exists(path)) {
    return std::nullopt;
  }
  auto doc = json::parse(read_file(path), path);
  const auto& root = json::as_object(doc, path);
  const auto* auths = json::find(root, "auths");
  if (auths == nullptr) {
    return std::nullopt;
  }
  const auto& entries = json::as_object(*auths, path + ": auths");
  auto entry_what = [&](std::string_view key) { return path + ": auths[\"" + std::string(key) + "\"]"; };
  for (const auto& candidate : candidates) {
    // The key as written wins over one that only normalises to it.
    if (const auto* exact = entries.if_contains(candidate)) {
      if (auto creds = parse_entry(*exact, entry_what(candidate))) {
        return creds;
      }
    }
    for (const auto& kv : entries) {
      if (kv.key() != candidate && normalized_key(kv.key()) == candidate) {
        if (auto creds = parse_entry(kv.value(), entry_what(kv.key()))) {
          return creds;
        }
      }
    }
  }
  return std::nullopt;
}

std::vector<std::string> candidate_keys(const Reference& ref) {
  std::vector<std::string> out;
  std::string name = ref.name();
  for (;;) {
    out.push_back(name);
    size_t slash = name.rfind('/');
    if (slash == std::string::npos) {
      return out;
    }
    name.resize(slash);
  }
}

}  // namespace

std::vector<std::string> default_auth_files() {
  std::vector<std::string> out;
  if (std::string file = env("REGISTRY_AUTH_FILE"); !file.empty()) {
    out.push_back(file);
  }
  if (std::string runtime = env("XDG_RUNTIME_DIR"); !runtime.empty()) {
    out.push_back(runtime + "/containers/auth.json");
  } else {
    out.push_back("/run/containers/" + std::to_string(::getuid()) + "/auth.json");
  }
  std::string home = env("HOME");
  std::string config = env("XDG_CONFIG_HOME");
  if (config.empty() && !home.empty()) {
    config = home + "/.config";
  }
  if (!config.empty()) {
    out.push_back(config + "/containers/auth.json");
  }
  if (!home.empty()) {
    out.push_back(home + "/.docker/config.json");
  }
  return out;
}

std::optional<Credentials> credentials_from_file(const std::string& path, const Reference& ref) {
  return lookup(path, candidate_keys(ref));
}

std::optional<Credentials> registry_credentials_from_file(const std::string& path, std::string_view registry) {
  return lookup(path, {normalized_key(registry)});
}

std::optional<Credentials> find_credentials(const Reference& ref, const std::string& explicit_path) {
  if (!explicit_path.empty()) {
    if (!path_exists(explicit_path)) {
      throw Error("auth file " + explicit_path + " does not exist");
    }
    return credentials_from_file(explicit_path, ref);
  }
  for (const auto& path : default_auth_files()) {
    if (auto creds = credentials_from_file(path, ref)) {
      return creds;
    }
  }
  return std::nullopt;
}

}  // namespace skiff::image

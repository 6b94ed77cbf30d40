#include "skiff/image/registries_config.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "toml_subset.h"

namespace skiff::image {

namespace {

constexpr std::string_view kSystemConfig = "/etc/containers/registries.conf";
constexpr std::string_view kSystemCertsDir = "/etc/containers/certs.d";
constexpr std::string_view kDockerCertsDir = "/etc/docker/certs.d";

// How a [[registry.mirror]] or a [[registry]] is written, before it is checked.
struct Context {
  const std::string& path;
  int line;

  [[noreturn]] void fail(std::string_view key, const std::string& message) const {
    throw Error(path + ":" + std::to_string(line) + ": " + std::string(key) + ": " + message);
  }
};

std::string string_value(const toml::Entry& entry, const std::string& path) {
  if (entry.value.kind != toml::Value::Kind::kString) {
    Context{path, entry.value.line}.fail(
        entry.key, "must be a string (got " + std::string(toml::kind_name(entry.value.kind)) + ")");
  }
  return entry.value.string;
}

bool bool_value(const toml::Entry& entry, const std::string& path) {
  if (entry.value.kind != toml::Value::Kind::kBool) {
    Context{path, entry.value.line}.fail(
        entry.key, "must be true or false (got " + std::string(toml::kind_name(entry.value.kind)) + ")");
  }
  return entry.value.boolean;
}

std::vector<std::string> string_array(const toml::Entry& entry, const std::string& path) {
  Context context{path, entry.value.line};
  if (entry.value.kind != toml::Value::Kind::kArray) {
    context.fail(entry.key, "must be an array of strings (got " + std::string(toml::kind_name(entry.value.kind)) + ")");
  }
  std::vector<std::string> out;
  for (const auto& item : entry.value.array) {
    if (item.kind != toml::Value::Kind::kString) {
      context.fail(entry.key, "must be an array of strings (has a " + std::string(toml::kind_name(item.kind)) + ")");
    }
    out.push_back(item.string);
  }
  return out;
}

// A prefix or location is a name without scheme, tag or digest: host[:port][/path].
void check_name(const Context& context, std::string_view key, const std::string& name) {
  if (name.empty()) {
    context.fail(key, "is empty");
  }
  if (name.find("://") != std::string::npos) {
    context.fail(key, "\"" + name + "\" must not have a scheme (write host[:port][/path])");
  }
  if (std::any_of(name.begin(), name.end(), [](char c) { return c <= ' ' || c == '@'; }) || name.starts_with('/') ||
      name.ends_with('/') || name.find("//") != std::string::npos) {
    context.fail(key, "\"" + name + "\" is not a host[:port][/path] name");
  }
}

std::string_view host_of(std::string_view name) {
  return name.substr(0, name.find('/'));
}

std::string_view path_of(std::string_view name) {
  size_t slash = name.find('/');
  return slash == std::string_view::npos ? std::string_view() : name.substr(slash + 1);
}

bool is_wildcard(std::string_view prefix) {
  return prefix.starts_with("*.");
}

// True when prefix covers name: the same name, or name continues below it.
bool covers(std::string_view prefix, std::string_view name) {
  return name.starts_with(prefix) && (name.size() == prefix.size() || name[prefix.size()] == '/');
}

bool has_certificates(const std::string& dir) {
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".crt") {
      return true;
    }
  }
  return false;
}

std::string config_home() {
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  if (xdg != nullptr && *xdg == '/') {
    return xdg;
  }
  const char* home = std::getenv("HOME");
  if (home == nullptr || *home == '\0') {
    throw Error("cannot find the user's registries.conf: neither $XDG_CONFIG_HOME nor $HOME is set");
  }
  return std::string(home) + "/.config";
}

}  // namespace

RegistriesConfig RegistriesConfig::load(const std::string& path, const std::string& certs_dir) {
  return load_with_certs_dirs(path, {certs_dir});
}

RegistriesConfig RegistriesConfig::load_with_certs_dirs(const std::string& path, std::vector<std::string> certs_dirs) {
  RegistriesConfig config;
  config.certs_dirs_ = std::move(certs_dirs);
  if (!path_exists(path)) {
    return config;
  }
  config.path_ = path;
  // A [[registry]] with its location written down, resolved once the whole table is read.
  struct PendingMirror {
    Location location;
    std::string text;
    int line = 0;
  };
  struct Pending {
    Registry registry;
    std::string location;
    bool mirror_by_digest_only = false;
    std::vector<PendingMirror> mirrors;
  };
  std::vector<Pending> pending;
  for (const auto& table : toml::parse(read_file(path), path)) {
    Context context{path, table.line};
    if (table.name.empty()) {
      for (const auto& entry : table.entries) {
        if (entry.key == "unqualified-search-registries") {
          config.search_registries_ = string_array(entry, path);
        }
      }
    } else if (table.name == "registry" || table.name == "registry.mirror") {
      if (!table.array_element) {
        context.fail("[" + table.name + "]", "must be an array of tables: write [[" + table.name + "]]");
      }
      if (table.name == "registry") {
        pending.push_back({.registry = {.line = table.line}});
        for (const auto& entry : table.entries) {
          if (entry.key == "prefix") {
            pending.back().registry.prefix = string_value(entry, path);
          } else if (entry.key == "location") {
            pending.back().location = string_value(entry, path);
          } else if (entry.key == "insecure") {
            pending.back().registry.location.insecure = bool_value(entry, path);
          } else if (entry.key == "blocked") {
            pending.back().registry.blocked = bool_value(entry, path);
          } else if (entry.key == "mirror-by-digest-only") {
            pending.back().mirror_by_digest_only = bool_value(entry, path);
          }
        }
        continue;
      }
      if (pending.empty()) {
        context.fail("[[registry.mirror]]", "comes before any [[registry]] it could belong to");
      }
      PendingMirror mirror{.line = table.line};
      for (const auto& entry : table.entries) {
        if (entry.key == "location") {
          mirror.text = string_value(entry, path);
        } else if (entry.key == "insecure") {
          mirror.location.insecure = bool_value(entry, path);
        } else if (entry.key == "pull-from-mirror") {
          std::string mode = string_value(entry, path);
          if (mode != "all" && mode != "digest-only" && mode != "tag-only") {
            Context{path, entry.value.line}.fail(entry.key,
                                                 "\"" + mode + "\" must be \"all\", \"digest-only\" or \"tag-only\"");
          }
          mirror.location.for_digests = mode != "tag-only";
          mirror.location.for_tags = mode != "digest-only";
        }
      }
      pending.back().mirrors.push_back(std::move(mirror));
    } else if (table.name.starts_with("registries.")) {
      context.fail("[" + table.name + "]",
                   "the version 1 format of registries.conf is not supported; write [[registry]] tables "
                   "(containers-registries.conf(5))");
    }
  }

  for (auto& p : pending) {
    Registry& registry = p.registry;
    Context context{path, registry.line};
    if (registry.prefix.empty()) {
      if (p.location.empty()) {
        context.fail("[[registry]]", "needs a prefix or a location");
      }
      registry.prefix = p.location;
    }
    if (is_wildcard(registry.prefix)) {
      if (registry.prefix.find('/') != std::string::npos || registry.prefix.size() < 3) {
        context.fail("prefix", "\"" + registry.prefix + "\": a wildcard prefix names only hosts, like *.example.com");
      }
      if (!p.location.empty()) {
        context.fail("location", "cannot be set with the wildcard prefix \"" + registry.prefix + "\"");
      }
    } else {
      check_name(context, "prefix", registry.prefix);
    }
    std::string_view prefix_path = path_of(registry.prefix);
    // Rewriting replaces the prefix by the location; the endpoints express the result as a
    // path prefix before the reference's repository, so the location must end in the prefix's path.
    auto resolve = [&](Location& location, const std::string& text, const Context& at) {
      check_name(at, "location", text);
      location.host = std::string(host_of(text));
      std::string_view path = path_of(text);
      if (prefix_path.empty()) {
        location.path_prefix = std::string(path);
      } else if (path == prefix_path) {
        location.path_prefix.clear();
      } else if (path.ends_with("/" + std::string(prefix_path))) {
        location.path_prefix = std::string(path.substr(0, path.size() - prefix_path.size() - 1));
      } else {
        at.fail("location", "\"" + text + "\" must end in the prefix's repository path \"" + std::string(prefix_path) +
                                "\" (renaming repositories is not supported)");
      }
    };
    if (!is_wildcard(registry.prefix)) {
      resolve(registry.location, p.location.empty() ? registry.prefix : p.location, context);
    }
    for (auto& mirror : p.mirrors) {
      Context at{path, mirror.line};
      if (mirror.text.empty()) {
        at.fail("[[registry.mirror]]", "needs a location");
      }
      resolve(mirror.location, mirror.text, at);
      if (p.mirror_by_digest_only) {
        mirror.location.for_tags = false;
      }
      registry.mirrors.push_back(std::move(mirror.location));
    }
    for (const auto& other : config.registries_) {
      if (other.prefix == registry.prefix) {
        context.fail("prefix",
                     "\"" + registry.prefix + "\" is already configured at line " + std::to_string(other.line));
      }
    }
    config.registries_.push_back(std::move(registry));
  }
  return config;
}

RegistriesConfig RegistriesConfig::load_default() {
  std::vector<std::string> certs_dirs;
  std::string path(kSystemConfig);
  if (::geteuid() != 0) {
    std::string user_config = config_home() + "/containers/registries.conf";
    if (path_exists(user_config)) {
      path = user_config;
    }
    const char* home = std::getenv("HOME");
    if (home != nullptr && *home != '\0') {
      certs_dirs.push_back(std::string(home) + "/.config/containers/certs.d");
    }
  }
  certs_dirs.emplace_back(kSystemCertsDir);
  certs_dirs.emplace_back(kDockerCertsDir);
  return load_with_certs_dirs(path, std::move(certs_dirs));
}

const RegistriesConfig::Registry* RegistriesConfig::find_registry(const Reference& ref) const {
  std::string name = ref.name();
  const Registry* best = nullptr;
  size_t best_score = 0;
  for (const auto& registry : registries_) {
    size_t score = 0;
    if (is_wildcard(registry.prefix)) {
      // "*.example.com" covers every host below example.com; an exact prefix of the same
      // length wins over it.
      std::string_view suffix = std::string_view(registry.prefix).substr(1);
      if (ref.registry.size() > suffix.size() && ref.registry.ends_with(suffix)) {
        score = ref.registry.size() * 2;
      }
    } else if (covers(registry.prefix, name)) {
      score = registry.prefix.size() * 2 + 1;
    }
    if (score > best_score) {
      best = &registry;
      best_score = score;
    }
  }
  return best;
}

RegistryEndpoint RegistriesConfig::endpoint(const Location& location) const {
  RegistryEndpoint out;
  out.host = registry_api_host(location.host);
  out.plain_http = location.insecure;
  out.path_prefix = location.path_prefix;
  for (const auto& dir : certs_dirs_) {
    std::string host_dir = dir + "/" + location.host;
    if (has_certificates(host_dir)) {
      out.ca_dir = host_dir;
      break;
    }
  }
  return out;
}

std::vector<RegistryEndpoint> RegistriesConfig::endpoints_for(const Reference& ref) const {
  auto out = configured_endpoints(ref);
  if (std::find(insecure_registries_.begin(), insecure_registries_.end(), ref.registry) != insecure_registries_.end()) {
    for (auto& endpoint : out) {
      endpoint.plain_http = true;
    }
  }
  return out;
}

std::vector<RegistryEndpoint> RegistriesConfig::configured_endpoints(const Reference& ref) const {
  const Registry* registry = find_registry(ref);
  if (registry == nullptr) {
    return {endpoint(Location{.host = ref.registry})};
  }
  if (registry->blocked) {
    throw Error("pull " + ref.str() + ": the registry \"" + registry->prefix + "\" is blocked by " + path_ + ":" +
                std::to_string(registry->line));
  }
  std::vector<RegistryEndpoint> out;
  for (const auto& mirror : registry->mirrors) {
    if (ref.digest ? mirror.for_digests : mirror.for_tags) {
      out.push_back(endpoint(mirror));
    }
  }
  Location own = registry->location;
  if (is_wildcard(registry->prefix)) {
    own.host = ref.registry;
  }
  out.push_back(endpoint(own));
  return out;
}

}  // namespace skiff::image

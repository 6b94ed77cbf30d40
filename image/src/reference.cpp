#include "skiff/image/reference.h"

#include <algorithm>
#include <cctype>
#include <optional>

#include "skiff/base/error.h"

namespace skiff::image {

namespace {

constexpr std::string_view kDefaultRegistry = "docker.io";
constexpr std::string_view kLegacyDefaultRegistry = "index.docker.io";
constexpr std::string_view kOfficialRepoPrefix = "library/";
constexpr std::string_view kDefaultTag = "latest";
// distribution/reference's limits: the whole name, and a tag.
constexpr size_t kMaxNameLength = 255;
constexpr size_t kMaxTagLength = 128;

bool is_lower_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool is_alnum(char c) {
  return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

bool is_word(char c) {
  return is_alnum(c) || c == '_';
}

[[noreturn]] void fail(std::string_view text, const std::string& why) {
  throw Error("invalid image reference \"" + std::string(text) + "\": " + why);
}

// One path component: [a-z0-9]+ joined by the separators ".", "_", "__" or one or more "-".
bool valid_path_component(std::string_view part) {
  if (part.empty() || !is_lower_alnum(part.front()) || !is_lower_alnum(part.back())) {
    return false;
  }
  size_t i = 0;
  while (i < part.size()) {
    if (is_lower_alnum(part[i])) {
      ++i;
      continue;
    }
    size_t start = i;
    while (i < part.size() && !is_lower_alnum(part[i])) {
      ++i;
    }
    std::string_view sep = part.substr(start, i - start);
    bool dashes = std::all_of(sep.begin(), sep.end(), [](char c) { return c == '-'; });
    if (sep != "." && sep != "_" && sep != "__" && !dashes) {
      return false;
    }
  }
  return true;
}

// A host name component: alphanumerics with inner dashes.
bool valid_host_label(std::string_view label) {
  if (label.empty() || !is_alnum(label.front()) || !is_alnum(label.back())) {
    return false;
  }
  return std::all_of(label.begin(), label.end(), [](char c) { return is_alnum(c) || c == '-'; });
}

bool all_digits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// host[:port], where host is dotted labels or a bracketed IPv6 address.
void check_registry(std::string_view text, std::string_view registry) {
  auto bad = [&](const std::string& why) { fail(text, "registry \"" + std::string(registry) + "\" " + why); };
  std::string_view host = registry;
  std::optional<std::string_view> port;
  if (host.starts_with('[')) {
    size_t close = host.find(']');
    if (close == std::string_view::npos) {
      bad("has an unclosed '['");
    }
    std::string_view address = host.substr(1, close - 1);
    bool ipv6_chars =
        address.find(':') != std::string_view::npos && std::all_of(address.begin(), address.end(), [](char c) {
          return std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == ':' || c == '.';
        });
    if (!ipv6_chars) {
      bad("is not a valid IPv6 address");
    }
    std::string_view rest = host.substr(close + 1);
    if (!rest.empty()) {
      if (!rest.starts_with(':')) {
        bad("has text after its IPv6 address");
      }
      port = rest.substr(1);
    }
  } else {
    if (size_t colon = host.find(':'); colon != std::string_view::npos) {
      port = host.substr(colon + 1);
      host = host.substr(0, colon);
    }
    size_t pos = 0;
    for (;;) {
      size_t dot = host.find('.', pos);
      if (!valid_host_label(host.substr(pos, dot == std::string_view::npos ? std::string_view::npos : dot - pos))) {
        bad("is not a valid host name");
      }
      if (dot == std::string_view::npos) {
        break;
      }
      pos = dot + 1;
    }
  }
  if (port && (port->empty() || port->size() > 5 || !all_digits(*port))) {
    bad("has an invalid port \"" + std::string(*port) + "\"");
  }
}

void check_repository(std::string_view text, std::string_view repository) {
  if (std::any_of(repository.begin(), repository.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
    fail(text, "repository name \"" + std::string(repository) + "\" must be lowercase");
  }
  size_t pos = 0;
  for (;;) {
    size_t slash = repository.find('/', pos);
    std::string_view part =
        repository.substr(pos, slash == std::string_view::npos ? std::string_view::npos : slash - pos);
    if (!valid_path_component(part)) {
      fail(text, part.empty() ? "repository name \"" + std::string(repository) + "\" has an empty path component"
                              : "repository path component \"" + std::string(part) +
                                    "\" may hold only a-z, 0-9 and the separators '.', '_', '__' and '-' between them");
    }
    if (slash == std::string_view::npos) {
      break;
    }
    pos = slash + 1;
  }
}

void check_tag(std::string_view text, std::string_view tag) {
  if (tag.empty()) {
    fail(text, "the tag after ':' is empty");
  }
  bool valid = tag.size() <= kMaxTagLength && is_word(tag.front()) &&
               std::all_of(tag.begin(), tag.end(), [](char c) { return is_word(c) || c == '.' || c == '-'; });
  if (!valid) {
    fail(text, "tag \"" + std::string(tag) +
                   "\" must be 1 to 128 of the characters A-Z a-z 0-9 _ . - and must not start with '.' or '-'");
  }
}

// docker's rule: the first path component names a registry when it has a '.' or a ':', is
// "localhost", or has uppercase letters (which repository names never have).
bool names_registry(std::string_view first) {
  return first.find_first_of(".:") != std::string_view::npos || first == "localhost" ||
         std::any_of(first.begin(), first.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

}  // namespace

Reference Reference::parse(std::string_view text) {
  if (text.empty()) {
    throw Error("invalid image reference \"\": it is empty");
  }
  if (std::any_of(text.begin(), text.end(), [](char c) { return c <= ' ' || c == 0x7f; })) {
    fail(text, "it contains whitespace or control characters");
  }
  if (text.size() == 64 &&
      std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); })) {
    fail(text, "a 64-character hexadecimal string is an image ID, not a name");
  }
  Reference ref;
  std::string_view name = text;
  if (size_t at = name.find('@'); at != std::string_view::npos) {
    ref.digest = Digest::parse(name.substr(at + 1), "image reference \"" + std::string(text) + "\" digest");
    name = name.substr(0, at);
  }
  size_t last_slash = name.rfind('/');
  size_t colon = name.rfind(':');
  if (colon != std::string_view::npos && (last_slash == std::string_view::npos || colon > last_slash)) {
    ref.tag = std::string(name.substr(colon + 1));
    check_tag(text, ref.tag);
    name = name.substr(0, colon);
  } else if (!ref.digest) {
    ref.tag = std::string(kDefaultTag);
  }
  if (name.empty()) {
    fail(text, "the repository name is empty");
  }
  size_t slash = name.find('/');
  if (slash != std::string_view::npos && names_registry(name.substr(0, slash))) {
    ref.registry = std::string(name.substr(0, slash));
    ref.repository = std::string(name.substr(slash + 1));
    check_registry(text, ref.registry);
  } else {
    ref.registry = std::string(kDefaultRegistry);
    ref.repository = std::string(name);
  }
  if (ref.registry == kLegacyDefaultRegistry) {
    ref.registry = std::string(kDefaultRegistry);
  }
  if (ref.registry == kDefaultRegistry && ref.repository.find('/') == std::string::npos) {
    ref.repository = std::string(kOfficialRepoPrefix) + ref.repository;
  }
  check_repository(text, ref.repository);
  if (ref.registry.size() + 1 + ref.repository.size() > kMaxNameLength) {
    fail(text, "the name is longer than " + std::to_string(kMaxNameLength) + " characters");
  }
  return ref;
}

std::string Reference::name() const {
  return registry + "/" + repository;
}

std::string Reference::str() const {
  std::string out = name();
  if (!tag.empty()) {
    out += ":" + tag;
  }
  if (digest) {
    out += "@" + digest->str();
  }
  return out;
}

std::string Reference::manifest_reference() const {
  return digest ? digest->str() : tag;
}

std::string registry_api_host(std::string_view registry) {
  if (registry == kDefaultRegistry || registry == kLegacyDefaultRegistry) {
    return "registry-1.docker.io";
  }
  return std::string(registry);
}

}  // namespace skiff::image

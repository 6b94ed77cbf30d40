#include "skiff/apiserver/authenticator.h"

#include <openssl/crypto.h>

#include <sstream>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/strings.h"

namespace skiff::apiserver {

namespace {

// The fields of a CSV line; a double-quoted field may hold commas.
std::vector<std::string> csv_fields(std::string_view line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (char c : line) {
    if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  return fields;
}

}  // namespace

TokenAuthenticator TokenAuthenticator::load(const std::string& path) {
  TokenAuthenticator auth;
  std::istringstream in(read_file(path));
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (trim(line).empty()) {
      continue;
    }
    std::vector<std::string> fields = csv_fields(trim(line));
    if (fields.size() < 3 || fields[0].empty() || fields[1].empty()) {
      throw Error(path + ":" + std::to_string(number) + ": want token,user,uid[,\"groups\"]");
    }
    UserInfo user{fields[1], fields[2], {}};
    if (fields.size() > 3) {
      for (const std::string& group : split(fields[3], ',')) {
        if (!trim(group).empty()) {
          user.groups.emplace_back(trim(group));
        }
      }
    }
    auth.users_[fields[0]] = std::move(user);
  }
  return auth;
}

std::optional<UserInfo> TokenAuthenticator::authenticate(const std::string& authorization) const {
  constexpr std::string_view kBearer = "Bearer ";
  if (!authorization.starts_with(kBearer)) {
    return std::nullopt;
  }
  std::string token(trim(std::string_view(authorization).substr(kBearer.size())));
  // Every stored token is compared in constant time so that timing says nothing of them.
  std::optional<UserInfo> found;
  for (const auto& [known, user] : users_) {
    if (known.size() == token.size() && CRYPTO_memcmp(known.data(), token.data(), token.size()) == 0) {
      found = user;
    }
  }
  return found;
}

}  // namespace skiff::apiserver

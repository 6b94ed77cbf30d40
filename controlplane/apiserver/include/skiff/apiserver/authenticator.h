#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace skiff::apiserver {

struct UserInfo {
  std::string name;
  std::string uid;
  std::vector<std::string> groups;
};

// Bearer tokens from a token file in kube's --token-auth-file format: one
// token,user,uid[,"group1,group2"] a line.
class TokenAuthenticator {
 public:
  static TokenAuthenticator load(const std::string& path);

  // The user of an Authorization header's value ("Bearer <token>"), nullopt when the header is
  // missing or the token unknown.
  [[nodiscard]] std::optional<UserInfo> authenticate(const std::string& authorization) const;

 private:
  std::map<std::string, UserInfo> users_;
};

}  // namespace skiff::apiserver

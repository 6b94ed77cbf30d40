#include "registry_auth.h"

#include <algorithm>
#include <cctype>

#include "skiff/base/base64.h"
#include "skiff/base/error.h"
#include "skiff/base/json.h"

namespace skiff::image {

namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool is_token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
         std::string_view("!#$%&'*+-.^_`|~/").find(c) != std::string_view::npos;
}

// A cursor over a header value with the RFC 7230 token / quoted-string grammar.
class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}
  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t')) {
      ++pos_;
    }
  }
  bool at_end() {
    skip_space();
    return pos_ >= text_.size();
  }
  bool consume(char c) {
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  std::string token() {
    skip_space();
    size_t start = pos_;
    while (pos_ < text_.size() && is_token_char(text_[pos_])) {
      ++pos_;
    }
    return std::string(text_.substr(start, pos_ - start));
  }
  std::string token_or_quoted() {
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == '"') {
      ++pos_;
      std::string out;
      while (pos_ < text_.size() && text_[pos_] != '"') {
        if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) {
          ++pos_;
        }
        out += text_[pos_++];
      }
      ++pos_;
      return out;
    }
    // Unquoted values are tokens by the grammar, but servers send bare URLs too: take all up to
    // the next separator.
    size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != ' ' && text_[pos_] != '\t') {
      ++pos_;
    }
    return std::string(text_.substr(start, pos_ - start));
  }
  size_t mark() const { return pos_; }
  void reset(size_t mark) { pos_ = mark; }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

std::string AuthChallenge::param(const std::string& name) const {
  auto it = params.find(name);
  return it == params.end() ? "" : it->second;
}

std::vector<AuthChallenge> parse_www_authenticate(std::string_view value) {
  std::vector<AuthChallenge> challenges;
  Cursor cursor(value);
  while (!cursor.at_end()) {
    if (cursor.consume(',')) {
      continue;
    }
    std::string scheme = cursor.token();
    if (scheme.empty()) {
      break;
    }
    AuthChallenge challenge{lower(scheme), {}};
    // Parameters until the next "<scheme> " (a token not followed by '=').
    while (!cursor.at_end()) {
      size_t mark = cursor.mark();
      cursor.consume(',');
      std::string name = cursor.token();
      if (name.empty() || !cursor.consume('=')) {
        cursor.reset(mark);
        break;
      }
      challenge.params[lower(name)] = cursor.token_or_quoted();
    }
    challenges.push_back(std::move(challenge));
  }
  return challenges;
}

std::string basic_authorization(const Credentials& credentials) {
  return "Basic " + base64_encode(credentials.username + ":" + credentials.password);
}

BearerToken parse_token_response(std::string_view body, std::string_view what) {
  std::string context(what);
  boost::json::value value = json::parse(body, context);
  const auto& object = json::as_object(value, context);
  BearerToken out;
  for (const char* key : {"token", "access_token"}) {
    if (const auto* token = json::find(object, key); token != nullptr) {
      out.token = json::as_string(*token, json::field(context, key));
      if (!out.token.empty()) {
        break;
      }
    }
  }
  if (out.token.empty()) {
    throw Error(context + ": the answer holds neither token nor access_token");
  }
  int64_t expires_in = 60;
  if (const auto* expires = json::find(object, "expires_in"); expires != nullptr) {
    expires_in = json::as_int_in(*expires, json::field(context, "expires_in"), 0, int64_t{1} << 40);
  }
  // A token that lives less than the margin is used once, for the request it was fetched for.
  constexpr int64_t kMarginSeconds = 10;
  out.expires =
      std::chrono::steady_clock::now() + std::chrono::seconds(std::max<int64_t>(0, expires_in - kMarginSeconds));
  return out;
}

std::string pull_scope(std::string_view repository) {
  return "repository:" + std::string(repository) + ":pull";
}

}  // namespace skiff::image

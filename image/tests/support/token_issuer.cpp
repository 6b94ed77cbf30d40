#include "token_issuer.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <vector>

#include "skiff/base/base64.h"
#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/strings.h"

namespace skiff::testing {

namespace http = boost::beast::http;

namespace {

std::string base64url(std::string_view data) {
  std::string out = base64_encode(data);
  while (!out.empty() && out.back() == '=') {
    out.pop_back();
  }
  for (char& c : out) {
    c = c == '+' ? '-' : c == '/' ? '_' : c;
  }
  return out;
}

HttpResponse text_response(http::status status, std::string body) {
  HttpResponse response{status, 11};
  response.set(http::field::content_type, "text/plain");
  response.body() = std::move(body);
  return response;
}

}  // namespace

struct TokenIssuer::Key {
  EVP_PKEY* pkey = nullptr;
  ~Key() { EVP_PKEY_free(pkey); }
};

TokenIssuer::TokenIssuer(TokenIssuerOptions options) : options_(std::move(options)), key_(std::make_unique<Key>()) {
  std::string key_pem = read_file(options_.key_path);
  BIO* bio = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
  key_->pkey = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (key_->pkey == nullptr) {
    throw Error("token issuer: cannot read the signing key " + options_.key_path);
  }
  std::string cert_pem = read_file(options_.cert_path);
  bio = BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size()));
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (cert == nullptr) {
    throw Error("token issuer: cannot read the certificate " + options_.cert_path);
  }
  unsigned char* der = nullptr;
  int der_size = i2d_X509(cert, &der);
  X509_free(cert);
  if (der_size <= 0) {
    throw Error("token issuer: cannot encode the certificate " + options_.cert_path);
  }
  x5c_ = base64_encode(std::string_view(reinterpret_cast<const char*>(der), static_cast<size_t>(der_size)));
  OPENSSL_free(der);
  server_ = std::make_unique<LoopbackServer>([this](boost::asio::ip::tcp::socket& socket) {
    serve_http(socket, [this](const HttpRequest& request) { return respond(request); });
  });
}

TokenIssuer::~TokenIssuer() = default;

std::string TokenIssuer::realm() const {
  return "http://" + server_->host() + "/token";
}

HttpResponse TokenIssuer::respond(const HttpRequest& request) {
  std::string target(request.target());
  if (!target.starts_with("/token")) {
    return text_response(http::status::not_found, "not found\n");
  }
  std::vector<std::pair<std::string, std::string>> params = query_params(target);
  bool authenticated = false;
  if (request.method() == http::verb::post) {
    // OAuth2 form: the parameters are the body's.
    auto form = query_params("/?" + request.body());
    params.insert(params.end(), form.begin(), form.end());
    std::string grant;
    std::string refresh_token;
    for (const auto& [key, value] : form) {
      grant = key == "grant_type" ? value : grant;
      refresh_token = key == "refresh_token" ? value : refresh_token;
    }
    if (grant != "refresh_token" || options_.credentials.identity_token.empty() ||
        refresh_token != options_.credentials.identity_token) {
      ++refused_;
      return text_response(http::status::unauthorized, "invalid refresh token\n");
    }
    authenticated = true;
  } else if (auto auth = request.find(http::field::authorization); auth != request.end()) {
    std::string_view value = auth->value();
    std::optional<std::string> decoded;
    if (value.starts_with("Basic ")) {
      try {
        decoded = base64_decode(trim(value.substr(6)), "Authorization");
      } catch (const Error&) {
      }
    }
    if (!decoded || *decoded != options_.credentials.username + ":" + options_.credentials.password) {
      ++refused_;
      HttpResponse response = text_response(http::status::unauthorized, "invalid username or password\n");
      response.set(http::field::www_authenticate, "Basic realm=\"skiff-test-issuer\"");
      return response;
    }
    authenticated = true;
  }

  std::string service;
  boost::json::array access;
  for (const auto& [key, value] : params) {
    if (key == "service") {
      service = value;
    }
    if (key != "scope") {
      continue;
    }
    // repository:<name>:<action>[,<action>]; the name may hold colons only as a port, which
    // repository names never do.
    auto first = value.find(':');
    auto last = value.rfind(':');
    if (first == std::string::npos || first == last) {
      return text_response(http::status::bad_request, "bad scope " + value + "\n");
    }
    boost::json::array actions;
    for (const std::string& action : split(value.substr(last + 1), ',')) {
      if (authenticated || (options_.anonymous_pull && action == "pull")) {
        actions.emplace_back(action);
      }
    }
    access.push_back(boost::json::object{{"type", value.substr(0, first)},
                                         {"name", value.substr(first + 1, last - first - 1)},
                                         {"actions", std::move(actions)}});
  }
  if (service != options_.service) {
    return text_response(http::status::bad_request, "unknown service \"" + service + "\"\n");
  }

  auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  int serial = ++issued_;
  boost::json::object header{{"typ", "JWT"}, {"alg", "RS256"}, {"x5c", boost::json::array{x5c_}}};
  boost::json::object claims{{"iss", options_.issuer},
                             {"sub", authenticated ? options_.credentials.username : ""},
                             {"aud", options_.service},
                             {"exp", now.count() + options_.expires_in},
                             {"nbf", now.count() - 10},
                             {"iat", now.count()},
                             {"jti", "skiff-test-" + std::to_string(serial)},
                             {"access", std::move(access)}};
  std::string signing_input =
      base64url(boost::json::serialize(header)) + "." + base64url(boost::json::serialize(claims));

  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  size_t signature_size = 0;
  std::string signature;
  bool ok = ctx != nullptr && EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key_->pkey) == 1 &&
            EVP_DigestSign(ctx, nullptr, &signature_size, reinterpret_cast<const unsigned char*>(signing_input.data()),
                           signing_input.size()) == 1;
  if (ok) {
    signature.resize(signature_size);
    ok = EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()), &signature_size,
                        reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size()) == 1;
    signature.resize(signature_size);
  }
  EVP_MD_CTX_free(ctx);
  if (!ok) {
    return text_response(http::status::internal_server_error, "signing failed\n");
  }
  std::string token = signing_input + "." + base64url(signature);

  char issued_at[32];
  std::time_t t = now.count();
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(issued_at, sizeof issued_at, "%Y-%m-%dT%H:%M:%SZ", &tm);
  HttpResponse response{http::status::ok, 11};
  response.set(http::field::content_type, "application/json");
  response.body() = boost::json::serialize(boost::json::object{
      {"token", token}, {"access_token", token}, {"expires_in", options_.expires_in}, {"issued_at", issued_at}});
  return response;
}

}  // namespace skiff::testing

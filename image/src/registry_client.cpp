#include "skiff/image/registry_client.h"

#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "http_connection.h"
#include "http_url.h"
#include "registry_auth.h"
#include "skiff/base/error.h"
#include "skiff/base/strings.h"
#include "skiff/image/manifest.h"

namespace skiff::image {

namespace http = boost::beast::http;

namespace {

constexpr int kMaxRedirects = 5;
constexpr size_t kMaxIdlePerOrigin = 8;
constexpr uint64_t kMaxSmallBody = uint64_t{64} << 10;
constexpr size_t kChunk = size_t{64} << 10;

// A status worth asking again for: the server is overloaded or failing for now.
class RetryableStatus : public Error {
 public:
  using Error::Error;
};

bool is_redirect(unsigned status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

bool is_retryable(unsigned status) {
  return status >= 500 || status == 429;
}

// "MANIFEST_UNKNOWN: manifest unknown" from a registry's {"errors": [...]}, else the body's
// first line.
std::string error_message(std::string_view body) {
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(body, ec);
  if (!ec && value.is_object()) {
    const auto* errors = value.as_object().if_contains("errors");
    if (errors != nullptr && errors->is_array()) {
      std::string out;
      for (const auto& error : errors->as_array()) {
        if (!error.is_object()) {
          continue;
        }
        const auto* code = error.as_object().if_contains("code");
        const auto* message = error.as_object().if_contains("message");
        out += out.empty() ? "" : "; ";
        out += code != nullptr && code->is_string() ? std::string(code->as_string()) : "";
        if (message != nullptr && message->is_string()) {
          out += (out.empty() || out.ends_with("; ") ? "" : ": ") + std::string(message->as_string());
        }
      }
      if (!out.empty()) {
        return out;
      }
    }
  }
  std::string_view line = trim(body.substr(0, body.find('\n')));
  return std::string(line.substr(0, 200));
}

// Errors that come up below a request (a certificate refused, too many redirects, a token
// refused) get the request's own context in front, once.
[[noreturn]] void throw_in_context(const Error& error, const std::string& what) {
  std::string_view message = error.what();
  if (message.starts_with(what)) {
    throw error;
  }
  throw Error(what + ": " + std::string(message), error.code());
}

struct Call {
  std::string target;  // "/v2/<name>/manifests/<reference>"
  std::string scope;   // the token scope; empty for the ping
  std::vector<std::pair<http::field, std::string>> headers;
  // Whether a 401 makes the client fetch a token (or send Basic credentials) and ask again.
  bool authenticate = true;
};

}  // namespace

// A response whose header has been read; the body is still on the connection.
struct Response {
  std::unique_ptr<HttpConnection> connection;
  std::unique_ptr<HttpResponseParser> parser;
  HttpUrl url;

  [[nodiscard]] unsigned status() const { return parser->get().result_int(); }
  [[nodiscard]] std::string header(http::field field) const {
    auto it = parser->get().find(field);
    return it == parser->get().end() ? "" : std::string(it->value());
  }
  [[nodiscard]] std::string header(std::string_view name) const {
    auto it = parser->get().find(name);
    return it == parser->get().end() ? "" : std::string(it->value());
  }
  [[nodiscard]] std::string status_line() const {
    return std::to_string(status()) + " " + std::string(parser->get().reason());
  }
};

// The state one client shares between its threads: the connection pool and what it learned of
// the registry's authentication.
struct RegistrySession {
  RegistryEndpoint endpoint;
  RegistryClientOptions options;
  HttpUrl base;
  std::shared_ptr<boost::asio::ssl::context> tls;

  std::mutex mutex;
  std::map<std::string, std::vector<std::unique_ptr<HttpConnection>>> idle;
  std::optional<AuthChallenge> challenge;
  std::map<std::string, BearerToken> tokens;

  RegistrySession(RegistryEndpoint endpoint_in, RegistryClientOptions options_in)
      : endpoint(std::move(endpoint_in)),
        options(std::move(options_in)),
        base(registry_base_url(endpoint.host, endpoint.plain_http)),
        tls(make_tls_context(endpoint.ca_dir)) {
    options.attempts = std::max(1, options.attempts);
  }

  // "<prefix>/<repository>" as the registry serves it.
  [[nodiscard]] std::string path(std::string_view repository) const {
    return endpoint.path_prefix.empty() ? std::string(repository)
                                        : endpoint.path_prefix + "/" + std::string(repository);
  }
  // "pull 127.0.0.1:5000/library/busybox": how errors name a repository.
  [[nodiscard]] std::string context(std::string_view repository) const {
    return "pull " + endpoint.host + "/" + path(repository);
  }

  void backoff(int failures) const {
    std::this_thread::sleep_for(options.retry_delay * (1 << std::min(failures - 1, 10)));
  }

  // Runs fn until it returns, retrying connection failures and retryable statuses.
  template <typename F>
  auto with_retries(const std::string& what, F fn) -> decltype(fn()) {
    std::string last;
    for (int attempt = 1;; ++attempt) {
      try {
        return fn();
      } catch (const TransportError& e) {
        last = e.what();
      } catch (const RetryableStatus& e) {
        last = e.what();
      } catch (const Error& e) {
        throw_in_context(e, what);
      }
      if (attempt >= options.attempts) {
        throw Error(what + ": " + last + " (gave up after " + std::to_string(attempt) + " attempts)");
      }
      backoff(attempt);
    }
  }

  std::unique_ptr<HttpConnection> take_connection(const HttpUrl& url, bool& reused) {
    {
      std::lock_guard lock(mutex);
      auto& pool = idle[url.origin()];
      if (!pool.empty()) {
        auto connection = std::move(pool.back());
        pool.pop_back();
        reused = true;
        return connection;
      }
    }
    reused = false;
    return std::make_unique<HttpConnection>(url, *tls, options.timeout);
  }

  // Returns a connection whose response was read to its end to the pool when it may be reused.
  void finish(Response& response) {
    if (!response.connection || !response.parser->is_done() || !response.parser->keep_alive()) {
      response.connection.reset();
      return;
    }
    std::lock_guard lock(mutex);
    auto& pool = idle[response.connection->origin()];
    if (pool.size() < kMaxIdlePerOrigin) {
      pool.push_back(std::move(response.connection));
    }
    response.connection.reset();
  }

  // One request and its response header. A pooled connection the server has closed meanwhile
  // is replaced by a new one once.
  Response exchange(const HttpUrl& url, HttpRequest& request) {
    request.set(http::field::host, url.authority());
    request.set(http::field::user_agent, "skiff");
    request.prepare_payload();
    bool reused = false;
    Response response{take_connection(url, reused), std::make_unique<HttpResponseParser>(), url};
    response.parser->body_limit(boost::none);
    try {
      response.connection->send(request, *response.parser);
    } catch (const TransportError&) {
      if (!reused) {
        throw;
      }
      response.connection = std::make_unique<HttpConnection>(url, *tls, options.timeout);
      response.parser = std::make_unique<HttpResponseParser>();
      response.parser->body_limit(boost::none);
      response.connection->send(request, *response.parser);
    }
    return response;
  }

  // The whole body, at most limit bytes; the connection goes back to the pool.
  std::string read_all(Response& response, uint64_t limit, const std::string& what) {
    const auto& length = response.parser->content_length();
    if (length && *length > limit) {
      throw Error(what + ": the registry announces " + std::to_string(*length) + " bytes, more than the " +
                  std::to_string(limit) + " allowed");
    }
    std::string body;
    std::vector<std::byte> chunk(kChunk);
    for (;;) {
      size_t n = response.connection->read_body(*response.parser, chunk);
      if (n == 0) {
        break;
      }
      if (body.size() + n > limit) {
        throw Error(what + ": larger than the " + std::to_string(limit) + " bytes allowed");
      }
      body.append(reinterpret_cast<const char*>(chunk.data()), n);
    }
    finish(response);
    return body;
  }

  // The error for a response that is not the one wanted, with the registry's own message.
  Error status_error(Response& response, const std::string& what) {
    std::string message;
    try {
      message = error_message(read_all(response, kMaxSmallBody, what));
    } catch (const Error&) {
      // The status says enough when the body cannot be read.
    }
    return Error(what + ": " + response.status_line() + (message.empty() ? "" : ": " + message));
  }

  // The Authorization header for scope, fetching a token when the registry wants one.
  std::string authorization(const std::string& scope) {
    AuthChallenge current;
    {
      std::lock_guard lock(mutex);
      if (!challenge) {
        return "";
      }
      current = *challenge;
      if (current.scheme == "basic") {
        return options.credentials ? basic_authorization(*options.credentials) : "";
      }
      auto it = tokens.find(scope);
      if (it != tokens.end() && it->second.expires > std::chrono::steady_clock::now()) {
        return "Bearer " + it->second.token;
      }
    }
    BearerToken token = fetch_token(current, scope);
    std::lock_guard lock(mutex);
    tokens[scope] = token;
    return "Bearer " + token.token;
  }

  // Learns how the registry wants to be authenticated from a 401; true when asking again with
  // that can help.
  bool learn(const std::string& www_authenticate, const std::string& scope) {
    std::optional<AuthChallenge> chosen;
    for (auto& candidate : parse_www_authenticate(www_authenticate)) {
      if (candidate.scheme == "bearer" || (candidate.scheme == "basic" && !chosen)) {
        chosen = std::move(candidate);
      }
    }
    if (!chosen) {
      return false;
    }
    std::lock_guard lock(mutex);
    challenge = chosen;
    tokens.erase(scope);
    return chosen->scheme == "bearer" || options.credentials.has_value();
  }

  BearerToken fetch_token(const AuthChallenge& bearer, const std::string& scope) {
    std::string realm_text = bearer.param("realm");
    if (realm_text.empty()) {
      throw Error("token for " + endpoint.host + ": the registry's Bearer challenge names no realm");
    }
    HttpUrl realm = parse_http_url(realm_text, "token realm of " + endpoint.host);
    std::string what = "token from " + realm.origin() + realm.target.substr(0, realm.target.find('?'));
    std::string service = bearer.param("service");
    return with_retries(what, [&] {
      HttpRequest request;
      request.version(11);
      std::string query;
      if (!service.empty()) {
        query += "service=" + url_encode(service);
      }
      if (!scope.empty()) {
        query += (query.empty() ? "" : "&") + std::string("scope=") + url_encode(scope);
      }
      if (options.credentials && !options.credentials->identity_token.empty()) {
        // OAuth2 refresh token grant (an auth.json identitytoken).
        request.method(http::verb::post);
        request.target(realm.target);
        request.set(http::field::content_type, "application/x-www-form-urlencoded");
        request.body() = "grant_type=refresh_token&client_id=skiff&refresh_token=" +
                         url_encode(options.credentials->identity_token) + (query.empty() ? "" : "&" + query);
      } else {
        request.method(http::verb::get);
        request.target(realm.target +
                       (query.empty() ? "" : (realm.target.find('?') == std::string::npos ? "?" : "&") + query));
        if (options.credentials && !options.credentials->username.empty()) {
          request.set(http::field::authorization, basic_authorization(*options.credentials));
        }
      }
      Response response = exchange(realm, request);
      unsigned status = response.status();
      if (is_retryable(status)) {
        throw RetryableStatus(status_error(response, what).what());
      }
      if (status != 200) {
        std::string hint =
            status == 401 ? (options.credentials ? " (credentials refused)" : " (no credentials given)") : "";
        throw Error(std::string(status_error(response, what).what()) + hint);
      }
      return parse_token_response(read_all(response, kMaxSmallBody, what), what);
    });
  }

  // One try of call: authentication and redirects, not retries. Returns the final response
  // with only its header read, whatever its status, except retryable ones, which throw.
  Response call_once(const Call& call) {
    HttpUrl url = resolve_http_url(base, call.target, "request");
    bool auth_retried = false;
    for (int hops = 0;;) {
      HttpRequest request{http::verb::get, url.target, 11};
      for (const auto& [field, value] : call.headers) {
        request.set(field, value);
      }
      // The registry's credentials go to the registry only, never to blob storage it redirects to.
      bool to_registry = url.origin() == base.origin();
      if (to_registry && call.authenticate) {
        std::string auth = authorization(call.scope);
        if (!auth.empty()) {
          request.set(http::field::authorization, auth);
        }
      }
      Response response = exchange(url, request);
      unsigned status = response.status();
      if (status == 401 && to_registry) {
        bool retry = learn(response.header(http::field::www_authenticate), call.scope);
        if (!call.authenticate || auth_retried || !retry) {
          return response;
        }
        read_all(response, kMaxSmallBody, "401 answer");
        auth_retried = true;
        continue;
      }
      if (is_redirect(status)) {
        std::string location = response.header(http::field::location);
        if (location.empty()) {
          return response;
        }
        if (++hops > kMaxRedirects) {
          throw Error("more than " + std::to_string(kMaxRedirects) + " redirects, the last to " + location);
        }
        response.connection.reset();
        url = resolve_http_url(url, location, "redirect Location");
        continue;
      }
      if (is_retryable(status)) {
        throw RetryableStatus(status_error(response, url.origin()).what());
      }
      return response;
    }
  }
};

namespace {

// A blob as it arrives, resumed with a Range request where the connection broke.
class BlobSource : public ByteSource {
 public:
  BlobSource(RegistrySession& client, std::string_view repository, const Digest& digest, uint64_t size, uint64_t offset)
      : client_(client),
        repository_(client.path(repository)),
        what_(client.context(repository) + ": blob " + digest.str()),
        digest_(digest),
        size_(size),
        position_(offset) {
    if (offset > size) {
      throw Error(what_ + ": offset " + std::to_string(offset) + " is past the blob's " + std::to_string(size) +
                  " bytes");
    }
  }

  size_t read(std::span<std::byte> buffer) override {
    if (buffer.empty()) {
      return 0;
    }
    for (int failures = 0;;) {
      std::string last;
      try {
        if (!response_) {
          if (position_ >= size_) {
            return 0;
          }
          open();
        }
        size_t n = response_->connection->read_body(*response_->parser, buffer);
        if (n == 0) {
          client_.finish(*response_);
          response_.reset();
          if (position_ != size_) {
            throw Error(what_ + ": the registry sent " + std::to_string(position_) + " of its " +
                        std::to_string(size_) + " bytes");
          }
          return 0;
        }
        if (position_ + n > size_) {
          throw Error(what_ + ": the registry sends more than the " + std::to_string(size_) +
                      " bytes the manifest gives");
        }
        position_ += n;
        return n;
      } catch (const TransportError& e) {
        last = e.what();
      } catch (const RetryableStatus& e) {
        last = e.what();
      } catch (const Error& e) {
        throw_in_context(e, what_);
      }
      response_.reset();
      if (++failures >= client_.options.attempts) {
        throw Error(what_ + ": " + last + " (gave up at byte " + std::to_string(position_) + " after " +
                    std::to_string(failures) + " attempts)");
      }
      client_.backoff(failures);
    }
  }

 private:
  // Asks for the bytes from position_ on.
  void open() {
    Call call{.target = "/v2/" + repository_ + "/blobs/" + digest_.str(),
              .scope = pull_scope(repository_),
              .headers = {},
              .authenticate = true};
    if (position_ > 0) {
      call.headers.emplace_back(http::field::range, "bytes=" + std::to_string(position_) + "-");
    }
    Response response = client_.call_once(call);
    unsigned status = response.status();
    uint64_t skip = 0;
    if (status == 206) {
      std::string range = response.header(http::field::content_range);
      if (!range.starts_with("bytes " + std::to_string(position_) + "-")) {
        throw Error(what_ + ": asked for bytes from " + std::to_string(position_) + ", got Content-Range \"" + range +
                    "\"");
      }
    } else if (status == 200) {
      // A server without Range support sends it all again: skip what was delivered already.
      skip = position_;
    } else if (status == 404) {
      throw client_.status_error(response, what_ + ": blob unknown to the registry");
    } else {
      throw client_.status_error(response, what_);
    }
    const auto& length = response.parser->content_length();
    uint64_t expected = size_ - (status == 206 ? position_ : 0);
    if (length && *length != expected) {
      throw Error(what_ + ": the registry sends " + std::to_string(*length) + " bytes, want " +
                  std::to_string(expected) + " (the manifest gives the blob " + std::to_string(size_) + " bytes)");
    }
    std::vector<std::byte> scratch(kChunk);
    while (skip > 0) {
      size_t n = response.connection->read_body(*response.parser,
                                                std::span(scratch).first(std::min<uint64_t>(skip, scratch.size())));
      if (n == 0) {
        throw Error(what_ + ": the body ended while skipping to byte " + std::to_string(position_));
      }
      skip -= n;
    }
    response_ = std::move(response);
  }

  RegistrySession& client_;
  std::string repository_;
  std::string what_;
  Digest digest_;
  uint64_t size_;
  uint64_t position_;
  std::optional<Response> response_;
};

}  // namespace

struct RegistryClient::Impl : RegistrySession {
  using RegistrySession::RegistrySession;
};

RegistryClient::RegistryClient(RegistryEndpoint endpoint, RegistryClientOptions options)
    : impl_(std::make_unique<Impl>(std::move(endpoint), std::move(options))) {}

RegistryClient::~RegistryClient() = default;

const RegistryEndpoint& RegistryClient::endpoint() const {
  return impl_->endpoint;
}

void RegistryClient::ping() {
  std::string what = "ping " + impl_->endpoint.host;
  impl_->with_retries(what, [&] {
    Response response = impl_->call_once(Call{.target = "/v2/", .scope = "", .headers = {}, .authenticate = false});
    unsigned status = response.status();
    if (status != 200 && status != 401) {
      throw impl_->status_error(response, what + ": not an OCI distribution registry");
    }
    impl_->read_all(response, kMaxSmallBody, what);
  });
}

FetchedManifest RegistryClient::get_manifest(std::string_view repository, std::string_view reference) {
  std::string what = impl_->context(repository) + ": manifest " + std::string(reference);
  std::optional<Digest> wanted;
  if (reference.find(':') != std::string_view::npos) {
    wanted = Digest::parse(reference, what);
  }
  std::string accept = std::string(media_type::kOciManifest) + ", " + std::string(media_type::kOciIndex) + ", " +
                       std::string(media_type::kDockerManifest) + ", " + std::string(media_type::kDockerManifestList);
  std::string path = impl_->path(repository);
  return impl_->with_retries(what, [&] {
    Response response = impl_->call_once(Call{.target = "/v2/" + path + "/manifests/" + std::string(reference),
                                              .scope = pull_scope(path),
                                              .headers = {{http::field::accept, accept}},
                                              .authenticate = true});
    if (response.status() == 404) {
      throw impl_->status_error(response, what + ": manifest unknown: " + impl_->endpoint.host + "/" + path +
                                              " has no " + std::string(reference));
    }
    if (response.status() != 200) {
      throw impl_->status_error(response, what);
    }
    std::string content_type = response.header(http::field::content_type);
    std::string served_digest = response.header("Docker-Content-Digest");
    std::string document = impl_->read_all(response, kMaxManifestBytes, what);
    Digest digest = Digest::of(document);
    if (wanted && digest != *wanted) {
      throw Error(what + ": the registry sent a manifest whose digest is " + digest.str());
    }
    if (!wanted && !served_digest.empty() && Digest::parse(served_digest, what + ": Docker-Content-Digest") != digest) {
      throw Error(what + ": the manifest's digest is " + digest.str() +
                  " but the registry's Docker-Content-Digest says " + served_digest);
    }
    std::string type = manifest_media_type(document, content_type);
    return FetchedManifest{std::move(document), std::move(type), digest};
  });
}

std::string RegistryClient::get_blob(std::string_view repository, const Digest& digest, uint64_t max_bytes) {
  std::string what = impl_->context(repository) + ": blob " + digest.str();
  std::string path = impl_->path(repository);
  return impl_->with_retries(what, [&] {
    Response response = impl_->call_once(Call{.target = "/v2/" + path + "/blobs/" + digest.str(),
                                              .scope = pull_scope(path),
                                              .headers = {},
                                              .authenticate = true});
    if (response.status() != 200) {
      throw impl_->status_error(response, what);
    }
    std::string data = impl_->read_all(response, max_bytes, what);
    if (Digest got = Digest::of(data); got != digest) {
      throw Error(what + ": digest mismatch: the registry sent content with digest " + got.str());
    }
    return data;
  });
}

std::unique_ptr<ByteSource> RegistryClient::open_blob(std::string_view repository, const Digest& digest, uint64_t size,
                                                      uint64_t offset) {
  return std::make_unique<BlobSource>(*impl_, repository, digest, size, offset);
}

}  // namespace skiff::image

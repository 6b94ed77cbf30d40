#include "skiff/image/registry_client.h"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <random>
#include <thread>

#include "loopback_server.h"
#include "oci_layout.h"
#include "skiff/base/file.h"
#include "skiff/image/manifest.h"
#include "test_registry.h"
#include "test_support.h"

namespace skiff::image {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using testing::LoopbackServer;
using testing::make_oci_layout;
using testing::OciBlob;
using testing::OciLayoutImage;
using testing::RegistryAuth;
using testing::TestRegistry;
using testing::TestRegistryOptions;

std::string random_bytes(size_t size, unsigned seed) {
  std::mt19937 gen(seed);
  std::string out(size, '\0');
  for (char& c : out) {
    c = static_cast<char>(gen() & 0xff);
  }
  return out;
}

std::string read_source(ByteSource& source) {
  std::string out;
  std::vector<std::byte> buffer(size_t{16} << 10);
  for (size_t n; (n = source.read(buffer)) > 0;) {
    out.append(reinterpret_cast<const char*>(buffer.data()), n);
  }
  return out;
}

std::string blob_file(const OciLayoutImage& image, const OciBlob& blob) {
  return read_file(image.dir + "/blobs/sha256/" + std::string(blob.digest.hex()));
}

// An image whose first layer is 1 MiB of incompressible bytes, so that its blob is large enough
// to be cut, resumed and read in pieces.
struct Fixture {
  testing::TempDir layout{"skiff-layout-"};
  OciLayoutImage image =
      make_oci_layout(layout.path(), {{{"data/random", random_bytes(1 << 20, 1)}}, {{"etc/hello", "hello\n"}}}, "v1");
  const OciBlob& big() const { return image.layers[0]; }
};

RegistryClientOptions fast_retries(std::optional<Credentials> credentials = std::nullopt) {
  RegistryClientOptions options;
  options.credentials = std::move(credentials);
  options.retry_delay = std::chrono::milliseconds(10);
  return options;
}

template <typename F>
std::string error_of(F f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "no error";
}

// Blob storage a registry redirects to: serves data at any path with 200 (it ignores Range, as
// some storage does), counts what requests carried, and cuts its first cuts connections after
// cut_after body bytes.
struct FakeStorage {
  std::string data;
  size_t cut_after = 0;
  std::atomic<int> cuts{0};
  std::atomic<int> requests{0};
  std::atomic<int> with_authorization{0};
  std::atomic<int> with_range{0};
  LoopbackServer server{[this](tcp::socket& socket) { serve(socket); }};

  void serve(tcp::socket& socket) {
    boost::beast::flat_buffer buffer;
    for (;;) {
      testing::HttpRequest request;
      boost::system::error_code ec;
      http::read(socket, buffer, request, ec);
      if (ec) {
        return;
      }
      ++requests;
      with_authorization += request.count(http::field::authorization) > 0 ? 1 : 0;
      with_range += request.count(http::field::range) > 0 ? 1 : 0;
      std::string head = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " +
                         std::to_string(data.size()) + "\r\n\r\n";
      asio::write(socket, asio::buffer(head));
      if (cuts.fetch_sub(1) > 0) {
        asio::write(socket, asio::buffer(data.data(), cut_after));
        socket.shutdown(tcp::socket::shutdown_both);
        return;
      }
      asio::write(socket, asio::buffer(data));
    }
  }
};

// A registry front that wants Basic credentials, answers 503 to its first unavailable requests,
// and redirects every authorized request to location (storage, or itself for a loop).
struct RedirectingFront {
  Credentials credentials{.username = "front-user", .password = "front-pass"};
  std::string location;
  std::atomic<int> unavailable{0};
  std::atomic<int> authorized{0};
  LoopbackServer server{[this](tcp::socket& socket) {
    testing::serve_http(socket, [this](const testing::HttpRequest& request) { return respond(request); });
  }};

  testing::HttpResponse respond(const testing::HttpRequest& request) {
    if (unavailable.fetch_sub(1) > 0) {
      return {http::status::service_unavailable, 11};
    }
    auto auth = request.find(http::field::authorization);
    // base64("front-user:front-pass")
    if (auth == request.end() || auth->value() != "Basic ZnJvbnQtdXNlcjpmcm9udC1wYXNz") {
      testing::HttpResponse response{http::status::unauthorized, 11};
      response.set(http::field::www_authenticate, "Basic realm=\"front\"");
      return response;
    }
    ++authorized;
    testing::HttpResponse response{http::status::temporary_redirect, 11};
    response.set(http::field::location, location);
    return response;
  }
};

// A TCP proxy to a registry that cuts the first connection whose responses pass cut_after
// bytes, and counts the requests that ask for a Range.
struct CuttingProxy {
  uint16_t upstream_port = 0;
  size_t cut_after = 0;
  std::atomic<bool> cut_pending{true};
  std::atomic<int> range_requests{0};
  LoopbackServer server{[this](tcp::socket& socket) { serve(socket); }};

  void serve(tcp::socket& client) {
    asio::io_context io;
    tcp::socket upstream(io);
    upstream.connect({asio::ip::address_v4::loopback(), upstream_port});
    std::thread requests([&] {
      std::array<char, 8192> buffer{};
      boost::system::error_code ec;
      for (;;) {
        size_t n = client.read_some(asio::buffer(buffer), ec);
        if (ec) {
          break;
        }
        range_requests += std::string_view(buffer.data(), n).find("Range: bytes=") != std::string_view::npos ? 1 : 0;
        asio::write(upstream, asio::buffer(buffer.data(), n), ec);
        if (ec) {
          break;
        }
      }
      upstream.shutdown(tcp::socket::shutdown_send, ec);
    });
    std::array<char, 8192> buffer{};
    boost::system::error_code ec;
    size_t sent = 0;
    for (;;) {
      size_t n = upstream.read_some(asio::buffer(buffer), ec);
      if (ec) {
        break;
      }
      if (sent + n > cut_after && cut_pending.exchange(false)) {
        asio::write(client, asio::buffer(buffer.data(), cut_after - sent), ec);
        break;
      }
      asio::write(client, asio::buffer(buffer.data(), n), ec);
      if (ec) {
        break;
      }
      sent += n;
    }
    client.shutdown(tcp::socket::shutdown_both, ec);
    upstream.shutdown(tcp::socket::shutdown_both, ec);
    requests.join();
  }
};

TEST(RegistryFixture, PushesInEveryMode) {
  Fixture fixture;
  for (auto options :
       {TestRegistryOptions{}, TestRegistryOptions{.tls = true}, TestRegistryOptions{.auth = RegistryAuth::kHtpasswd},
        TestRegistryOptions{.tls = true, .auth = RegistryAuth::kToken}}) {
    TestRegistry registry(options);
    registry.push(fixture.image.source, "library/hello:v1");
    EXPECT_TRUE(path_exists(registry.blob_path(fixture.big().digest))) << registry.host();
    EXPECT_EQ(read_file(registry.blob_path(fixture.image.config.digest)).size(), fixture.image.config.size);
    if (options.auth == RegistryAuth::kToken) {
      EXPECT_GT(registry.token_issuer()->issued(), 0);
    }
  }
}

TEST(RegistryClient, PingsAPlainHttpRegistry) {
  TestRegistry registry;
  RegistryClient client(registry.endpoint(), fast_retries());
  client.ping();
  EXPECT_EQ(client.endpoint().host, registry.host());
}

TEST(RegistryClient, PingFailsClearlyWhenNothingListens) {
  RegistryEndpoint endpoint{.host = "127.0.0.1:" + std::to_string(testing::free_loopback_port()), .plain_http = true};
  RegistryClientOptions options = fast_retries();
  options.attempts = 2;
  RegistryClient client(endpoint, options);
  std::string error = error_of([&] { client.ping(); });
  EXPECT_NE(error.find("ping " + endpoint.host), std::string::npos) << error;
  EXPECT_NE(error.find("refused"), std::string::npos) << error;
  EXPECT_NE(error.find("2 attempts"), std::string::npos) << error;
}

TEST(RegistryClient, FetchesOciManifestByTagAndByDigest) {
  Fixture fixture;
  TestRegistry registry;
  registry.push(fixture.image.source, "library/hello:v1");
  RegistryClient client(registry.endpoint(), fast_retries());

  FetchedManifest by_tag = client.get_manifest("library/hello", "v1");
  EXPECT_EQ(by_tag.digest, fixture.image.manifest.digest);
  EXPECT_EQ(by_tag.media_type, media_type::kOciManifest);
  EXPECT_EQ(by_tag.document, blob_file(fixture.image, fixture.image.manifest));

  FetchedManifest by_digest = client.get_manifest("library/hello", fixture.image.manifest.digest.str());
  EXPECT_EQ(by_digest.document, by_tag.document);
  ImageManifest manifest = parse_image_manifest(by_digest.document, by_digest.media_type, "manifest");
  EXPECT_EQ(manifest.layers.size(), 2U);
}

TEST(RegistryClient, FetchesDockerSchema2Manifest) {
  Fixture fixture;
  TestRegistry registry;
  registry.push(fixture.image.source, "library/hello:docker", {"--format", "v2s2"});
  RegistryClient client(registry.endpoint(), fast_retries());
  FetchedManifest fetched = client.get_manifest("library/hello", "docker");
  EXPECT_EQ(fetched.media_type, media_type::kDockerManifest);
  EXPECT_EQ(fetched.digest, Digest::of(fetched.document));
  EXPECT_NE(fetched.digest, fixture.image.manifest.digest);
  EXPECT_EQ(client.get_manifest("library/hello", fetched.digest.str()).document, fetched.document);
}

TEST(RegistryClient, FetchesAnImageIndex) {
  testing::TempDir layout("skiff-layout-");
  OciLayoutImage image = make_oci_layout(layout.path(), {{{"etc/hello", "hi\n"}}}, "multi", true);
  TestRegistry registry;
  registry.push(image.source, "library/multi:v1", {"--all"});
  RegistryClient client(registry.endpoint(), fast_retries());
  FetchedManifest fetched = client.get_manifest("library/multi", "v1");
  EXPECT_EQ(fetched.media_type, media_type::kOciIndex);
  EXPECT_EQ(fetched.digest, image.index.digest);
  ImageIndex index = parse_image_index(fetched.document, fetched.media_type, "index");
  ASSERT_EQ(index.manifests.size(), 1U);
  EXPECT_EQ(client.get_manifest("library/multi", index.manifests[0].digest.str()).digest, image.manifest.digest);
}

TEST(RegistryClient, UnknownManifestIsNamed) {
  Fixture fixture;
  TestRegistry registry;
  registry.push(fixture.image.source, "library/hello:v1");
  RegistryClient client(registry.endpoint(), fast_retries());
  std::string error = error_of([&] { client.get_manifest("library/hello", "nope"); });
  EXPECT_NE(error.find("pull " + registry.host() + "/library/hello: manifest nope: manifest unknown"),
            std::string::npos)
      << error;
  EXPECT_NE(error.find("404"), std::string::npos) << error;
}

TEST(RegistryClient, StreamsABlobWholeAndFromAnOffset) {
  Fixture fixture;
  TestRegistry registry;
  registry.push(fixture.image.source, "library/hello:v1");
  RegistryClient client(registry.endpoint(), fast_retries());
  std::string want = blob_file(fixture.image, fixture.big());

  auto whole = client.open_blob("library/hello", fixture.big().digest, fixture.big().size);
  EXPECT_EQ(read_source(*whole), want);
  EXPECT_EQ(whole->read(std::span<std::byte>()), 0U);

  constexpr uint64_t kOffset = 123457;
  auto rest = client.open_blob("library/hello", fixture.big().digest, fixture.big().size, kOffset);
  EXPECT_EQ(read_source(*rest), want.substr(kOffset));

  EXPECT_EQ(client.get_blob("library/hello", fixture.image.config.digest, kMaxConfigBytes),
            blob_file(fixture.image, fixture.image.config));
  std::string too_small = error_of([&] { client.get_blob("library/hello", fixture.big().digest, 1000); });
  EXPECT_NE(too_small.find("1000"), std::string::npos) << too_small;
}

TEST(RegistryClient, WrongSizeIsAnError) {
  Fixture fixture;
  TestRegistry registry;
  registry.push(fixture.image.source, "library/hello:v1");
  RegistryClient client(registry.endpoint(), fast_retries());
  auto source = client.open_blob("library/hello", fixture.big().digest, fixture.big().size - 1);
  std::string error = error_of([&] { read_source(*source); });
  EXPECT_NE(error.find("blob " + fixture.big().digest.str()), std::string::npos) << error;
}

TEST(RegistryClient, DetectsATamperedBlob) {
  Fixture fixture;
  TestRegistry registry;
  registry.push(fixture.image.source, "library/hello:v1");
  for (const OciBlob* blob : {&fixture.image.config, &fixture.image.layers[0]}) {
    std::string path = registry.blob_path(blob->digest);
    std::string data = read_file(path);
    data[data.size() / 2] = static_cast<char>(data[data.size() / 2] ^ 0x55);
    write_file(path, data);
  }
  RegistryClient client(registry.endpoint(), fast_retries());
  std::string error = error_of([&] { client.get_blob("library/hello", fixture.image.config.digest, kMaxConfigBytes); });
  EXPECT_NE(error.find("digest mismatch"), std::string::npos) << error;

  auto source = client.open_blob("library/hello", fixture.big().digest, fixture.big().size);
  HashingSource hashing(*source);
  read_source(hashing);
  EXPECT_EQ(hashing.bytes(), fixture.big().size);
  EXPECT_NE(hashing.finish(), fixture.big().digest);
}

TEST(RegistryClient, HtpasswdBasicAuth) {
  Fixture fixture;
  TestRegistry registry({.auth = RegistryAuth::kHtpasswd});
  registry.push(fixture.image.source, "library/hello:v1");

  RegistryClient client(registry.endpoint(), fast_retries(registry.credentials()));
  client.ping();
  EXPECT_EQ(client.get_manifest("library/hello", "v1").digest, fixture.image.manifest.digest);
  EXPECT_EQ(read_source(*client.open_blob("library/hello", fixture.big().digest, fixture.big().size)),
            blob_file(fixture.image, fixture.big()));

  Credentials wrong = registry.credentials();
  wrong.password = "wrong";
  RegistryClient bad(registry.endpoint(), fast_retries(wrong));
  std::string error = error_of([&] { bad.get_manifest("library/hello", "v1"); });
  EXPECT_NE(error.find("pull " + registry.host() + "/library/hello: manifest v1: 401 Unauthorized"), std::string::npos)
      << error;

  RegistryClient anonymous(registry.endpoint(), fast_retries());
  error = error_of([&] { anonymous.get_manifest("library/hello", "v1"); });
  EXPECT_NE(error.find("manifest v1: 401 Unauthorized"), std::string::npos) << error;
}

TEST(RegistryClient, TokenAuthWithCredentialsCachesTheToken) {
  Fixture fixture;
  TestRegistry registry({.auth = RegistryAuth::kToken});
  registry.push(fixture.image.source, "library/hello:v1");
  int issued_before = registry.token_issuer()->issued();

  RegistryClient client(registry.endpoint(), fast_retries(registry.credentials()));
  client.ping();
  EXPECT_EQ(client.get_manifest("library/hello", "v1").digest, fixture.image.manifest.digest);
  EXPECT_EQ(client.get_manifest("library/hello", "v1").digest, fixture.image.manifest.digest);
  EXPECT_EQ(client.get_blob("library/hello", fixture.image.config.digest, kMaxConfigBytes),
            blob_file(fixture.image, fixture.image.config));
  // One scope, one token, for as long as it lives.
  EXPECT_EQ(registry.token_issuer()->issued(), issued_before + 1);
}

TEST(RegistryClient, TokenAuthRefusals) {
  Fixture fixture;
  TestRegistry registry({.auth = RegistryAuth::kToken});
  registry.push(fixture.image.source, "library/hello:v1");

  Credentials wrong = registry.credentials();
  wrong.password = "wrong";
  RegistryClient bad(registry.endpoint(), fast_retries(wrong));
  std::string error = error_of([&] { bad.get_manifest("library/hello", "v1"); });
  EXPECT_NE(error.find("token from " + registry.token_issuer()->realm() + ": 401 Unauthorized"), std::string::npos)
      << error;
  EXPECT_NE(error.find("credentials refused"), std::string::npos) << error;
  EXPECT_GT(registry.token_issuer()->refused(), 0);

  // A private repository: the anonymous token grants nothing, and the registry says so.
  RegistryClient anonymous(registry.endpoint(), fast_retries());
  error = error_of([&] { anonymous.get_manifest("library/hello", "v1"); });
  EXPECT_NE(error.find("pull " + registry.host() + "/library/hello: manifest v1: 401 Unauthorized"), std::string::npos)
      << error;
}

TEST(RegistryClient, TokenAuthAnonymousPullOfAPublicRepository) {
  Fixture fixture;
  TestRegistry registry({.auth = RegistryAuth::kToken, .anonymous_pull = true});
  registry.push(fixture.image.source, "library/hello:v1");
  RegistryClient client(registry.endpoint(), fast_retries());
  EXPECT_EQ(client.get_manifest("library/hello", "v1").digest, fixture.image.manifest.digest);
}

TEST(RegistryClient, TokenAuthWithAnIdentityToken) {
  Fixture fixture;
  TestRegistry registry({.auth = RegistryAuth::kToken});
  registry.push(fixture.image.source, "library/hello:v1");
  RegistryClient client(registry.endpoint(), fast_retries(Credentials{.identity_token = registry.identity_token()}));
  EXPECT_EQ(client.get_manifest("library/hello", "v1").digest, fixture.image.manifest.digest);

  RegistryClient bad(registry.endpoint(), fast_retries(Credentials{.identity_token = "not-the-token"}));
  std::string error = error_of([&] { bad.get_manifest("library/hello", "v1"); });
  EXPECT_NE(error.find("401 Unauthorized"), std::string::npos) << error;
  EXPECT_NE(error.find("invalid refresh token"), std::string::npos) << error;
}

TEST(RegistryClient, TlsWithTheFixtureCa) {
  Fixture fixture;
  TestRegistry registry({.tls = true});
  registry.push(fixture.image.source, "library/hello:v1");
  RegistryClient client(registry.endpoint(), fast_retries());
  client.ping();
  EXPECT_EQ(client.get_manifest("library/hello", "v1").digest, fixture.image.manifest.digest);

  RegistryEndpoint without_ca = registry.endpoint();
  without_ca.ca_dir.clear();
  RegistryClient untrusting(without_ca, fast_retries());
  std::string error = error_of([&] { untrusting.get_manifest("library/hello", "v1"); });
  EXPECT_NE(error.find("certificate verify failed"), std::string::npos) << error;
  EXPECT_NE(error.find("pull " + registry.host() + "/library/hello"), std::string::npos) << error;

  // Plain http against a TLS port is no registry either.
  RegistryEndpoint plain = registry.endpoint();
  plain.plain_http = true;
  RegistryClient wrong_scheme(plain, fast_retries());
  EXPECT_NE(error_of([&] { wrong_scheme.ping(); }), "no error");
}

TEST(RegistryClient, FollowsARedirectToStorageWithoutTheRegistrysCredentials) {
  FakeStorage storage;
  storage.data = random_bytes(200000, 2);
  RedirectingFront front;
  front.location = "http://" + storage.server.host() + "/storage/blob?signature=abc";
  RegistryClient client({.host = front.server.host(), .plain_http = true}, fast_retries(front.credentials));
  Digest digest = Digest::of(storage.data);
  EXPECT_EQ(client.get_blob("library/hello", digest, 1 << 20), storage.data);
  EXPECT_EQ(read_source(*client.open_blob("library/hello", digest, storage.data.size())), storage.data);
  EXPECT_EQ(front.authorized, 2);
  EXPECT_EQ(storage.requests, 2);
  EXPECT_EQ(storage.with_authorization, 0);
}

TEST(RegistryClient, ResumesWhereStorageIgnoringRangeCutTheConnection) {
  FakeStorage storage;
  storage.data = random_bytes(500000, 3);
  storage.cut_after = 300000;
  storage.cuts = 1;
  RedirectingFront front;
  front.location = "http://" + storage.server.host() + "/storage/blob";
  RegistryClient client({.host = front.server.host(), .plain_http = true}, fast_retries(front.credentials));
  auto source = client.open_blob("library/hello", Digest::of(storage.data), storage.data.size());
  EXPECT_EQ(read_source(*source), storage.data);
  EXPECT_EQ(storage.requests, 2);
  EXPECT_EQ(storage.with_range, 1);
}

TEST(RegistryClient, RetriesUnavailableThenGivesUp) {
  FakeStorage storage;
  storage.data = "config";
  RedirectingFront front;
  front.location = "http://" + storage.server.host() + "/storage/blob";
  front.unavailable = 2;
  RegistryClient client({.host = front.server.host(), .plain_http = true}, fast_retries(front.credentials));
  EXPECT_EQ(client.get_blob("library/hello", Digest::of(storage.data), 100), storage.data);

  front.unavailable = 100;
  std::string error = error_of([&] { client.get_blob("library/hello", Digest::of(storage.data), 100); });
  EXPECT_NE(error.find("pull " + front.server.host() + "/library/hello: blob"), std::string::npos) << error;
  EXPECT_NE(error.find("503 Service Unavailable"), std::string::npos) << error;
  EXPECT_NE(error.find("gave up after 4 attempts"), std::string::npos) << error;
}

TEST(RegistryClient, BoundsRedirects) {
  RedirectingFront front;
  front.location = "/v2/library/hello/blobs/elsewhere";
  RegistryClient client({.host = front.server.host(), .plain_http = true}, fast_retries(front.credentials));
  std::string error = error_of([&] { client.get_blob("library/hello", Digest::of("x"), 100); });
  EXPECT_NE(error.find("pull " + front.server.host() + "/library/hello: blob " + Digest::of("x").str()),
            std::string::npos)
      << error;
  EXPECT_NE(error.find("more than 5 redirects"), std::string::npos) << error;
}

TEST(RegistryClient, FollowsARedirectToTheRealRegistrysBlob) {
  Fixture fixture;
  TestRegistry registry;
  registry.push(fixture.image.source, "library/hello:v1");
  RedirectingFront front;
  front.location = "http://" + registry.host() + "/v2/library/hello/blobs/" + fixture.big().digest.str();
  RegistryClient client({.host = front.server.host(), .plain_http = true}, fast_retries(front.credentials));
  auto source = client.open_blob("library/elsewhere", fixture.big().digest, fixture.big().size);
  EXPECT_EQ(read_source(*source), blob_file(fixture.image, fixture.big()));
  EXPECT_EQ(front.authorized, 1);
}

TEST(RegistryClient, TimesOutOnASilentServer) {
  LoopbackServer silent([](tcp::socket& socket) {
    std::array<char, 4096> buffer{};
    boost::system::error_code ec;
    while (!ec) {
      socket.read_some(asio::buffer(buffer), ec);
    }
  });
  RegistryClientOptions options = fast_retries();
  options.attempts = 1;
  options.timeout = std::chrono::seconds(1);
  RegistryClient client({.host = silent.host(), .plain_http = true}, options);
  std::string error = error_of([&] { client.get_manifest("library/hello", "v1"); });
  EXPECT_NE(error.find("pull " + silent.host() + "/library/hello: manifest v1"), std::string::npos) << error;
  EXPECT_NE(error.find("timed out after 1 s"), std::string::npos) << error;
}

TEST(RegistryClient, ResumesACutBlobWithRange) {
  Fixture fixture;
  TestRegistry registry;
  registry.push(fixture.image.source, "library/hello:v1");
  CuttingProxy proxy;
  proxy.upstream_port = static_cast<uint16_t>(std::stoi(registry.host().substr(registry.host().rfind(':') + 1)));
  proxy.cut_after = 300000;
  RegistryClient client({.host = proxy.server.host(), .plain_http = true}, fast_retries());
  EXPECT_EQ(client.get_manifest("library/hello", "v1").digest, fixture.image.manifest.digest);
  auto source = client.open_blob("library/hello", fixture.big().digest, fixture.big().size);
  HashingSource hashing(*source);
  read_source(hashing);
  EXPECT_EQ(hashing.finish(), fixture.big().digest);
  EXPECT_FALSE(proxy.cut_pending);
  EXPECT_EQ(proxy.range_requests, 1);
}

TEST(RegistryClient, OpensBlobsFromSeveralThreads) {
  Fixture fixture;
  TestRegistry registry({.auth = RegistryAuth::kToken});
  registry.push(fixture.image.source, "library/hello:v1");
  RegistryClient client(registry.endpoint(), fast_retries(registry.credentials()));
  std::vector<std::string> errors(4);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      const OciBlob& blob = fixture.image.layers[i % 2];
      try {
        for (int round = 0; round < 3; ++round) {
          auto source = client.open_blob("library/hello", blob.digest, blob.size);
          HashingSource hashing(*source);
          read_source(hashing);
          if (hashing.finish() != blob.digest) {
            errors[i] = "digest mismatch";
          }
        }
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  for (const auto& error : errors) {
    EXPECT_EQ(error, "");
  }
}

}  // namespace
}  // namespace skiff::image

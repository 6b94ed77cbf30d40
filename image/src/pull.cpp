#include "skiff/image/pull.h"

#include "skiff/base/error.h"
#include "skiff/image/auth_file.h"
#include "skiff/image/reference.h"
#include "skiff/image/registry_client.h"

namespace skiff::image {

namespace {

class RegistryFetcher : public BlobFetcher {
 public:
  RegistryFetcher(RegistryClient& client, std::string repository)
      : client_(client), repository_(std::move(repository)) {}
  std::unique_ptr<ByteSource> open(const Descriptor& blob, uint64_t offset) override {
    return client_.open_blob(repository_, blob.digest, blob.size, offset);
  }

 private:
  RegistryClient& client_;
  std::string repository_;
};

ImageRecord pull_from(const RegistryEndpoint& endpoint, const Reference& ref, Store& store, const PullOptions& options,
                      const std::optional<Credentials>& credentials) {
  auto what = ref.str();
  RegistryClient client(endpoint, RegistryClientOptions{.credentials = credentials});
  // The client puts a mirror's path prefix in front of it.
  const auto& repository = ref.repository;

  auto fetched = client.get_manifest(repository, ref.manifest_reference());
  StoreImageOptions store_options{.what = what,
                                  .names = {},
                                  .digests = {ref.name() + "@" + fetched.digest.str()},
                                  .parallelism = options.parallelism,
                                  .progress = options.progress};
  if (!ref.digest) {
    store_options.names.push_back(ref.str());
  }
  if (is_index_media_type(fetched.media_type)) {
    auto index = parse_image_index(fetched.document, fetched.media_type, what + " index " + fetched.digest.str());
    auto platform = options.platform.value_or(Platform::host());
    const auto& chosen = select_platform(index, platform, what + " index " + fetched.digest.str());
    fetched = client.get_manifest(repository, chosen.digest.str());
    if (is_index_media_type(fetched.media_type)) {
      throw Error(what + ": the index entry for " + platform.str() + " is another index, not an image manifest");
    }
    store_options.digests.push_back(ref.name() + "@" + fetched.digest.str());
  }
  auto manifest =
      parse_image_manifest(fetched.document, fetched.media_type, what + " manifest " + fetched.digest.str());
  const auto& config_digest = manifest.config.digest;
  std::string config = store.has_blob(config_digest) ? store.read_blob(config_digest, kMaxConfigBytes)
                                                     : client.get_blob(repository, config_digest, kMaxConfigBytes);
  RegistryFetcher fetcher(client, repository);
  return store_image(store, fetched.document, fetched.media_type, fetched.digest, config, fetcher, store_options);
}

}  // namespace

ImageRecord pull(std::string_view reference, Store& store, const PullOptions& options) {
  auto ref = Reference::parse(reference);
  auto endpoints = options.registries.endpoints_for(ref);
  auto credentials = options.credentials;
  if (!credentials && !options.auth_file.empty()) {
    credentials = credentials_from_file(options.auth_file, ref);
  }
  std::string errors;
  int code = 0;
  for (const auto& endpoint : endpoints) {
    try {
      return pull_from(endpoint, ref, store, options, credentials);
    } catch (const Error& e) {
      errors += std::string(errors.empty() ? "" : "; ") + (endpoints.size() > 1 ? endpoint.host + ": " : "") + e.what();
      code = e.code();
    }
  }
  throw Error("pull " + ref.str() + ": " + errors, code);
}

}  // namespace skiff::image

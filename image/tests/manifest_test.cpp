#include "skiff/image/manifest.h"

#include <gtest/gtest.h>

#include <functional>

#include "skiff/base/error.h"

namespace skiff::image {
namespace {

std::string digest_of(char c) {
  return "sha256:" + std::string(64, c);
}

std::string descriptor(std::string_view media_type, char digest, int64_t size, std::string_view extra = "") {
  return std::string(R"({"mediaType": ")") + std::string(media_type) + R"(", "digest": ")" + digest_of(digest) +
         R"(", "size": )" + std::to_string(size) + std::string(extra) + "}";
}

std::string oci_manifest(const std::string& layers) {
  return R"({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "config": )" +
         descriptor(media_type::kOciConfig, 'c', 1234) + R"(, "layers": [)" + layers + "]}";
}

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Manifest, ParsesAnOciManifest) {
  std::string doc = oci_manifest(descriptor(media_type::kOciLayerGzip, 'a', 100) + ", " +
                                 descriptor(media_type::kOciLayerZstd, 'b', 200, R"(, "annotations": {"k": "v"})"));
  auto manifest = parse_image_manifest(doc, media_type::kOciManifest, "manifest x");
  EXPECT_EQ(manifest.media_type, media_type::kOciManifest);
  EXPECT_EQ(manifest.config.media_type, media_type::kOciConfig);
  EXPECT_EQ(manifest.config.digest.str(), digest_of('c'));
  EXPECT_EQ(manifest.config.size, 1234U);
  ASSERT_EQ(manifest.layers.size(), 2U);
  EXPECT_EQ(manifest.layers[0].digest.str(), digest_of('a'));
  EXPECT_EQ(manifest.layers[0].size, 100U);
  EXPECT_EQ(manifest.layers[1].media_type, media_type::kOciLayerZstd);
  EXPECT_EQ(manifest.layers[1].annotations.at("k"), "v");
}

TEST(Manifest, ParsesADockerSchema2Manifest) {
  std::string doc = R"({"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
    "config": )" + descriptor(media_type::kDockerConfig, 'c', 10) +
                    R"(, "layers": [)" + descriptor(media_type::kDockerLayerGzip, 'a', 5) + "]}";
  auto manifest = parse_image_manifest(doc, media_type::kDockerManifest, "m");
  EXPECT_EQ(manifest.config.media_type, media_type::kDockerConfig);
  ASSERT_EQ(manifest.layers.size(), 1U);
  EXPECT_EQ(manifest.layers[0].media_type, media_type::kDockerLayerGzip);
}

TEST(Manifest, OciManifestWithoutMediaTypeFieldIsFine) {
  std::string doc =
      R"({"schemaVersion": 2, "config": )" + descriptor(media_type::kOciConfig, 'c', 1) + R"(, "layers": []})";
  EXPECT_TRUE(parse_image_manifest(doc, media_type::kOciManifest, "m").layers.empty());
}

TEST(Manifest, BadLayerDigestNamesTheField) {
  std::string doc = oci_manifest(descriptor(media_type::kOciLayerGzip, 'a', 1) + "," +
                                 R"({"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": "sha256:xyz",
                                     "size": 1})");
  std::string err = error_of([&] { parse_image_manifest(doc, media_type::kOciManifest, "manifest busybox"); });
  EXPECT_NE(err.find("manifest busybox"), std::string::npos) << err;
  EXPECT_NE(err.find("layers[1].digest"), std::string::npos) << err;
}

TEST(Manifest, NegativeOrMissingSizeIsRejected) {
  std::string err = error_of([&] {
    parse_image_manifest(oci_manifest(descriptor(media_type::kOciLayerGzip, 'a', -1)), media_type::kOciManifest, "m");
  });
  EXPECT_NE(err.find("layers[0].size"), std::string::npos) << err;
  EXPECT_NE(err.find("negative"), std::string::npos) << err;
  std::string no_size =
      oci_manifest(R"({"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": ")" + digest_of('a') + R"("})");
  err = error_of([&] { parse_image_manifest(no_size, media_type::kOciManifest, "m"); });
  EXPECT_NE(err.find("layers[0].size: is missing"), std::string::npos) << err;
  err = error_of([&] {
    parse_image_manifest(oci_manifest(R"({"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": ")" +
                                      digest_of('a') + R"(", "size": 1.5})"),
                         media_type::kOciManifest, "m");
  });
  EXPECT_NE(err.find("layers[0].size"), std::string::npos) << err;
}

TEST(Manifest, UnknownMediaTypesAreRejected) {
  std::string err = error_of([&] {
    parse_image_manifest(oci_manifest(descriptor("application/vnd.example.blob", 'a', 1)), media_type::kOciManifest,
                         "m");
  });
  EXPECT_NE(err.find("layers[0].mediaType"), std::string::npos) << err;
  EXPECT_NE(err.find("application/vnd.example.blob"), std::string::npos) << err;
  std::string doc = R"({"schemaVersion": 2, "config": )" +
                    descriptor("application/vnd.cncf.helm.config.v1+json", 'c', 1) + R"(, "layers": []})";
  err = error_of([&] { parse_image_manifest(doc, media_type::kOciManifest, "m"); });
  EXPECT_NE(err.find("config.mediaType"), std::string::npos) << err;
  err = error_of([&] { parse_image_manifest(oci_manifest(""), "application/json", "m"); });
  EXPECT_NE(err.find("not an image manifest"), std::string::npos) << err;
}

TEST(Manifest, MediaTypeFieldMustMatchWhatWasServed) {
  std::string err = error_of([&] { parse_image_manifest(oci_manifest(""), media_type::kDockerManifest, "m"); });
  EXPECT_NE(err.find("m: mediaType"), std::string::npos) << err;
}

TEST(Manifest, SchemaVersionMustBeTwoAndSchema1IsExplained) {
  std::string doc = oci_manifest("");
  std::string v3 = doc;
  v3.replace(v3.find('2'), 1, "3");
  std::string err = error_of([&] { parse_image_manifest(v3, media_type::kOciManifest, "m"); });
  EXPECT_NE(err.find("schemaVersion"), std::string::npos) << err;
  std::string schema1 = R"({"schemaVersion": 1, "name": "x", "tag": "y", "fsLayers": []})";
  err = error_of([&] { parse_image_manifest(schema1, manifest_media_type(schema1, ""), "m"); });
  EXPECT_NE(err.find("schema 1"), std::string::npos) << err;
  err = error_of(
      [&] { parse_image_manifest(schema1, "application/vnd.docker.distribution.manifest.v1+prettyjws", "m"); });
  EXPECT_NE(err.find("schema 1"), std::string::npos) << err;
  err = error_of([&] { parse_image_manifest(R"({"config": {}, "layers": []})", media_type::kOciManifest, "m"); });
  EXPECT_NE(err.find("schemaVersion: is missing"), std::string::npos) << err;
}

TEST(Manifest, ConfigLargerThanTheLimitIsRejected) {
  std::string doc = R"({"schemaVersion": 2, "config": )" +
                    descriptor(media_type::kOciConfig, 'c', static_cast<int64_t>(kMaxConfigBytes) + 1) +
                    R"(, "layers": []})";
  std::string err = error_of([&] { parse_image_manifest(doc, media_type::kOciManifest, "m"); });
  EXPECT_NE(err.find("config.size"), std::string::npos) << err;
}

TEST(Manifest, NotJsonOrNotAnObjectIsAClearError) {
  EXPECT_NE(error_of([] { parse_image_manifest("{", media_type::kOciManifest, "manifest q"); }).find("manifest q"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_image_manifest("[]", media_type::kOciManifest, "manifest q"); }).find("object"),
            std::string::npos);
  std::string huge(kMaxManifestBytes + 1, ' ');
  EXPECT_NE(error_of([&] { parse_image_manifest(huge, media_type::kOciManifest, "m"); }).find("limit"),
            std::string::npos);
}

std::string platform_entry(char digest, std::string_view os, std::string_view arch, std::string_view variant = "",
                           std::string_view media = media_type::kOciManifest) {
  std::string platform = R"(, "platform": {"os": ")" + std::string(os) + R"(", "architecture": ")" + std::string(arch) +
                         "\"" + (variant.empty() ? "" : R"(, "variant": ")" + std::string(variant) + "\"") + "}";
  return descriptor(media, digest, 500, platform);
}

ImageIndex index_of(const std::vector<std::string>& entries) {
  std::string list;
  for (const auto& e : entries) {
    list += (list.empty() ? "" : ",") + e;
  }
  return parse_image_index(R"({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                              "manifests": [)" +
                               list + "]}",
                           media_type::kOciIndex, "index");
}

TEST(ImageIndex, ParsesEntriesWithPlatforms) {
  auto index = index_of({platform_entry('a', "linux", "amd64"), platform_entry('b', "linux", "arm64", "v8")});
  EXPECT_EQ(index.media_type, media_type::kOciIndex);
  ASSERT_EQ(index.manifests.size(), 2U);
  ASSERT_TRUE(index.manifests[1].platform);
  EXPECT_EQ(index.manifests[1].platform->variant, "v8");
  EXPECT_EQ(index.manifests[1].platform->str(), "linux/arm64/v8");
}

TEST(ImageIndex, DockerManifestList) {
  std::string doc = R"({"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
    "manifests": [)" +
                    platform_entry('a', "linux", "amd64", "", media_type::kDockerManifest) + "]}";
  auto index = parse_image_index(doc, media_type::kDockerManifestList, "list");
  ASSERT_EQ(index.manifests.size(), 1U);
  EXPECT_EQ(index.manifests[0].media_type, media_type::kDockerManifest);
}

TEST(ImageIndex, ErrorsNameTheEntry) {
  std::string err = error_of([] {
    index_of({platform_entry('a', "linux", "amd64"),
              descriptor(media_type::kOciManifest, 'b', 1, R"(, "platform": {"os": "linux"})")});
  });
  EXPECT_NE(err.find("manifests[1].platform.architecture: is missing"), std::string::npos) << err;
  err = error_of([] { parse_image_index(R"({"schemaVersion": 2})", media_type::kOciIndex, "index"); });
  EXPECT_NE(err.find("manifests: is missing"), std::string::npos) << err;
  err = error_of([] { parse_image_index("{}", media_type::kOciManifest, "index"); });
  EXPECT_NE(err.find("not an image index"), std::string::npos) << err;
}

TEST(MediaType, ContentTypeThenFieldThenShape) {
  std::string index = R"({"schemaVersion": 2, "manifests": []})";
  std::string manifest = R"({"schemaVersion": 2, "config": {}, "layers": []})";
  EXPECT_EQ(manifest_media_type(manifest, "application/vnd.docker.distribution.manifest.v2+json; charset=utf-8"),
            media_type::kDockerManifest);
  EXPECT_EQ(manifest_media_type(index, "application/json"), media_type::kOciIndex);
  EXPECT_EQ(manifest_media_type(manifest, ""), media_type::kOciManifest);
  EXPECT_EQ(manifest_media_type(R"({"mediaType": "application/vnd.docker.distribution.manifest.list.v2+json"})",
                                "text/plain"),
            media_type::kDockerManifestList);
  EXPECT_EQ(manifest_media_type("not json", "application/octet-stream"), "application/octet-stream");
  EXPECT_TRUE(is_index_media_type(media_type::kOciIndex));
  EXPECT_TRUE(is_index_media_type(media_type::kDockerManifestList));
  EXPECT_FALSE(is_index_media_type(media_type::kOciManifest));
  EXPECT_TRUE(is_layer_media_type(media_type::kDockerLayerGzip));
  EXPECT_FALSE(is_layer_media_type(media_type::kOciConfig));
}

TEST(Platform, StrAndParse) {
  EXPECT_EQ(Platform::parse("linux/arm64/v8").str(), "linux/arm64/v8");
  EXPECT_EQ(Platform::parse("linux/amd64").str(), "linux/amd64");
  EXPECT_EQ(Platform::parse("Linux/X86_64").str(), "linux/amd64");
  EXPECT_EQ(Platform::parse("linux/aarch64").str(), "linux/arm64/v8");
  EXPECT_EQ(Platform::parse("linux/arm/7").str(), "linux/arm/v7");
  EXPECT_EQ(Platform::parse("linux/armhf").str(), "linux/arm/v7");
  EXPECT_THROW(Platform::parse("linux"), Error);
  EXPECT_THROW(Platform::parse("linux/amd64/v1/x"), Error);
  EXPECT_THROW(Platform::parse("linux//v1"), Error);
  EXPECT_THROW(Platform::parse("linux/am d64"), Error);
}

TEST(Platform, HostIsLinuxWithAGoArchitecture) {
  auto host = Platform::host();
  EXPECT_EQ(host.os, "linux");
  EXPECT_FALSE(host.architecture.empty());
  EXPECT_NE(host.architecture, "x86_64");
  EXPECT_NE(host.architecture, "aarch64");
#if defined(__x86_64__)
  EXPECT_EQ(host.str(), "linux/amd64");
#elif defined(__aarch64__)
  EXPECT_EQ(host.str(), "linux/arm64/v8");
#endif
}

TEST(SelectPlatform, PicksOsAndArchitecture) {
  auto index = index_of({platform_entry('a', "linux", "amd64"), platform_entry('b', "linux", "arm64", "v8"),
                         platform_entry('c', "windows", "amd64")});
  EXPECT_EQ(select_platform(index, Platform::parse("linux/amd64"), "i").digest.str(), digest_of('a'));
  EXPECT_EQ(select_platform(index, Platform::parse("windows/amd64"), "i").digest.str(), digest_of('c'));
  EXPECT_EQ(select_platform(index, Platform::parse("linux/arm64/v8"), "i").digest.str(), digest_of('b'));
}

TEST(SelectPlatform, VariantOnlyWhenAsked) {
  auto index = index_of({platform_entry('a', "linux", "arm", "v6"), platform_entry('b', "linux", "arm", "v7")});
  EXPECT_EQ(select_platform(index, Platform{"linux", "arm", ""}, "i").digest.str(), digest_of('a'));
  EXPECT_EQ(select_platform(index, Platform{"linux", "arm", "v7"}, "i").digest.str(), digest_of('b'));
  EXPECT_EQ(select_platform(index, Platform{"linux", "arm", "v6"}, "i").digest.str(), digest_of('a'));
  // A v8 arm machine runs v7 code; a v5 one cannot run v6.
  EXPECT_EQ(select_platform(index, Platform{"linux", "arm", "v8"}, "i").digest.str(), digest_of('b'));
  EXPECT_THROW(select_platform(index, Platform{"linux", "arm", "v5"}, "i"), Error);
}

TEST(SelectPlatform, Arm64WithoutVariantFitsV8) {
  auto index = index_of({platform_entry('a', "linux", "amd64"), platform_entry('b', "linux", "arm64")});
  EXPECT_EQ(select_platform(index, Platform{"linux", "arm64", "v8"}, "i").digest.str(), digest_of('b'));
  auto both = index_of({platform_entry('a', "linux", "arm64"), platform_entry('b', "linux", "arm64", "v8")});
  EXPECT_EQ(select_platform(both, Platform{"linux", "arm64", "v8"}, "i").digest.str(), digest_of('b'));
}

TEST(SelectPlatform, SkipsNonImageEntriesAndListsWhatIsOffered) {
  auto index = index_of({platform_entry('a', "linux", "amd64"), platform_entry('b', "linux", "arm64", "v8"),
                         platform_entry('d', "linux", "s390x", "", "application/vnd.example.attestation")});
  std::string err = error_of([&] { select_platform(index, Platform::parse("linux/s390x"), "index busybox"); });
  EXPECT_NE(err.find("index busybox"), std::string::npos) << err;
  EXPECT_NE(err.find("linux/s390x"), std::string::npos) << err;
  EXPECT_NE(err.find("offers linux/amd64, linux/arm64/v8"), std::string::npos) << err;
  auto empty = index_of({});
  err = error_of([&] { select_platform(empty, Platform::parse("linux/amd64"), "i"); });
  EXPECT_NE(err.find("offers no platform"), std::string::npos) << err;
}

}  // namespace
}  // namespace skiff::image

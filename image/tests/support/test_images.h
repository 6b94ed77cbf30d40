#pragma once

#include <string>

namespace skiff::testing {

class TestRegistry;

// The OCI image layout dir of a test image that tests/images/build-test-images.sh built
// ("busybox", "layered", "multiarch", "zstd"; "big" after --bench), each tagged "latest". What
// each one holds is documented at the top of that script. The script is found in
// $SKIFF_SOURCE_DIR, else in the source tree this file was compiled from. Throws when the image
// is not built (the image_test_images ctest fixture builds them).
std::string test_image_layout(const std::string& name);

// skopeo's name for it: "oci:<layout dir>:latest".
std::string test_image_source(const std::string& name);

// Pushes a test image into registry as repo_and_tag ("library/busybox:latest"); an image index
// (multiarch) is pushed with every platform.
void push_test_image(const TestRegistry& registry, const std::string& name, const std::string& repo_and_tag);

}  // namespace skiff::testing

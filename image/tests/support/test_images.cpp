#include "test_images.h"

#include <cstdlib>
#include <filesystem>
#include <mutex>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/strings.h"
#include "skiff/base/subprocess.h"
#include "test_registry.h"

namespace skiff::testing {

namespace {

// This file is image/tests/support/test_images.cpp in the source tree.
std::string source_dir() {
  if (const char* env = std::getenv("SKIFF_SOURCE_DIR"); env != nullptr && *env != '\0') {
    return env;
  }
  return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path().parent_path().string();
}

// The cache dir of the current recipe, asked once per process.
const std::string& images_dir() {
  static std::once_flag once;
  static std::string dir;
  std::call_once(once, [] {
    std::string script = source_dir() + "/tests/images/build-test-images.sh";
    SubprocessOptions options;
    options.args = {script, "--print-dir"};
    SubprocessResult result = run_subprocess(options);
    if (!result.ok()) {
      throw Error(script + " --print-dir: " + result.describe() + ": " + result.err);
    }
    dir = result.out.substr(0, result.out.find('\n'));
  });
  return dir;
}

}  // namespace

std::string test_image_layout(const std::string& name) {
  std::string layout = images_dir() + "/" + name;
  if (!path_exists(layout + "/index.json")) {
    throw Error("test image " + name + " is not built in " + images_dir() + ": run tests/images/build-test-images.sh" +
                (name == "big" ? " --bench" : ""));
  }
  return layout;
}

std::string test_image_source(const std::string& name) {
  return "oci:" + test_image_layout(name) + ":latest";
}

void push_test_image(const TestRegistry& registry, const std::string& name, const std::string& repo_and_tag) {
  std::vector<std::string> extra;
  if (name == "multiarch") {
    extra.emplace_back("--all");
  }
  registry.push(test_image_source(name), repo_and_tag, extra);
}

}  // namespace skiff::testing

// pull_driver: the skiff side of bench/pull. Pulls one image from a registry into a new store
// through the image library (skiff::image::pull: manifest, config, layers fetched, verified and
// unpacked in parallel into the store's layer dirs), as `skiff pull` does.
//
// usage: pull_driver --store DIR --registries-conf FILE [--parallelism N] REFERENCE
//
// The store dir must not exist yet (every run is a cold pull). Prints one line,
//   ok <microseconds of pull()> <layers> <bytes of the unpacked layers>
// or, on failure, the error on stderr and exit status 1.
#include <chrono>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>

#include "skiff/base/file.h"
#include "skiff/image/pull.h"
#include "skiff/image/registries_config.h"
#include "skiff/image/store.h"

namespace {

[[noreturn]] void usage(const std::string& message) {
  std::cerr << "pull_driver: " << message
            << "\nusage: pull_driver --store DIR --registries-conf FILE [--parallelism N] REFERENCE\n";
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  std::string store_dir;
  std::string registries_conf;
  std::string reference;
  int parallelism = skiff::image::PullOptions{}.parallelism;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        usage(arg + " needs a value");
      }
      return argv[++i];
    };
    if (arg == "--store") {
      store_dir = value();
    } else if (arg == "--registries-conf") {
      registries_conf = value();
    } else if (arg == "--parallelism") {
      parallelism = std::stoi(value());
    } else if (!arg.starts_with("-") && reference.empty()) {
      reference = arg;
    } else {
      usage("unknown argument " + arg);
    }
  }
  if (store_dir.empty() || registries_conf.empty() || reference.empty()) {
    usage("--store, --registries-conf and a reference are needed");
  }
  try {
    if (skiff::path_exists(store_dir)) {
      usage("the store " + store_dir + " exists already: each run pulls into a new one");
    }
    skiff::image::Store store(store_dir, false);
    skiff::image::PullOptions options;
    options.registries = skiff::image::RegistriesConfig::load(registries_conf, "");
    options.parallelism = parallelism;
    auto start = std::chrono::steady_clock::now();
    skiff::image::ImageRecord image = skiff::image::pull(reference, store, options);
    auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
    std::cout << "ok " << elapsed.count() << " " << image.layers.size() << " " << image.size << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "pull_driver: pull " << reference << ": " << e.what() << "\n";
    return 1;
  }
}

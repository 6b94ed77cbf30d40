#include "command_context.h"

#include <unistd.h>

#include <cstdlib>

namespace skiff::cli {

std::string Context::store_root() const {
  return global.root.empty() ? image::Store::default_root() : global.root;
}

std::string Context::run_root() const {
  if (!global.runroot.empty()) {
    return global.runroot;
  }
  if (!image::Store::running_rootless()) {
    return "/run/skiff";
  }
  const char* runtime_dir = std::getenv("XDG_RUNTIME_DIR");
  if (runtime_dir != nullptr && *runtime_dir != '\0') {
    return std::string(runtime_dir) + "/skiff";
  }
  return "/run/user/" + std::to_string(::getuid()) + "/skiff";
}

image::Store& Context::store() {
  if (!store_) {
    store_ = std::make_unique<image::Store>(store_root(), image::Store::running_rootless());
    // A user waits for rm and run --rm to return, not for the file system to free the blocks.
    store_->remove_containers_in_background();
  }
  return *store_;
}

std::string Context::registries_path() {
  const char* path = std::getenv("CONTAINERS_REGISTRIES_CONF");
  if (path != nullptr && *path != '\0') {
    return path;
  }
  return image::RegistriesConfig::load_default().path();
}

image::RegistriesConfig Context::registries() {
  const char* path = std::getenv("CONTAINERS_REGISTRIES_CONF");
  if (path != nullptr && *path != '\0') {
    return image::RegistriesConfig::load(path, "/etc/containers/certs.d");
  }
  return image::RegistriesConfig::load_default();
}

bool is_terminal(int fd) {
  return ::isatty(fd) == 1;
}

}  // namespace skiff::cli

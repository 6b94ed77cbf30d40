#include "container_lookup.h"

#include <cerrno>

namespace skiff::cli {

std::string resolve_container(pod::ContainerManager& containers, const std::string& name) {
  try {
    return containers.resolve(name);
  } catch (const Error& e) {
    if (e.code() == ENOENT) {
      throw NoSuchContainer(name);
    }
    throw;
  }
}

}  // namespace skiff::cli

#pragma once

// A container named on the command line, found or reported in podman's words.

#include <string>

#include "skiff/base/error.h"
#include "skiff/pod/container_manager.h"

namespace skiff::cli {

class NoSuchContainer : public Error {
 public:
  explicit NoSuchContainer(const std::string& name)
      : Error("no container with name or ID \"" + name + "\" found: no such container") {}
};

// The id of the container with this name, id or unique id prefix; NoSuchContainer when none.
std::string resolve_container(pod::ContainerManager& containers, const std::string& name);

}  // namespace skiff::cli

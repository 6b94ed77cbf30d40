#pragma once

#include <string>
#include <vector>

#include "skiff/image/reference.h"

namespace skiff::image {

// Names given on import, as the store keeps them ("busybox" -> docker.io/library/busybox:latest);
// a name that is no reference is an error quoting it.
inline std::vector<std::string> normalise_names(const std::vector<std::string>& names) {
  std::vector<std::string> out;
  out.reserve(names.size());
  for (const std::string& name : names) {
    out.push_back(Reference::parse(name).str());
  }
  return out;
}

}  // namespace skiff::image

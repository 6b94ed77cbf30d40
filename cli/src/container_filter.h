#pragma once

// ps --filter, as podman reads it: KEY=VALUE terms; terms of one key match if any of them does,
// and a container must match every key given.

#include <map>
#include <string>
#include <vector>

#include "skiff/pod/container_manager.h"

namespace skiff::cli {

class ContainerFilter {
 public:
  // Throws naming --filter for a term without "=", or a key or value it does not know.
  explicit ContainerFilter(const std::vector<std::string>& terms);

  [[nodiscard]] bool matches(const pod::ContainerInfo& info) const;
  // Whether a term asks about containers that are not running (status, exited): podman then
  // lists stopped containers without --all.
  [[nodiscard]] bool wants_stopped() const;

 private:
  std::map<std::string, std::vector<std::string>> terms_;
};

}  // namespace skiff::cli

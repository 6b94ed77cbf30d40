#pragma once

// `skiff import --change`: Dockerfile instructions applied to an image config's "config" object
// (Docker's field names, which OCI configs share), as podman import --change takes them.

#include <boost/json.hpp>
#include <string_view>

namespace skiff::cli {

// Applies one instruction: CMD, ENTRYPOINT (a JSON array or shell form), ENV k=v [k=v…] or
// "ENV k v", WORKDIR, USER, LABEL k=v…, EXPOSE port[/proto]…, VOLUME, STOPSIGNAL. Errors quote
// the instruction and say what is accepted.
void apply_change(boost::json::object& config, std::string_view change);

}  // namespace skiff::cli

#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "skiff/image/store.h"

namespace skiff::cli {

// An image of the store with what its config blob says.
struct ImageDetails {
  image::ImageRecord record;
  boost::json::object config;  // the config blob as stored
  std::string created;         // its "created" (RFC 3339), else when it was stored
  std::optional<int64_t> created_seconds;
};

ImageDetails image_details(const image::Store& store, const image::ImageRecord& record);

// What podman image inspect prints for one image (its ImageData), from the record and config.
boost::json::object inspect_image(const ImageDetails& details);

// The image named or identified by text; "<text>: image not known" (podman's words) when none.
image::ImageRecord find_image(const image::Store& store, std::string_view text);

// "docker.io/library/busybox:1.36" -> {"docker.io/library/busybox", "1.36"}.
std::pair<std::string, std::string> split_tagged_name(const std::string& name);

}  // namespace skiff::cli

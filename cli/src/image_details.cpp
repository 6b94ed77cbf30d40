#include "image_details.h"

#include "skiff/base/error.h"
#include "skiff/base/json.h"
#include "skiff/cli/format.h"
#include "skiff/image/manifest.h"

namespace skiff::cli {

ImageDetails image_details(const image::Store& store, const image::ImageRecord& record) {
  ImageDetails details{.record = record, .config = {}, .created = record.created, .created_seconds = {}};
  std::string what = "image " + record.id.str() + " config";
  auto document = json::parse(store.read_blob(record.id, image::kMaxConfigBytes), what);
  details.config = json::as_object(document, what);
  if (const auto* created = json::find(details.config, "created"); created != nullptr && created->is_string()) {
    details.created = std::string(created->as_string());
  }
  details.created_seconds = parse_rfc3339(details.created);
  return details;
}

image::ImageRecord find_image(const image::Store& store, std::string_view text) {
  auto found = store.find_image(text);
  if (!found) {
    throw Error(std::string(text) + ": image not known");
  }
  return *found;
}

std::pair<std::string, std::string> split_tagged_name(const std::string& name) {
  auto slash = name.rfind('/');
  auto colon = name.rfind(':');
  if (colon == std::string::npos || (slash != std::string::npos && colon < slash)) {
    return {name, "<none>"};
  }
  return {name.substr(0, colon), name.substr(colon + 1)};
}

}  // namespace skiff::cli

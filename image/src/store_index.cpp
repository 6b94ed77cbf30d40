// The store's image index (index.json), its container registrations and gc.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <set>

#include "skiff/base/background_removal.h"
#include "skiff/base/clock.h"
#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/json.h"
#include "skiff/image/manifest.h"
#include "skiff/image/reference.h"
#include "skiff/image/store.h"
#include "store_records.h"

namespace skiff::image {

using store_detail::list_dir;
using store_detail::lock_file;
using store_detail::unique_name;

namespace {

bool contains(const std::vector<std::string>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

void add_unique(std::vector<std::string>& list, const std::string& item) {
  if (!contains(list, item)) {
    list.push_back(item);
  }
}

bool is_hex(std::string_view text) {
  return !text.empty() && text.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

std::optional<Reference> parse_name(std::string_view text) {
  try {
    return Reference::parse(text);
  } catch (const Error&) {
    return std::nullopt;
  }
}

// The name part ("docker.io/library/busybox") of a stored name or digest reference.
std::string repository_of(std::string_view stored) {
  auto ref = parse_name(stored);
  return ref ? ref->name() : std::string(stored);
}

void validate_container_id(std::string_view id) {
  bool ok = !id.empty() && id.size() <= 128 && std::isalnum(static_cast<unsigned char>(id[0])) != 0 &&
            std::all_of(id.begin(), id.end(), [](char c) {
              return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.' || c == '-';
            });
  if (!ok) {
    throw Error("container id \"" + std::string(id) +
                "\": use letters, digits, '_', '.' and '-', starting with a "
                "letter or digit");
  }
}

// Renames path out of the way into tmp/ and removes it there, so a crash midway never leaves a
// half-removed layer or container where it is looked for.
void remove_via_tmp(const std::string& root, const std::string& path, bool in_background = false) {
  auto doomed = root + "/tmp/" + unique_name("rm-");
  if (::rename(path.c_str(), doomed.c_str()) < 0) {
    if (errno == ENOENT) {
      return;
    }
    throw_errno("rename " + path + " to " + doomed);
  }
  if (in_background) {
    remove_all_in_background(doomed);
  } else {
    remove_all(doomed);
  }
}

}  // namespace

// ---- images

std::vector<ImageRecord> Store::load_index() const {
  auto path = root_ + "/index.json";
  if (!path_exists(path)) {
    return {};
  }
  auto doc = json::parse_file(path);
  const auto& obj = json::as_object(doc, path);
  const auto* images = json::find(obj, "images");
  std::vector<ImageRecord> out;
  if (images == nullptr) {
    return out;
  }
  const auto& array = json::as_array(*images, "images");
  for (size_t i = 0; i < array.size(); ++i) {
    out.push_back(store_detail::image_from_json(array[i], path + ": " + json::element("images", i)));
  }
  return out;
}

void Store::save_index(const std::vector<ImageRecord>& images) const {
  boost::json::array array;
  for (const auto& image : images) {
    array.push_back(store_detail::image_to_json(image));
  }
  boost::json::object doc;
  doc["images"] = std::move(array);
  write_file_atomic(root_ + "/index.json", json::pretty(doc), 0644, true);
}

std::optional<size_t> Store::find_in(const std::vector<ImageRecord>& images, std::string_view text) const {
  std::string_view hex = text;
  bool digest_form = text.starts_with("sha256:");
  if (digest_form) {
    hex = text.substr(7);
  }
  // A full id or manifest digest.
  for (size_t i = 0; i < images.size(); ++i) {
    if (images[i].id.hex() == hex || (digest_form && images[i].manifest.hex() == hex)) {
      return i;
    }
  }
  if (!digest_form) {
    if (auto ref = parse_name(text)) {
      for (size_t i = 0; i < images.size(); ++i) {
        if (ref->digest) {
          auto by_digest = ref->name() + "@" + ref->digest->str();
          bool same_repo = std::any_of(images[i].names.begin(), images[i].names.end(),
                                       [&](const std::string& n) { return repository_of(n) == ref->name(); });
          if (contains(images[i].digests, by_digest) || (same_repo && images[i].manifest == *ref->digest)) {
            return i;
          }
        } else if (contains(images[i].names, ref->str())) {
          return i;
        }
      }
    }
  }
  // A unique id prefix.
  if (!is_hex(hex)) {
    return std::nullopt;
  }
  std::optional<size_t> found;
  for (size_t i = 0; i < images.size(); ++i) {
    if (images[i].id.hex().starts_with(hex)) {
      if (found) {
        throw Error("image id prefix " + std::string(text) + " is ambiguous: it matches " + images[*found].short_id() +
                    " and " + images[i].short_id());
      }
      found = i;
    }
  }
  return found;
}

std::vector<ImageRecord> Store::images() const {
  return load_index();
}

std::optional<ImageRecord> Store::find_image(std::string_view name_or_id) const {
  auto images = load_index();
  auto i = find_in(images, name_or_id);
  if (!i) {
    return std::nullopt;
  }
  return images[*i];
}

ImageRecord Store::image(std::string_view name_or_id) const {
  auto found = find_image(name_or_id);
  if (!found) {
    throw Error("image " + std::string(name_or_id) + " not known in store " + root_);
  }
  return *found;
}

ImageRecord Store::add_image(const ImageRecord& record) const {
  for (const auto& blob : {record.manifest, record.id}) {
    if (!has_blob(blob)) {
      throw Error("add image " + record.id.str() + ": blob " + blob.str() + " is not in the store");
    }
  }
  for (const auto& layer : record.layers) {
    if (!has_layer(layer)) {
      throw Error("add image " + record.id.str() + ": layer " + layer.str() + " is not in the store");
    }
  }
  auto lock = lock_index();
  auto images = load_index();
  for (auto& other : images) {
    if (other.id != record.id) {
      std::erase_if(other.names, [&](const std::string& n) { return contains(record.names, n); });
    }
  }
  auto it = std::find_if(images.begin(), images.end(), [&](const ImageRecord& r) { return r.id == record.id; });
  if (it == images.end()) {
    images.push_back(record);
    if (images.back().created.empty()) {
      images.back().created = now_rfc3339();
    }
    it = images.end() - 1;
  } else {
    for (const auto& name : record.names) {
      add_unique(it->names, name);
    }
    for (const auto& digest : record.digests) {
      add_unique(it->digests, digest);
    }
    it->manifest = record.manifest;
    it->manifest_media_type = record.manifest_media_type;
    it->layers = record.layers;
    it->size = record.size;
  }
  ImageRecord stored = *it;
  save_index(images);
  return stored;
}

void Store::tag_image(std::string_view name_or_id, std::string_view name) const {
  auto ref = Reference::parse(name);
  if (ref.digest) {
    throw Error("tag " + std::string(name) + ": a tag cannot carry a digest");
  }
  auto lock = lock_index();
  auto images = load_index();
  auto i = find_in(images, name_or_id);
  if (!i) {
    throw Error("tag " + std::string(name) + ": image " + std::string(name_or_id) + " not known");
  }
  for (auto& image : images) {
    std::erase(image.names, ref.str());
  }
  images[*i].names.push_back(ref.str());
  save_index(images);
}

RemoveResult Store::remove_image(std::string_view name_or_id, bool force) const {
  auto lock = lock_index();
  auto images = load_index();
  auto i = find_in(images, name_or_id);
  if (!i) {
    throw Error("image " + std::string(name_or_id) + " not known in store " + root_);
  }
  auto& image = images[*i];
  RemoveResult result;
  auto ref = parse_name(name_or_id);
  if (ref && !ref->digest && contains(image.names, ref->str()) && image.names.size() > 1) {
    std::erase(image.names, ref->str());
    result.untagged.push_back(ref->str());
    save_index(images);
    return result;
  }
  std::vector<std::string> users;
  for (const auto& container : containers()) {
    if (container.image == image.id) {
      users.push_back(container.id);
    }
  }
  if (!users.empty() && !force) {
    std::string list;
    for (const auto& u : users) {
      list += (list.empty() ? "" : ", ") + u;
    }
    throw Error("image " + std::string(name_or_id) + " (" + image.short_id() + ") is in use by container(s) " + list +
                "; remove them first or force");
  }
  result.untagged = image.names;
  result.removed = image.id;
  images.erase(images.begin() + static_cast<ptrdiff_t>(*i));
  save_index(images);
  return result;
}

// ---- containers

std::string Store::container_dir(std::string_view id) const {
  validate_container_id(id);
  return root_ + "/containers/" + std::string(id);
}

ContainerRecord Store::register_container(std::string_view id, std::string_view image_name_or_id, bool durable) const {
  auto dir = container_dir(id);
  auto lock = lock_index();
  auto images = load_index();
  auto i = find_in(images, image_name_or_id);
  if (!i) {
    throw Error("container " + std::string(id) + ": image " + std::string(image_name_or_id) + " not known in store " +
                root_);
  }
  ContainerRecord record{
      .id = std::string(id), .image = images[*i].id, .layers = images[*i].layers, .created = now_rfc3339()};
  // Staged and renamed, so containers/<id> always holds its container.json.
  auto staging = root_ + "/tmp/" + unique_name("container-");
  check(::mkdir(staging.c_str(), 0700), "mkdir " + staging);
  try {
    write_file_atomic(staging + "/container.json", json::pretty(store_detail::container_to_json(record)), 0644,
                      durable);
    if (::renameat2(AT_FDCWD, staging.c_str(), AT_FDCWD, dir.c_str(), RENAME_NOREPLACE) < 0) {
      if (errno == EEXIST) {
        throw Error("container " + std::string(id) + " already has a rootfs in store " + root_);
      }
      throw_errno("rename " + staging + " to " + dir);
    }
  } catch (...) {
    remove_all(staging);
    throw;
  }
  return record;
}

void Store::unregister_container(std::string_view id) const {
  auto dir = container_dir(id);
  auto lock = lock_index();
  remove_via_tmp(root_, dir, remove_containers_in_background_);
}

std::vector<ContainerRecord> Store::containers() const {
  std::vector<ContainerRecord> out;
  for (const auto& name : list_dir(root_ + "/containers")) {
    auto path = root_ + "/containers/" + name + "/container.json";
    if (path_exists(path)) {
      out.push_back(store_detail::container_from_json(json::parse_file(path), path));
    }
  }
  return out;
}

// ---- gc

GcResult Store::gc() const {
  UniqueFd exclusive = lock_file(root_ + "/store.lock", LOCK_EX);
  auto lock = lock_index();
  GcResult result;

  std::set<std::string> keep_blobs;
  std::set<std::string> keep_layers;
  for (const auto& image : load_index()) {
    keep_blobs.emplace(image.id.hex());
    keep_blobs.emplace(image.manifest.hex());
    auto what = "image " + image.short_id() + " manifest " + image.manifest.str();
    auto manifest = parse_image_manifest(read_blob(image.manifest, kMaxManifestBytes), image.manifest_media_type, what);
    for (const auto& layer : manifest.layers) {
      keep_blobs.emplace(layer.digest.hex());
    }
    for (const auto& layer : image.layers) {
      keep_layers.emplace(layer.hex());
    }
  }
  for (const auto& container : containers()) {
    for (const auto& layer : container.layers) {
      keep_layers.emplace(layer.hex());
    }
  }

  auto blobs = root_ + "/blobs/sha256";
  for (const auto& name : list_dir(blobs)) {
    if (keep_blobs.contains(name)) {
      continue;
    }
    auto path = blobs + "/" + name;
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
      result.bytes += st.st_size;
    }
    remove_all(path);
    ++result.blobs;
  }
  for (const auto& name : list_dir(root_ + "/layers")) {
    if (!keep_layers.contains(name)) {
      remove_via_tmp(root_, root_ + "/layers/" + name);
      ++result.layers;
    }
  }
  // No writer holds store.lock now, so everything in tmp/ is left over.
  for (const auto& name : list_dir(root_ + "/tmp")) {
    remove_all(root_ + "/tmp/" + name);
    if (!name.starts_with("rm-")) {
      ++result.temporaries;
    }
  }
  return result;
}

}  // namespace skiff::image

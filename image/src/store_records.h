#pragma once

// The JSON forms of the store's records (index.json, layer.json, container.json) and the small
// file helpers the store's files share.

#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "skiff/base/unique_fd.h"
#include "skiff/image/store.h"

namespace skiff::image::store_detail {

boost::json::value layer_to_json(const LayerRecord& record);
LayerRecord layer_from_json(const boost::json::value& value, std::string_view what);

boost::json::value image_to_json(const ImageRecord& record);
ImageRecord image_from_json(const boost::json::value& value, std::string_view what);

boost::json::value container_to_json(const ContainerRecord& record);
ContainerRecord container_from_json(const boost::json::value& value, std::string_view what);

// Opens (creating) path and takes an flock on it (LOCK_EX or LOCK_SH), waiting. The lock is on
// the file that is at path once held: a file removed (by gc) while waiting is opened again.
UniqueFd lock_file(const std::string& path, int operation);

// A name no other thread or process uses: "<prefix><pid>-<n>".
std::string unique_name(std::string_view prefix);

// "<prefix><16 random hex digits>": unique, and different on every run, also in a pid namespace.
std::string random_name(std::string_view prefix);

// Sets ext4's FS_TOPDIR_FL on the directory path, so that the Orlov allocator spreads the
// directories made in it over the block groups, each in one chosen afresh from a hash of its
// name. A hint: file systems without the flag are left as they are.
void mark_top_dir(const std::string& path);

// The names in a directory, without "." and ".."; none when it does not exist.
std::vector<std::string> list_dir(const std::string& path);

// True for 64 lowercase hex characters (a sha256 on disk).
bool is_sha256_hex(std::string_view name);

}  // namespace skiff::image::store_detail

#pragma once

#include <map>
#include <string>
#include <string_view>

namespace skiff::image {

// The members of an image archive (an OCI layout or a docker-archive tarball, plain or gzip or
// zstd compressed) extracted into a new directory, to be read in any order: their members are
// in no order that a single pass could rely on. Only directories and regular files are written;
// a symlink between members (docker save links a repeated layer to its first copy) is kept as
// an alias resolved by path(). A member name that is absolute or climbs with "..", and any
// other entry type, is an error naming the member. The directory goes with the object.
class ExtractedArchive {
 public:
  // Extracts archive into a new directory below parent (which must exist).
  ExtractedArchive(const std::string& archive, const std::string& parent);
  ExtractedArchive(const ExtractedArchive&) = delete;
  ExtractedArchive& operator=(const ExtractedArchive&) = delete;
  ~ExtractedArchive();

  [[nodiscard]] const std::string& dir() const { return dir_; }
  // Whether the archive holds member (following its symlinks).
  [[nodiscard]] bool contains(std::string_view member) const;
  // The extracted file of member (following its symlinks); errors name the archive.
  [[nodiscard]] std::string path(std::string_view member) const;

 private:
  [[nodiscard]] std::string resolve(std::string_view member) const;

  std::string archive_;
  std::string dir_;
  std::map<std::string, std::string> links_;  // cleaned member name -> cleaned target member
};

}  // namespace skiff::image

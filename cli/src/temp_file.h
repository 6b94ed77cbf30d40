#pragma once

#include <string>

#include "skiff/base/unique_fd.h"

namespace skiff::cli {

// A file in $TMPDIR (default /var/tmp: archives can be larger than a tmpfs) removed when the
// object goes out of scope. For archives read from stdin or written to stdout.
class TempFile {
 public:
  TempFile();
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile();

  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] int fd() const { return fd_.get(); }

 private:
  std::string path_;
  UniqueFd fd_;
};

// Copies from to to until from's end; what names the copy in errors.
void copy_fd(int from, int to, const std::string& what);

}  // namespace skiff::cli

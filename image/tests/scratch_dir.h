#pragma once

#include <stdlib.h>

#include <string>

#include "skiff/base/error.h"
#include "skiff/base/file.h"

namespace skiff::image::testing {

// A directory under $TMPDIR (or /tmp) for one test, removed with its contents afterwards.
class ScratchDir {
 public:
  ScratchDir() {
    const char* tmp = ::getenv("TMPDIR");
    std::string tmpl = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/skiff-image-test-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) {
      throw_errno("mkdtemp " + tmpl);
    }
    path_ = tmpl;
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  ~ScratchDir() { remove_all(path_); }

  [[nodiscard]] const std::string& path() const { return path_; }
  // Writes a file below the directory, making its parent directories.
  void write(const std::string& relative, std::string_view data) const {
    std::string full = path_ + "/" + relative;
    mkdir_all(full.substr(0, full.rfind('/')));
    write_file(full, data);
  }

 private:
  std::string path_;
};

}  // namespace skiff::image::testing

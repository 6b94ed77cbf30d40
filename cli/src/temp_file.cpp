#include "temp_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <vector>

#include "skiff/base/error.h"
#include "skiff/base/file.h"

namespace skiff::cli {

TempFile::TempFile() {
  const char* dir = std::getenv("TMPDIR");
  std::string pattern = std::string(dir != nullptr && *dir != '\0' ? dir : "/var/tmp") + "/skiff-archive-XXXXXX";
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  fd_ = UniqueFd(check(::mkostemp(name.data(), O_CLOEXEC), "create a temporary file " + pattern));
  path_ = name.data();
}

TempFile::~TempFile() {
  ::unlink(path_.c_str());
}

void copy_fd(int from, int to, const std::string& what) {
  std::vector<char> buffer(1 << 20);
  while (true) {
    ssize_t n = ::read(from, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    check(n, what);
    if (n == 0) {
      return;
    }
    write_all(to, std::string_view(buffer.data(), static_cast<size_t>(n)), what);
  }
}

}  // namespace skiff::cli

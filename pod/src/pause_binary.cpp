#include "skiff/pod/pause_binary.h"

#include <unistd.h>

#include <cstdlib>
#include <vector>

#include "skiff/base/error.h"
#include "skiff/base/strings.h"

namespace skiff::pod {

std::string find_pause_binary() {
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("SKIFF_PAUSE"); env != nullptr && *env != '\0') {
    candidates.emplace_back(env);
  }
  char self[4096];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n > 0) {
    std::string exe(self, static_cast<size_t>(n));
    candidates.push_back(exe.substr(0, exe.rfind('/')) + "/skiff-pause");
  }
  if (const char* path = std::getenv("PATH")) {
    for (const auto& dir : split(path, ':')) {
      if (!dir.empty()) {
        candidates.push_back(dir + "/skiff-pause");
      }
    }
  }
#ifdef SKIFF_PAUSE_BUILD_PATH
  candidates.emplace_back(SKIFF_PAUSE_BUILD_PATH);
#endif
  std::string tried;
  for (const auto& candidate : candidates) {
    if (::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
    tried += (tried.empty() ? "" : ", ") + candidate;
  }
  throw Error("skiff-pause not found (looked at " + tried + ")", ENOENT);
}

}  // namespace skiff::pod

#include <string>

#include "skiff/store/store.h"

namespace skiff::store {

AlreadyExists::AlreadyExists(const std::string& key) : Error("key " + key + " already exists", EEXIST) {}

NotFound::NotFound(const std::string& what) : Error(what + " not found", ENOENT) {}

Conflict::Conflict(const std::string& key, int64_t expected, int64_t current)
    : Error("key " + key + " was modified: expected revision " + std::to_string(expected) + ", it is at " +
            std::to_string(current)),
      current_(current) {}

Compacted::Compacted(int64_t requested, int64_t compact_revision)
    : Error("revision " + std::to_string(requested) + " has been compacted" +
            (compact_revision != 0 ? " (the store is compacted to " + std::to_string(compact_revision) + ")" : "")),
      compact_revision_(compact_revision) {}

std::string prefix_end(const std::string& prefix) {
  std::string end = prefix;
  while (!end.empty()) {
    auto last = static_cast<unsigned char>(end.back());
    if (last < 0xff) {
      end.back() = static_cast<char>(last + 1);
      return end;
    }
    end.pop_back();
  }
  return end;
}

}  // namespace skiff::store

#include "skiff/base/random.h"

#include <sys/random.h>

#include <vector>

#include "skiff/base/error.h"

namespace skiff {

std::string random_hex(size_t chars) {
  std::vector<unsigned char> bytes((chars + 1) / 2);
  if (::getrandom(bytes.data(), bytes.size(), 0) != static_cast<ssize_t>(bytes.size())) {
    throw_errno("getrandom " + std::to_string(bytes.size()) + " bytes for an id");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (unsigned char b : bytes) {
    id += kHex[b >> 4];
    id += kHex[b & 0xf];
  }
  id.resize(chars);
  return id;
}

}  // namespace skiff

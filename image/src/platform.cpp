#include <sys/utsname.h>

#include <algorithm>
#include <array>

#include "skiff/base/error.h"
#include "skiff/base/strings.h"
#include "skiff/image/manifest.h"

namespace skiff::image {

namespace {

struct ArchName {
  std::string_view alias;         // a uname machine or a distribution's name
  std::string_view architecture;  // the GOARCH name
  std::string_view variant;
};

// uname(2) machines and the names users type, to GOARCH names (containerd's platforms package
// normalises the same way).
constexpr std::array kArchNames{
    ArchName{"x86_64", "amd64", ""},    ArchName{"x86-64", "amd64", ""},
    ArchName{"amd64", "amd64", ""},     ArchName{"i386", "386", ""},
    ArchName{"i486", "386", ""},        ArchName{"i586", "386", ""},
    ArchName{"i686", "386", ""},        ArchName{"aarch64", "arm64", "v8"},
    ArchName{"arm64", "arm64", ""},     ArchName{"armv8l", "arm", "v8"},
    ArchName{"armv7l", "arm", "v7"},    ArchName{"armhf", "arm", "v7"},
    ArchName{"armv6l", "arm", "v6"},    ArchName{"armel", "arm", "v6"},
    ArchName{"armv5tel", "arm", "v5"},  ArchName{"ppc64le", "ppc64le", ""},
    ArchName{"ppc64", "ppc64", ""},     ArchName{"s390x", "s390x", ""},
    ArchName{"riscv64", "riscv64", ""}, ArchName{"loongarch64", "loong64", ""},
    ArchName{"mips64", "mips64", ""},   ArchName{"mips64el", "mips64le", ""},
};

const ArchName* find_arch(std::string_view name) {
  const auto* it =
      std::find_if(kArchNames.begin(), kArchNames.end(), [&](const ArchName& a) { return a.alias == name; });
  return it == kArchNames.end() ? nullptr : &*it;
}

bool valid_word(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
  });
}

}  // namespace

Platform Platform::host() {
  struct utsname uts {};
  if (::uname(&uts) < 0) {
    throw_errno("uname");
  }
  Platform platform;
  platform.os = "linux";
  std::string_view machine = uts.machine;
  if (const ArchName* arch = find_arch(machine)) {
    platform.architecture = std::string(arch->architecture);
    platform.variant = std::string(arch->variant);
  } else {
    platform.architecture = std::string(machine);
  }
  return platform;
}

std::string Platform::str() const {
  std::string out = os + "/" + architecture;
  if (!variant.empty()) {
    out += "/" + variant;
  }
  return out;
}

Platform Platform::parse(std::string_view text) {
  auto parts = split(text, '/');
  if (parts.size() < 2 || parts.size() > 3) {
    throw Error("invalid platform \"" + std::string(text) + "\": expected os/architecture[/variant]");
  }
  for (auto& part : parts) {
    std::transform(part.begin(), part.end(), part.begin(), [](unsigned char c) { return std::tolower(c); });
    if (!valid_word(part)) {
      throw Error("invalid platform \"" + std::string(text) + "\": \"" + part +
                  "\" may hold only letters, digits, '_', '-' and '.'");
    }
  }
  Platform platform;
  platform.os = parts[0];
  platform.architecture = parts[1];
  if (const ArchName* arch = find_arch(parts[1])) {
    platform.architecture = std::string(arch->architecture);
    platform.variant = std::string(arch->variant);
  }
  if (parts.size() == 3) {
    // "arm64/8" is "arm64/v8", as containerd reads it.
    bool number = std::all_of(parts[2].begin(), parts[2].end(), [](char c) { return c >= '0' && c <= '9'; });
    platform.variant = number ? "v" + parts[2] : parts[2];
  }
  return platform;
}

}  // namespace skiff::image

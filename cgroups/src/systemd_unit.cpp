#include "systemd_unit.h"

#include "skiff/base/error.h"
#include "skiff/base/strings.h"

namespace skiff::cgroups::systemd {

namespace {

constexpr std::string_view kSliceSuffix = ".slice";
constexpr std::string_view kScopeSuffix = ".scope";
// systemd's UNIT_NAME_MAX, less its terminating NUL.
constexpr size_t kUnitNameMax = 255;

bool unit_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' || c == '-' ||
         c == '_' || c == '.' || c == '\\' || c == '@';
}

[[noreturn]] void bad_path(std::string_view cgroups_path, const std::string& why) {
  throw Error("linux.cgroupsPath \"" + std::string(cgroups_path) +
              "\": with --systemd-cgroup it must be \"slice:prefix:name\" (for example "
              "\"system.slice:skiff:abc\"): " +
              why);
}

}  // namespace

bool UnitPath::is_slice() const {
  return unit.ends_with(kSliceSuffix);
}

bool valid_unit_name(std::string_view name, std::string_view suffix) {
  if (name.size() > kUnitNameMax || name.size() <= suffix.size() || !name.ends_with(suffix)) {
    return false;
  }
  std::string_view stem = name.substr(0, name.size() - suffix.size());
  for (char c : stem) {
    if (!unit_char(c)) {
      return false;
    }
  }
  // "a@b.scope" is an instance of a template; "@b" and "a@" (a bare template) cannot run.
  size_t at = stem.find('@');
  return at == std::string_view::npos || (at > 0 && at + 1 < stem.size() && stem.find('@', at + 1) == stem.npos);
}

std::string expand_slice(std::string_view slice) {
  auto refuse = [&](const std::string& why) -> std::string {
    throw Error("invalid slice name \"" + std::string(slice) + "\": " + why);
  };
  if (!valid_unit_name(slice, kSliceSuffix)) {
    return refuse("a slice is named like a-b.slice, with letters, digits and :-_.\\@ only");
  }
  std::string_view stem = slice.substr(0, slice.size() - kSliceSuffix.size());
  if (stem == "-") {
    return "";
  }
  // Each dash opens a level: a-b-c.slice lives in a-b.slice, which lives in a.slice.
  std::string path;
  std::string prefix;
  for (const std::string& part : split(stem, '-')) {
    if (part.empty()) {
      return refuse("no part between dashes may be empty");
    }
    path += "/" + prefix + part + std::string(kSliceSuffix);
    prefix += part + "-";
  }
  return path;
}

UnitPath parse_cgroups_path(std::string_view cgroups_path, std::string_view container_id, bool rootless) {
  std::string slice;
  std::string prefix = "skiff";
  std::string name(container_id);
  if (!cgroups_path.empty()) {
    std::vector<std::string> parts = split(cgroups_path, ':');
    if (parts.size() != 3) {
      bad_path(cgroups_path, cgroups_path.front() == '/' ? "a cgroupfs path is only for the cgroupfs driver"
                                                         : "it has " + std::to_string(parts.size()) + " parts");
    }
    slice = parts[0];
    prefix = parts[1];
    name = parts[2];
  }
  if (slice.empty()) {
    slice = rootless ? "user.slice" : "system.slice";
  }
  if (name.empty()) {
    bad_path(cgroups_path, "the name is empty");
  }
  try {
    expand_slice(slice);
  } catch (const Error& e) {
    bad_path(cgroups_path, e.what());
  }
  UnitPath out{slice, ""};
  if (name.ends_with(kSliceSuffix) || name.ends_with(kScopeSuffix)) {
    out.unit = name;
  } else {
    out.unit = prefix.empty() ? name + std::string(kScopeSuffix) : prefix + "-" + name + std::string(kScopeSuffix);
  }
  if (out.is_slice()) {
    try {
      expand_slice(out.unit);
    } catch (const Error& e) {
      bad_path(cgroups_path, e.what());
    }
  } else if (!valid_unit_name(out.unit, kScopeSuffix)) {
    bad_path(cgroups_path, "\"" + out.unit +
                               "\" is not a valid unit name (letters, digits and :-_.\\@ only, at most 255 "
                               "characters)");
  }
  return out;
}

std::string unit_cgroup(const UnitPath& path, std::string_view manager_cgroup) {
  std::string base(manager_cgroup);
  while (!base.empty() && base.back() == '/') {
    base.pop_back();
  }
  // A slice's place follows from its own name; the slice part then only orders it after its parent.
  if (path.is_slice()) {
    return base + expand_slice(path.unit);
  }
  return base + expand_slice(path.slice) + "/" + path.unit;
}

}  // namespace skiff::cgroups::systemd

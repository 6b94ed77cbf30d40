#include "skiff/runtime/mount_options.h"

#include <linux/mount.h>
#include <sys/mount.h>

#include <array>

#include "skiff/base/error.h"

namespace skiff::runtime {

namespace {

struct FlagWord {
  std::string_view name;
  bool clear;  // the word clears the flag ("rw", "suid", ...)
  unsigned long flag;
};

constexpr std::array<FlagWord, 24> kFlagWords{{
    {"ro", false, MS_RDONLY},
    {"rw", true, MS_RDONLY},
    {"nosuid", false, MS_NOSUID},
    {"suid", true, MS_NOSUID},
    {"nodev", false, MS_NODEV},
    {"dev", true, MS_NODEV},
    {"noexec", false, MS_NOEXEC},
    {"exec", true, MS_NOEXEC},
    {"sync", false, MS_SYNCHRONOUS},
    {"async", true, MS_SYNCHRONOUS},
    {"dirsync", false, MS_DIRSYNC},
    {"remount", false, MS_REMOUNT},
    {"mand", false, MS_MANDLOCK},
    {"nomand", true, MS_MANDLOCK},
    {"atime", true, MS_NOATIME},
    {"noatime", false, MS_NOATIME},
    {"diratime", true, MS_NODIRATIME},
    {"nodiratime", false, MS_NODIRATIME},
    {"relatime", false, MS_RELATIME},
    {"norelatime", true, MS_RELATIME},
    {"strictatime", false, MS_STRICTATIME},
    {"nostrictatime", true, MS_STRICTATIME},
    {"silent", false, MS_SILENT},
    {"loud", true, MS_SILENT},
}};

struct PropagationWord {
  std::string_view name;
  unsigned long flags;
};

constexpr std::array<PropagationWord, 8> kPropagationWords{{
    {"private", MS_PRIVATE},
    {"rprivate", MS_PRIVATE | MS_REC},
    {"shared", MS_SHARED},
    {"rshared", MS_SHARED | MS_REC},
    {"slave", MS_SLAVE},
    {"rslave", MS_SLAVE | MS_REC},
    {"unbindable", MS_UNBINDABLE},
    {"runbindable", MS_UNBINDABLE | MS_REC},
}};

struct AttrWord {
  std::string_view name;
  bool clear;
  uint64_t attr;
};

constexpr std::array<AttrWord, 12> kAttrWords{{
    {"rro", false, MOUNT_ATTR_RDONLY},
    {"rrw", true, MOUNT_ATTR_RDONLY},
    {"rnosuid", false, MOUNT_ATTR_NOSUID},
    {"rsuid", true, MOUNT_ATTR_NOSUID},
    {"rnodev", false, MOUNT_ATTR_NODEV},
    {"rdev", true, MOUNT_ATTR_NODEV},
    {"rnoexec", false, MOUNT_ATTR_NOEXEC},
    {"rexec", true, MOUNT_ATTR_NOEXEC},
    {"rnodiratime", false, MOUNT_ATTR_NODIRATIME},
    {"rdiratime", true, MOUNT_ATTR_NODIRATIME},
    {"rnoatime", false, MOUNT_ATTR_NOATIME},
    {"rstrictatime", false, MOUNT_ATTR_STRICTATIME},
}};

}  // namespace

MountOptions parse_mount_options(const std::vector<std::string>& options, std::string_view field) {
  MountOptions out;
  for (size_t i = 0; i < options.size(); ++i) {
    const std::string& word = options[i];
    if (word.empty()) {
      throw Error(std::string(field) + "[" + std::to_string(i) + "]: empty mount option");
    }
    if (word == "bind" || word == "rbind") {
      out.bind = true;
      out.recursive_bind = out.recursive_bind || word == "rbind";
      continue;
    }
    if (word == "tmpcopyup") {
      out.tmpcopyup = true;
      continue;
    }
    bool matched = false;
    for (const auto& f : kFlagWords) {
      if (word == f.name) {
        if (f.clear) {
          out.flags &= ~f.flag;
        } else {
          out.flags |= f.flag;
        }
        matched = true;
        break;
      }
    }
    for (const auto& p : kPropagationWords) {
      if (!matched && word == p.name) {
        out.propagation.push_back(p.flags);
        matched = true;
      }
    }
    for (const auto& a : kAttrWords) {
      if (!matched && word == a.name) {
        if (a.clear) {
          out.attr_clr |= a.attr;
          out.attr_set &= ~a.attr;
        } else {
          out.attr_set |= a.attr;
          out.attr_clr &= ~a.attr;
        }
        if (a.attr == MOUNT_ATTR_NOATIME || a.attr == MOUNT_ATTR_STRICTATIME) {
          out.attr_clr |= MOUNT_ATTR__ATIME;  // the atime mode is one field; clear it before setting
        }
        matched = true;
      }
    }
    if (matched) {
      continue;
    }
    if (word == "idmap" || word == "ridmap") {
      throw Error(std::string(field) + "[" + std::to_string(i) + "]: id-mapped mounts are not supported (got \"" +
                  word + "\")");
    }
    if (!out.data.empty()) {
      out.data += ',';
    }
    out.data += word;
  }
  return out;
}

unsigned long bind_remount_flags(const MountOptions& options) {
  constexpr unsigned long kRemountable = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME |
                                         MS_RELATIME | MS_STRICTATIME | MS_SYNCHRONOUS | MS_DIRSYNC | MS_MANDLOCK;
  return options.flags & kRemountable;
}

unsigned long parse_propagation(std::string_view value, std::string_view field) {
  for (const auto& p : kPropagationWords) {
    if (value == p.name) {
      return p.flags;
    }
  }
  throw Error(std::string(field) + ": unknown propagation (got \"" + std::string(value) +
              "\"; want private, rprivate, shared, rshared, slave, rslave, unbindable or runbindable)");
}

}  // namespace skiff::runtime

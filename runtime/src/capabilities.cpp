// process.capabilities: capability names, parsing, and applying the five sets to a process.

#include "skiff/runtime/capabilities.h"

#include <linux/capability.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/json.h"
#include "skiff/base/log.h"

namespace skiff::runtime {

namespace {

// "CAP_CHOWN", "CAP_DAC_OVERRIDE", ... in number order: every capability this libcap knows.
// cap_from_name is not used: it also takes numbers and ignores trailing junk ("cap_chown,").
const std::vector<std::string>& names() {
  static const std::vector<std::string> table = [] {
    std::vector<std::string> out;
    for (cap_value_t cap = 0;; ++cap) {
      char* name = cap_to_name(cap);
      if (name == nullptr) {
        break;
      }
      std::string text = name;
      cap_free(name);
      // libcap spells a capability it has no name for as its number.
      if (!text.starts_with("cap_")) {
        break;
      }
      std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::toupper(c); });
      out.push_back(std::move(text));
    }
    return out;
  }();
  return table;
}

uint64_t bit(int cap) {
  return uint64_t{1} << cap;
}

// Parses the names in list into a mask; what names the list in errors.
uint64_t parse_names(const std::vector<std::string>& list, std::string_view what) {
  uint64_t mask = 0;
  for (size_t i = 0; i < list.size(); ++i) {
    int cap = capability_from_name(list[i]);
    if (cap < 0) {
      json::invalid(json::element(what, i), "unknown capability", boost::json::value(list[i]));
    }
    if (cap > last_capability()) {
      log::warning(json::element(what, i) + ": " + capability_name(cap) + " is not known to this kernel; ignoring it");
      continue;
    }
    mask |= bit(cap);
  }
  return mask;
}

}  // namespace

int capability_from_name(std::string_view name) {
  std::string upper(name);
  std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
  if (!upper.starts_with("CAP_")) {
    upper = "CAP_" + upper;
  }
  const auto& table = names();
  auto it = std::find(table.begin(), table.end(), upper);
  return it == table.end() ? -1 : static_cast<int>(it - table.begin());
}

std::string capability_name(int cap) {
  const auto& table = names();
  if (cap >= 0 && static_cast<size_t>(cap) < table.size()) {
    return table[static_cast<size_t>(cap)];
  }
  return "capability " + std::to_string(cap);
}

int last_capability() {
  static const int last = [] {
    try {
      return std::stoi(read_file("/proc/sys/kernel/cap_last_cap"));
    } catch (const std::exception&) {
      // No /proc (a container's process before it mounts one): libcap probes the bounding set.
      return static_cast<int>(cap_max_bits()) - 1;
    }
  }();
  return last;
}

std::vector<std::string> known_capabilities() {
  const auto& table = names();
  size_t count = std::min(table.size(), static_cast<size_t>(last_capability() + 1));
  return {table.begin(), table.begin() + static_cast<std::ptrdiff_t>(count)};
}

CapabilitySets parse_capabilities(const boost::json::value& value, std::string_view path) {
  const auto& obj = json::as_object(value, path);
  CapabilitySets sets;
  auto parse_set = [&](std::string_view key, uint64_t& mask) {
    if (const auto* list = json::find(obj, key)) {
      std::string field = json::field(path, key);
      mask = parse_names(json::as_string_array(*list, field), field);
    }
  };
  parse_set("bounding", sets.bounding);
  parse_set("effective", sets.effective);
  parse_set("inheritable", sets.inheritable);
  parse_set("permitted", sets.permitted);
  parse_set("ambient", sets.ambient);
  return sets;
}

uint64_t parse_capability_list(const std::vector<std::string>& names, std::string_view field) {
  return parse_names(names, field);
}

void drop_bounding_set(const CapabilitySets& sets) {
  for (int cap = 0; cap <= last_capability(); ++cap) {
    if ((sets.bounding & bit(cap)) != 0) {
      continue;
    }
    // Dropping needs CAP_SETPCAP; skipping what is already gone lets a process without it
    // (a nested container) still reach a bounding set its parent already narrowed.
    int present = ::prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
    if (present < 0) {
      throw_errno("read " + capability_name(cap) + " in the bounding set");
    }
    if (present == 1 && ::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
      throw_errno("drop " + capability_name(cap) + " from the bounding set");
    }
  }
}

void apply_capabilities(const CapabilitySets& sets) {
  // The kernel refuses to raise these (EPERM). runc and crun skip them with a warning, and
  // configs written for them (runc's own default spec) rely on that.
  uint64_t unraisable = sets.ambient & ~(sets.permitted & sets.inheritable);
  for (int cap = 0; cap < 64; ++cap) {
    if ((unraisable & bit(cap)) != 0) {
      log::info("ambient capability " + capability_name(cap) +
                " is not raised: it is not in both the permitted and inheritable sets");
    }
  }

  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  // Version 3 takes the 64-bit masks as two 32-bit halves, low half first.
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; ++i) {
    data[i].effective = static_cast<uint32_t>(sets.effective >> (32 * i));
    data[i].permitted = static_cast<uint32_t>(sets.permitted >> (32 * i));
    data[i].inheritable = static_cast<uint32_t>(sets.inheritable >> (32 * i));
  }
  if (::syscall(SYS_capset, &header, data) < 0) {
    throw_errno("set capabilities (capset)");
  }

  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0) {
    throw_errno("clear the ambient capabilities");
  }
  for (int cap = 0; cap <= last_capability(); ++cap) {
    if ((sets.ambient & ~unraisable & bit(cap)) != 0 && ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0) {
      throw_errno("raise ambient capability " + capability_name(cap));
    }
  }
}

}  // namespace skiff::runtime

#include "skiff/image/image_user.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>

#include "skiff/base/error.h"
#include "skiff/base/path.h"
#include "skiff/base/strings.h"

namespace skiff::image {

namespace {

// runc's range for ids given in a user spec.
constexpr uint64_t kMaxId = (1ULL << 31) - 1;
// /etc/passwd and /etc/group of real images are kilobytes; a bigger file is a hostile image.
constexpr size_t kMaxIdFileBytes = 16U << 20;

bool is_number(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A file of the rootfs, opened fd-relative inside it: "..", absolute symlinks and magic links
// all stay in the rootfs. None when it does not exist; a FIFO or device is an error, never read
// (O_NONBLOCK keeps a FIFO from blocking the open).
std::optional<std::string> read_rootfs_file(int rootfs_fd, std::string_view path) {
  UniqueFd fd;
  try {
    fd = open_in_root(rootfs_fd, path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
  } catch (const Error& e) {
    if (e.code() == ENOENT || e.code() == ENOTDIR) {
      return std::nullopt;
    }
    throw;
  }
  struct stat st {};
  check(::fstat(fd.get(), &st), "stat the image's " + std::string(path));
  if (!S_ISREG(st.st_mode)) {
    throw Error("the image's " + std::string(path) + " is not a regular file");
  }
  std::string out;
  std::array<char, 65536> buf{};
  for (;;) {
    ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    check(n, "read the image's " + std::string(path));
    if (n == 0) {
      return out;
    }
    out.append(buf.data(), static_cast<size_t>(n));
    if (out.size() > kMaxIdFileBytes) {
      throw Error("the image's " + std::string(path) + " is larger than " + std::to_string(kMaxIdFileBytes >> 20) +
                  " MiB");
    }
  }
}

id_t parse_id(std::string_view text, std::string_view user, std::string_view kind) {
  uint64_t id = 0;
  try {
    id = parse_uint(text, kind);
  } catch (const Error&) {
    id = kMaxId + 1;
  }
  if (id > kMaxId) {
    throw Error("user \"" + std::string(user) + "\": " + std::string(kind) + " " + std::string(text) +
                " is out of range (0 to " + std::to_string(kMaxId) + ")");
  }
  return static_cast<id_t>(id);
}

}  // namespace

std::optional<PasswdEntry> find_passwd_name(std::string_view passwd_text, std::string_view name) {
  for (const auto& line : split(passwd_text, '\n')) {
    auto fields = split(line, ':');
    if (fields.size() < 7 || fields[0] != name) {
      continue;
    }
    PasswdEntry entry;
    try {
      entry.uid = static_cast<uid_t>(parse_uint(fields[2], "uid"));
      entry.gid = static_cast<gid_t>(parse_uint(fields[3], "gid"));
    } catch (const Error&) {
      continue;
    }
    entry.name = fields[0];
    entry.home = fields[5];
    entry.shell = fields[6];
    return entry;
  }
  return std::nullopt;
}

std::vector<GroupEntry> parse_group_file(std::string_view group_text) {
  std::vector<GroupEntry> out;
  for (const auto& line : split(group_text, '\n')) {
    auto fields = split(line, ':');
    if (fields.size() < 4 || fields[0].empty() || fields[0].front() == '#') {
      continue;
    }
    GroupEntry entry;
    try {
      entry.gid = static_cast<gid_t>(parse_uint(fields[2], "gid"));
    } catch (const Error&) {
      continue;
    }
    entry.name = fields[0];
    for (auto& member : split(fields[3], ',')) {
      std::string_view trimmed = trim(member);
      if (!trimmed.empty()) {
        entry.members.emplace_back(trimmed);
      }
    }
    out.push_back(std::move(entry));
  }
  return out;
}

ImageUser resolve_image_user(int rootfs_fd, std::string_view user) {
  std::string_view user_part = user;
  std::optional<std::string_view> group_part;
  if (size_t colon = user.find(':'); colon != std::string_view::npos) {
    user_part = user.substr(0, colon);
    group_part = user.substr(colon + 1);
    if (group_part->empty()) {
      throw Error("user \"" + std::string(user) + "\": the group after ':' is empty");
    }
  }
  std::string quoted = "user \"" + std::string(user) + "\"";
  auto passwd = read_rootfs_file(rootfs_fd, "/etc/passwd");
  ImageUser out;
  std::string name;
  if (user_part.empty() || is_number(user_part)) {
    out.uid = user_part.empty() ? 0 : parse_id(user_part, user, "uid");
    if (auto entry = passwd ? find_passwd_uid(*passwd, out.uid) : std::nullopt) {
      out.gid = entry->gid;
      name = entry->name;
    }
  } else {
    if (!passwd) {
      throw Error(quoted + ": the image has no /etc/passwd to look up \"" + std::string(user_part) + "\" in");
    }
    auto entry = find_passwd_name(*passwd, user_part);
    if (!entry) {
      throw Error(quoted + ": no user \"" + std::string(user_part) + "\" in the image's /etc/passwd");
    }
    out.uid = entry->uid;
    out.gid = entry->gid;
    name = entry->name;
  }
  if (group_part && is_number(*group_part)) {
    out.gid = parse_id(*group_part, user, "gid");
    return out;
  }
  if (!group_part && name.empty()) {
    return out;
  }
  auto group_text = read_rootfs_file(rootfs_fd, "/etc/group");
  if (group_part) {
    if (!group_text) {
      throw Error(quoted + ": the image has no /etc/group to look up \"" + std::string(*group_part) + "\" in");
    }
    auto groups = parse_group_file(*group_text);
    auto it = std::find_if(groups.begin(), groups.end(), [&](const GroupEntry& g) { return g.name == *group_part; });
    if (it == groups.end()) {
      throw Error(quoted + ": no group \"" + std::string(*group_part) + "\" in the image's /etc/group");
    }
    out.gid = it->gid;
    return out;
  }
  if (group_text) {
    for (const auto& group : parse_group_file(*group_text)) {
      bool member = std::find(group.members.begin(), group.members.end(), name) != group.members.end();
      if (member &&
          std::find(out.additional_gids.begin(), out.additional_gids.end(), group.gid) == out.additional_gids.end()) {
        out.additional_gids.push_back(group.gid);
      }
    }
  }
  return out;
}

}  // namespace skiff::image

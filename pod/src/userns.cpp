#include "userns.h"

#include <pwd.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <vector>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/log.h"
#include "skiff/base/strings.h"

namespace skiff::pod {

namespace {

std::string user_name(uid_t uid) {
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  if (::getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) == 0 && found != nullptr) {
    return pw.pw_name;
  }
  return {};
}

std::optional<SubIdRange> range_in(const std::string& file, const std::string& user, uint32_t id) {
  if (!path_exists(file)) {
    return std::nullopt;
  }
  return find_subid_range(read_file(file), user, id);
}

boost::json::object mapping(uint32_t container_id, uint32_t host_id, uint32_t size) {
  return {{"containerID", container_id}, {"hostID", host_id}, {"size", size}};
}

}  // namespace

std::optional<SubIdRange> find_subid_range(const std::string& text, const std::string& user, uint32_t id) {
  for (const auto& line : split(text, '\n')) {
    auto fields = split(std::string(trim(line)), ':');
    if (fields.size() != 3 || (fields[0] != user && fields[0] != std::to_string(id))) {
      continue;
    }
    try {
      SubIdRange range{static_cast<uint32_t>(parse_uint(fields[1], "subordinate id start")),
                       static_cast<uint32_t>(parse_uint(fields[2], "subordinate id count"))};
      if (range.size > 0) {
        return range;
      }
    } catch (const Error&) {
      // newuidmap skips a malformed line too.
    }
  }
  return std::nullopt;
}

IdMaps rootless_id_maps(uid_t uid, gid_t gid) {
  std::string user = user_name(uid);
  auto subuid = range_in("/etc/subuid", user, uid);
  auto subgid = range_in("/etc/subgid", user, gid);
  IdMaps maps;
  maps.uid_mappings.push_back(mapping(0, uid, 1));
  maps.gid_mappings.push_back(mapping(0, gid, 1));
  if (subuid && subgid) {
    maps.uid_mappings.push_back(mapping(1, subuid->start, subuid->size));
    maps.gid_mappings.push_back(mapping(1, subgid->start, subgid->size));
  } else {
    log::warning("no range for user " + (user.empty() ? std::to_string(uid) : user) +
                 " in /etc/subuid and /etc/subgid: the pod's user namespace maps only root");
  }
  return maps;
}

}  // namespace skiff::pod

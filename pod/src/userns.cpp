#include "userns.h"

#include <unistd.h>

#include <boost/json.hpp>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/log.h"
#include "skiff/base/passwd.h"
#include "skiff/image/rootless_userns.h"

namespace skiff::pod {

namespace {

std::optional<image::SubIdRange> range_in(const std::string& file, const std::string& user, uint32_t id) {
  if (!path_exists(file)) {
    return std::nullopt;
  }
  return image::find_subid_range(read_file(file), user, id);
}

boost::json::object mapping(uint32_t container_id, uint32_t host_id, uint32_t size) {
  return {{"containerID", container_id}, {"hostID", host_id}, {"size", size}};
}

}  // namespace

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
    log::warning("no range for user " + user +
                 " in /etc/subuid and /etc/subgid: the pod's user namespace maps only root");
  }
  return maps;
}

}  // namespace skiff::pod

#include "pod_store.h"

#include <fcntl.h>
#include <sys/file.h>

#include <boost/json.hpp>
#include <cerrno>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/json.h"
#include "skiff/runtime/state.h"

namespace skiff::pod {

namespace {

boost::json::object network_to_json(const netns::PodNetworkStatus& n) {
  boost::json::array ports;
  for (const auto& p : n.ports) {
    ports.push_back({{"protocol", p.protocol},
                     {"hostIP", p.host_ip},
                     {"hostPort", p.host_port},
                     {"containerPort", p.container_port}});
  }
  return {{"interface", n.interface}, {"address4", n.address4},  {"gateway4", n.gateway4}, {"address6", n.address6},
          {"gateway6", n.gateway6},   {"hostVeth", n.host_veth}, {"ports", ports}};
}

std::string str(const boost::json::object& o, std::string_view key) {
  const auto* v = json::find(o, key);
  return v != nullptr ? json::as_string(*v, key) : std::string{};
}

int64_t num(const boost::json::object& o, std::string_view key) {
  const auto* v = json::find(o, key);
  return v != nullptr ? json::as_int64(*v, key) : 0;
}

netns::PodNetworkStatus network_from_json(const boost::json::object& o) {
  netns::PodNetworkStatus n;
  n.interface = str(o, "interface");
  n.address4 = str(o, "address4");
  n.gateway4 = str(o, "gateway4");
  n.address6 = str(o, "address6");
  n.gateway6 = str(o, "gateway6");
  n.host_veth = str(o, "hostVeth");
  if (const auto* v = json::find(o, "ports")) {
    for (const auto& p : json::as_array(*v, "ports")) {
      const auto& po = json::as_object(p, "ports[]");
      n.ports.push_back({str(po, "protocol"), str(po, "hostIP"), static_cast<uint16_t>(num(po, "hostPort")),
                         static_cast<uint16_t>(num(po, "containerPort"))});
    }
  }
  return n;
}

}  // namespace

std::string pods_dir(const std::string& state_root) {
  return state_root + "/pods";
}

PodLock PodLock::acquire(const PodLayout& layout, bool wait) {
  PodLock lock;
  UniqueFd fd(::open(layout.dir().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) {
      throw Error("pod " + layout.id + " does not exist", ENOENT);
    }
    throw_errno("open pod dir " + layout.dir());
  }
  while (::flock(fd.get(), LOCK_EX | (wait ? 0 : LOCK_NB)) != 0) {
    if (errno == EWOULDBLOCK && !wait) {
      return lock;
    }
    if (errno != EINTR) {
      throw_errno("lock pod dir " + layout.dir());
    }
  }
  lock.fd_ = std::move(fd);
  return lock;
}

void save_record(const PodLayout& layout, const PodRecord& record) {
  boost::json::object o{{"spec", pod_spec_to_json(record.spec)}, {"createdAt", record.created_at},
                        {"cgroupPath", record.cgroup_path},      {"cgroup", record.cgroup},
                        {"infraPid", record.infra_pid},          {"stopped", record.stopped}};
  if (record.network) {
    o["network"] = network_to_json(*record.network);
  }
  write_file_atomic(layout.record(), json::pretty(o), 0644, false);
}

PodRecord load_record(const PodLayout& layout) {
  auto doc = json::parse_file(layout.record());
  const auto& o = json::as_object(doc, "pod.json");
  PodRecord r;
  r.spec = pod_spec_from_json(json::as_object(o.at("spec"), "spec"));
  r.created_at = str(o, "createdAt");
  r.cgroup_path = str(o, "cgroupPath");
  if (const auto* v = json::find(o, "cgroup")) {
    r.cgroup = *v;
  }
  r.infra_pid = static_cast<pid_t>(num(o, "infraPid"));
  if (const auto* v = json::find(o, "stopped")) {
    r.stopped = json::as_bool(*v, "stopped");
  }
  if (const auto* v = json::find(o, "network")) {
    r.network = network_from_json(json::as_object(*v, "network"));
  }
  return r;
}

void save_container_record(const std::string& path, const ContainerRecord& r) {
  boost::json::object o{{"state", r.state},
                        {"pid", r.pid},
                        {"monitorPid", r.monitor_pid},
                        {"monitorStartTime", r.monitor_start_time},
                        {"exitCode", r.exit_code},
                        {"oomKilled", r.oom_killed},
                        {"startedAt", r.started_at},
                        {"finishedAt", r.finished_at},
                        {"restartCount", r.restart_count}};
  write_file_atomic(path, boost::json::serialize(o), 0644, false);
}

std::optional<ContainerRecord> load_container_record(const std::string& path) {
  if (!path_exists(path)) {
    return std::nullopt;
  }
  auto doc = json::parse_file(path);
  const auto& o = json::as_object(doc, path);
  ContainerRecord r;
  r.state = str(o, "state");
  r.pid = static_cast<pid_t>(num(o, "pid"));
  r.monitor_pid = static_cast<pid_t>(num(o, "monitorPid"));
  if (const auto* v = json::find(o, "monitorStartTime")) {
    r.monitor_start_time = json::as_uint64(*v, "monitorStartTime");
  }
  r.exit_code = static_cast<int>(num(o, "exitCode"));
  if (const auto* v = json::find(o, "oomKilled")) {
    r.oom_killed = json::as_bool(*v, "oomKilled");
  }
  r.started_at = str(o, "startedAt");
  r.finished_at = str(o, "finishedAt");
  r.restart_count = static_cast<int>(num(o, "restartCount"));
  return r;
}

bool monitor_alive(const ContainerRecord& record) {
  return record.monitor_pid > 0 && record.monitor_start_time != 0 &&
         runtime::process_start_time(record.monitor_pid) == record.monitor_start_time;
}

}  // namespace skiff::pod

// `inspect`: podman's field names for what skiff knows of a container.

#include <boost/json.hpp>

#include "container_store.h"
#include "skiff/base/json.h"
#include "skiff/pod/container_manager.h"

namespace skiff::pod {

namespace {

boost::json::array strings(const std::vector<std::string>& values) {
  boost::json::array out;
  for (const auto& v : values) {
    out.emplace_back(v);
  }
  return out;
}

}  // namespace

boost::json::object port_bindings_json(const std::vector<netns::PortMapping>& ports) {
  boost::json::object out;
  for (const auto& p : ports) {
    auto key = std::to_string(p.container_port) + "/" + p.protocol;
    auto& list = out[key].is_array() ? out[key].as_array() : out[key].emplace_array();
    list.push_back({{"HostIp", p.host_ip}, {"HostPort", std::to_string(p.host_port)}});
  }
  return out;
}

boost::json::object ContainerManager::inspect(const std::string& name_or_id) {
  ContainerInfo i = info(name_or_id);
  ContainerLayout layout{options_.state_root, i.id};
  StandaloneRecord record = load_standalone_record(layout);
  const ContainerRunSpec& s = record.spec;

  boost::json::object state{{"Status", container_status_name(i.status)},
                            {"Running", i.status == ContainerStatusKind::running},
                            {"Restarting", i.status == ContainerStatusKind::restarting},
                            {"Pid", i.pid},
                            {"ExitCode", i.exit_code},
                            {"OOMKilled", i.oom_killed},
                            {"StartedAt", i.started_at},
                            {"FinishedAt", i.finished_at}};
  boost::json::object labels;
  for (const auto& [k, v] : s.labels) {
    labels[k] = v;
  }
  boost::json::object config{{"Hostname", s.hostname}, {"User", s.user.value_or("")},
                             {"Env", strings(s.env)},  {"Cmd", strings(record.command)},
                             {"Image", s.image},       {"WorkingDir", s.workdir.value_or("")},
                             {"Labels", labels},       {"StopSignal", record.stop_signal},
                             {"Tty", s.tty},           {"OpenStdin", s.interactive}};
  if (s.entrypoint) {
    config["Entrypoint"] = strings(*s.entrypoint);
  }
  boost::json::object host_config{
      {"NetworkMode", container_network_name(s.network)},
      {"RestartPolicy", {{"Name", restart_policy_name(s.restart)}, {"MaximumRetryCount", s.restart.max_retries}}},
      {"Memory", s.memory.value_or(0)},
      {"NanoCpus", static_cast<int64_t>(s.cpus.value_or(0) * 1e9)},
      {"PidsLimit", s.pids_limit.value_or(0)},
      {"CapAdd", strings(s.cap_add)},
      {"CapDrop", strings(s.cap_drop)},
      {"ReadonlyRootfs", s.read_only},
      {"AutoRemove", s.rm || s.auto_remove},
      {"Init", s.init},
      {"SecurityOpt", boost::json::array{}},
      {"PortBindings", port_bindings_json(s.ports)},
      {"LogConfig", {{"Type", "k8s-file"}, {"Path", i.log_path}, {"Size", s.log.max_size}}}};
  auto& security = host_config["SecurityOpt"].as_array();
  if (!s.seccomp_profile.empty()) {
    security.emplace_back("seccomp=" + s.seccomp_profile);
  }
  if (s.no_new_privileges) {
    security.emplace_back("no-new-privileges");
  }
  boost::json::array mounts;
  for (const auto& m : s.mounts) {
    mounts.push_back({{"Type", m.is_volume() ? "volume" : "bind"},
                      {"Name", m.is_volume() ? m.source : ""},
                      {"Source", m.is_volume() ? options_.store->root() + "/volumes/" + m.source + "/_data" : m.source},
                      {"Destination", m.destination},
                      {"RW", !m.readonly}});
  }
  boost::json::object network{{"IPAddress", i.ip_address}, {"Ports", port_bindings_json(i.ports)}};
  return {{"Id", i.id},
          {"Name", i.name},
          {"Created", i.created},
          {"Path", record.command.empty() ? "" : record.command.front()},
          {"Args", strings(record.command.empty()
                               ? std::vector<std::string>{}
                               : std::vector<std::string>(record.command.begin() + 1, record.command.end()))},
          {"State", state},
          {"Image", i.image_id},
          {"Pod", i.pod},
          {"ImageName", i.image},
          {"RestartCount", i.restart_count},
          {"Config", config},
          {"HostConfig", host_config},
          {"NetworkSettings", network},
          {"Mounts", mounts},
          {"LogPath", i.log_path},
          {"StateDir", i.state_dir}};
}

}  // namespace skiff::pod

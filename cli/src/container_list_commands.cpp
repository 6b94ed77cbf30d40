// ps and port: what containers there are, as podman's table or JSON, and their published ports.
#include <algorithm>
#include <ctime>
#include <iostream>
#include <memory>

#include "command_context.h"
#include "container_filter.h"
#include "container_lookup.h"
#include "skiff/base/error.h"
#include "skiff/base/json.h"
#include "skiff/cli/format.h"
#include "skiff/cli/go_template.h"

namespace skiff::cli {

namespace {

struct PsFlags {
  bool all = false;
  std::vector<std::string> filters;
  bool quiet = false;
  bool no_trunc = false;
  std::string format = "table";
};

// podman truncates a command longer than this in its table.
constexpr size_t kCommandWidth = 17;
constexpr size_t kShortIdLength = 12;

std::string join_words(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& word : words) {
    out += (out.empty() ? "" : " ") + word;
  }
  return out;
}

int64_t seconds_since(const std::string& rfc3339) {
  auto at = parse_rfc3339(rfc3339);
  return at ? std::max<int64_t>(0, std::time(nullptr) - *at) : 0;
}

// "Up 5 seconds", "Exited (0) 3 minutes ago", "Created", as podman's STATUS column.
std::string status_text(const pod::ContainerInfo& info) {
  switch (info.status) {
    case pod::ContainerStatusKind::created:
      return "Created";
    case pod::ContainerStatusKind::running:
      return "Up " + human_duration(seconds_since(info.started_at));
    case pod::ContainerStatusKind::restarting:
      return "Restarting (" + std::to_string(info.exit_code) + ") " + human_duration(seconds_since(info.finished_at)) +
             " ago";
    case pod::ContainerStatusKind::exited:
      return "Exited (" + std::to_string(info.exit_code) + ") " + human_duration(seconds_since(info.finished_at)) +
             " ago";
    case pod::ContainerStatusKind::unknown:
      return "Unknown";
  }
  return "Unknown";
}

// "0.0.0.0:8080->80/tcp", as podman lists a published port.
std::string port_text(const netns::PortMapping& port) {
  return (port.host_ip.empty() ? "0.0.0.0" : port.host_ip) + ":" + std::to_string(port.host_port) + "->" +
         std::to_string(port.container_port) + "/" + port.protocol;
}

std::string ports_text(const std::vector<netns::PortMapping>& ports) {
  std::string out;
  for (const auto& port : ports) {
    out += (out.empty() ? "" : ", ") + port_text(port);
  }
  return out;
}

// podman ps --format json's fields for one container.
boost::json::object json_entry(const pod::ContainerInfo& info) {
  boost::json::array command;
  for (const auto& word : info.command) {
    command.emplace_back(word);
  }
  boost::json::array ports;
  for (const auto& port : info.ports) {
    ports.push_back(boost::json::object{{"host_ip", port.host_ip},
                                        {"container_port", port.container_port},
                                        {"host_port", port.host_port},
                                        {"range", 1},
                                        {"protocol", port.protocol}});
  }
  boost::json::object labels;
  for (const auto& [key, value] : info.labels) {
    labels[key] = value;
  }
  std::string image_id = info.image_id.starts_with("sha256:") ? info.image_id.substr(7) : info.image_id;
  return boost::json::object{{"Id", info.id},
                             {"Image", info.image},
                             {"ImageID", image_id},
                             {"Command", command},
                             {"Created", parse_rfc3339(info.created).value_or(0)},
                             {"CreatedAt", info.created},
                             {"StartedAt", parse_rfc3339(info.started_at).value_or(0)},
                             {"State", std::string(pod::container_status_name(info.status))},
                             {"Status", status_text(info)},
                             {"Exited", info.status == pod::ContainerStatusKind::exited},
                             {"ExitCode", info.exit_code},
                             {"ExitedAt", parse_rfc3339(info.finished_at).value_or(0)},
                             {"Names", boost::json::array{boost::json::value(info.name)}},
                             {"Pid", info.pid},
                             {"Ports", ports},
                             {"Labels", labels},
                             {"Restarts", info.restart_count}};
}

// The fields a --format template names, as podman's ps templates spell them.
boost::json::object template_fields(const pod::ContainerInfo& info, const std::string& id) {
  boost::json::object labels;
  for (const auto& [key, value] : info.labels) {
    labels[key] = value;
  }
  return {{"ID", id},
          {"Image", info.image},
          {"ImageID", info.image_id},
          {"Command", join_words(info.command)},
          {"CreatedAt", info.created},
          {"RunningFor", human_duration(seconds_since(info.created)) + " ago"},
          {"Status", status_text(info)},
          {"State", std::string(pod::container_status_name(info.status))},
          {"Ports", ports_text(info.ports)},
          {"Names", info.name},
          {"Pod", info.pod},
          {"Labels", labels},
          {"Pid", info.pid},
          {"ExitCode", info.exit_code},
          {"Restarts", info.restart_count}};
}

int list_containers(Context& ctx, const PsFlags& flags) {
  std::optional<GoTemplate> format_template = parse_format(flags.format, {"table", "json"});
  ContainerFilter filter(flags.filters);
  auto containers = ctx.containers().list(flags.all || filter.wants_stopped());
  std::erase_if(containers, [&](const pod::ContainerInfo& info) { return !filter.matches(info); });
  // Newest first, as podman lists them.
  std::stable_sort(containers.begin(), containers.end(),
                   [](const pod::ContainerInfo& a, const pod::ContainerInfo& b) { return a.created > b.created; });
  if (flags.format == "json") {
    boost::json::array out;
    for (const auto& info : containers) {
      out.push_back(json_entry(info));
    }
    std::cout << json::pretty(out);
    return 0;
  }
  auto id_text = [&](const std::string& id) { return flags.no_trunc ? id : id.substr(0, kShortIdLength); };
  if (format_template) {
    std::vector<boost::json::value> documents;
    for (const auto& info : containers) {
      documents.emplace_back(template_fields(info, id_text(info.id)));
    }
    std::cout << format_template->render_all(documents, {{"ID", "CONTAINER ID"}, {"RunningFor", "CREATED"}});
    return 0;
  }
  if (flags.quiet) {
    for (const auto& info : containers) {
      std::cout << id_text(info.id) << "\n";
    }
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {
      {"CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"}};
  for (const auto& info : containers) {
    std::string command = join_words(info.command);
    if (!flags.no_trunc && command.size() > kCommandWidth) {
      command = command.substr(0, kCommandWidth) + "...";
    }
    rows.push_back({id_text(info.id), info.image, command, human_duration(seconds_since(info.created)) + " ago",
                    status_text(info), ports_text(info.ports), info.name});
  }
  std::cout << format_table(rows);
  return 0;
}

// "80/tcp" or "80": the container port asked about.
bool port_matches(const netns::PortMapping& port, const std::string& wanted) {
  auto slash = wanted.find('/');
  std::string number = wanted.substr(0, slash);
  std::string protocol = slash == std::string::npos ? "tcp" : wanted.substr(slash + 1);
  return std::to_string(port.container_port) == number && port.protocol == protocol;
}

int list_ports(Context& ctx, const std::string& name, const std::string& wanted) {
  auto info = ctx.containers().info(resolve_container(ctx.containers(), name));
  bool found = false;
  for (const auto& port : info.ports) {
    std::string host = (port.host_ip.empty() ? "0.0.0.0" : port.host_ip) + ":" + std::to_string(port.host_port);
    if (wanted.empty()) {
      std::cout << port.container_port << "/" << port.protocol << " -> " << host << "\n";
    } else if (port_matches(port, wanted)) {
      std::cout << host << "\n";
      found = true;
    }
  }
  if (!wanted.empty() && !found) {
    throw Error("failed to find published port \"" + wanted + "\" of container " + name);
  }
  return 0;
}

}  // namespace

void add_ps_command(CLI::App& parent, Context& ctx, const std::string& name) {
  auto flags = std::make_shared<PsFlags>();
  auto* cmd = parent.add_subcommand(name, "list containers: running ones, or with --all every one");
  cmd->add_flag("-a,--all", flags->all, "list every container, not only the running ones");
  cmd->add_flag("-q,--quiet", flags->quiet, "print only the containers' ids");
  cmd->add_option("-f,--filter", flags->filters,
                  "KEY=VALUE: id, name (a regex), label, status, exited, ancestor or pod; repeatable")
      ->allow_extra_args(false);
  cmd->add_flag("--no-trunc", flags->no_trunc, "print full ids and commands");
  cmd->add_option("--format", flags->format, "table (default), json or a Go template ('{{.Names}}')");
  cmd->callback([&ctx, flags] { ctx.set_action([&ctx, flags] { return list_containers(ctx, *flags); }, true); });
}

void add_port_command(CLI::App& parent, Context& ctx) {
  auto name = std::make_shared<std::string>();
  auto port = std::make_shared<std::string>();
  auto* cmd = parent.add_subcommand("port", "list a container's published ports, or where one port is published");
  cmd->add_option("container", *name, "the container: name or id")->required();
  cmd->add_option("port", *port, "a container port: PORT[/PROTOCOL]");
  cmd->callback(
      [&ctx, name, port] { ctx.set_action([&ctx, name, port] { return list_ports(ctx, *name, *port); }, true); });
}

}  // namespace skiff::cli

// pod create, start, stop, rm, ps, inspect, logs: podman's pods. A pod is an infra process holding
// the network, IPC and UTS namespaces (pod/pod_manager.h); containers join it with `run --pod`.
// Pod commands act on the pod and on the containers in it.
#include "pod_commands.h"

#include <iostream>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "each_name.h"
#include "run_flags.h"
#include "skiff/base/error.h"
#include "skiff/base/json.h"
#include "skiff/base/random.h"
#include "skiff/base/strings.h"
#include "skiff/cli/app.h"
#include "skiff/cli/format.h"
#include "skiff/cli/go_template.h"
#include "skiff/image/store.h"
#include "skiff/pod/pod_manager.h"
#include "skiff/runtime/container.h"

namespace skiff::cli {

namespace {

constexpr size_t kShortIdLength = 12;
constexpr int kDefaultStopSeconds = 10;

struct PodFlags {
  std::string name;
  std::vector<std::string> publish;
  std::string hostname;
  std::string share = "ipc,net,uts";
  std::string network;
  std::vector<std::string> pods;
  int stop_seconds = kDefaultStopSeconds;
  bool force = false;
  bool all = false;
  bool quiet = false;
  std::string format = "table";
  // logs
  std::string container;
  bool follow = false;
  std::optional<size_t> tail;
  bool timestamps = false;
  bool names = false;
};

// The containers in the pod (its members made by `run --pod`), oldest first.
std::vector<pod::ContainerInfo> members(Context& ctx, const std::string& pod_id) {
  std::vector<pod::ContainerInfo> out;
  for (auto& info : ctx.containers().list(true)) {
    if (info.pod == pod_id) {
      out.push_back(std::move(info));
    }
  }
  std::reverse(out.begin(), out.end());
  return out;
}

// ipc, net and uts are always shared; pid on request (shareProcessNamespace).
bool parse_share(const std::string& text) {
  std::set<std::string> kinds;
  for (const auto& kind : split(text, ',')) {
    if (kind != "ipc" && kind != "net" && kind != "uts" && kind != "pid") {
      throw Error("--share: unknown namespace \"" + kind + "\" (want a list of ipc, net, uts and pid)");
    }
    kinds.insert(kind);
  }
  for (const char* kind : {"ipc", "net", "uts"}) {
    if (!kinds.contains(kind)) {
      throw Error(std::string("--share: a skiff pod always shares ipc, net and uts (\"") + text + "\" leaves out " +
                  kind + ")");
    }
  }
  return kinds.contains("pid");
}

// A name for a pod created without one: 12 hex characters, as a short id.
std::string generated_pod_id() {
  return random_hex(kShortIdLength);
}

int create_pod(Context& ctx, const PodFlags& flags) {
  pod::PodSpec spec;
  spec.id = flags.name.empty() ? generated_pod_id() : flags.name;
  spec.hostname = flags.hostname;
  spec.share_pid = parse_share(flags.share);
  std::string network = flags.network;
  if (network.empty()) {
    network = image::Store::running_rootless() ? "slirp4netns" : "bridge";
  }
  try {
    spec.network = pod::parse_network_mode(network);
  } catch (const Error& e) {
    throw Error("--network: " + std::string(e.what()));
  }
  for (const auto& publish : flags.publish) {
    spec.ports.push_back(parse_publish(publish));
  }
  if (!spec.ports.empty() && spec.network != pod::NetworkMode::bridge &&
      spec.network != pod::NetworkMode::slirp4netns) {
    throw Error("--publish: publishing ports needs --network bridge or slirp4netns (not " + network + ")");
  }
  auto pods = ctx.containers().pods();
  try {
    pods.pod_status(spec.id);
    throw Error("pod " + spec.id + " already exists: choose another name, or remove it first (skiff pod rm)", EEXIST);
  } catch (const Error& e) {
    if (e.code() != ENOENT) {
      throw;
    }
  }
  std::cout << pods.create_pod(spec).id << "\n";
  return 0;
}

int start_pods(Context& ctx, const PodFlags& flags) {
  auto pods = ctx.containers().pods();
  return for_each_name(flags.pods, [&](const std::string& name) {
    std::string id = pods.resolve(name);
    pods.start_pod(id);
    for (const auto& member : members(ctx, id)) {
      ctx.containers().start(member.id);
    }
    return id;
  });
}

// The containers first (each with its stop signal and the grace period), then the infra.
void stop_pod(Context& ctx, pod::PodManager& pods, const std::string& id, std::chrono::milliseconds grace) {
  for (const auto& member : members(ctx, id)) {
    ctx.containers().stop(member.id, grace);
  }
  pods.stop_pod(id, grace);
}

int stop_pods(Context& ctx, const PodFlags& flags) {
  auto pods = ctx.containers().pods();
  std::chrono::milliseconds grace = std::chrono::seconds(flags.stop_seconds);
  return for_each_name(flags.pods, [&](const std::string& name) {
    std::string id = pods.resolve(name);
    stop_pod(ctx, pods, id, grace);
    return id;
  });
}

int remove_pods(Context& ctx, const PodFlags& flags) {
  auto pods = ctx.containers().pods();
  std::vector<std::string> names = flags.pods;
  if (flags.all) {
    if (!names.empty()) {
      throw Error("--all: give no pod names with --all");
    }
    for (const auto& status : pods.list_pods()) {
      names.push_back(status.id);
    }
  } else if (names.empty()) {
    throw Error("pod rm: name the pods to remove, or use --all");
  }
  return for_each_name(names, [&](const std::string& name) {
    std::string id = pods.resolve(name);
    auto in_pod = members(ctx, id);
    if (!flags.force) {
      if (pods.pod_status(id).state == "running") {
        throw Error("pod " + id + " is running: stop it first (skiff pod stop), or remove it with --force", EBUSY);
      }
      for (const auto& member : in_pod) {
        if (member.running()) {
          throw Error("pod " + id + " has a running container " + member.name +
                          ": stop the pod first (skiff pod stop), or remove it with --force",
                      EBUSY);
        }
      }
    }
    for (const auto& member : in_pod) {
      ctx.containers().remove(member.id, true);
    }
    pods.remove_pod(id, true);
    return id;
  });
}

// podman pod ps's STATUS: Created, Running, Degraded (some containers not running), Exited.
std::string pod_status_text(const pod::PodStatus& status, const std::vector<pod::ContainerInfo>& in_pod) {
  if (status.state == "creating") {
    return "Created";
  }
  if (status.state != "running") {
    return "Exited";
  }
  bool all_running = std::all_of(in_pod.begin(), in_pod.end(), [](const auto& c) { return c.running(); });
  return all_running ? "Running" : "Degraded";
}

std::vector<std::string> shared_namespaces(const pod::PodStatus& status) {
  std::vector<std::string> kinds{"ipc", "net", "uts"};
  if (status.share_pid) {
    kinds.emplace_back("pid");
  }
  return kinds;
}

// podman pod inspect's main fields, and the pod's network.
boost::json::object inspect_json(const pod::PodStatus& status, const std::vector<pod::ContainerInfo>& in_pod) {
  boost::json::array containers;
  for (const auto& c : in_pod) {
    containers.push_back({{"Id", c.id}, {"Name", c.name}, {"State", pod::container_status_name(c.status)}});
  }
  boost::json::array shared;
  for (const auto& kind : shared_namespaces(status)) {
    shared.emplace_back(kind);
  }
  boost::json::object network{{"NetworkMode", pod::network_mode_name(status.network_mode)}};
  if (status.network) {
    network["IPAddress"] = status.network->address4.substr(0, status.network->address4.find('/'));
    network["Gateway"] = status.network->gateway4;
    network["GlobalIPv6Address"] = status.network->address6.substr(0, status.network->address6.find('/'));
    network["PortBindings"] = pod::port_bindings_json(status.network->ports);
  }
  return {{"Id", status.id},
          {"Name", status.id},
          {"Created", status.created_at},
          {"State", pod_status_text(status, in_pod)},
          {"Hostname", status.hostname},
          {"SharedNamespaces", shared},
          {"CgroupPath", status.cgroup},
          {"InfraPid", status.infra_pid},
          {"NumContainers", in_pod.size()},
          {"Containers", containers},
          {"InfraConfig", network}};
}

// The fields a --format template names, as podman's pod ps templates spell them.
boost::json::object template_fields(const pod::PodStatus& status, const std::vector<pod::ContainerInfo>& in_pod) {
  auto created = parse_rfc3339(status.created_at);
  int64_t age = created ? std::max<int64_t>(0, std::time(nullptr) - *created) : 0;
  boost::json::array names;
  for (const auto& c : in_pod) {
    names.emplace_back(c.name);
  }
  return {{"ID", status.id.substr(0, kShortIdLength)},
          {"Name", status.id},
          {"Status", pod_status_text(status, in_pod)},
          {"Created", human_duration(age) + " ago"},
          {"CreatedAt", status.created_at},
          {"NumberOfContainers", in_pod.size()},
          {"ContainerNames", names},
          {"Networks", pod::network_mode_name(status.network_mode)}};
}

int list_pods(Context& ctx, const PodFlags& flags) {
  std::optional<GoTemplate> format_template = parse_format(flags.format, {"table", "json"});
  auto pods = ctx.containers().pods();
  boost::json::array documents;
  std::vector<boost::json::value> fields;
  for (const auto& status : pods.list_pods()) {
    auto in_pod = members(ctx, status.id);
    documents.push_back(inspect_json(status, in_pod));
    fields.emplace_back(template_fields(status, in_pod));
  }
  if (format_template) {
    std::cout << format_template->render_all(fields, {{"ID", "POD ID"}, {"NumberOfContainers", "# OF CONTAINERS"}});
  } else if (flags.format == "json") {
    std::cout << json::pretty(documents);
  } else if (flags.quiet) {
    for (const auto& f : fields) {
      std::cout << std::string_view(f.at("Name").as_string()) << "\n";
    }
  } else {
    std::cout << GoTemplate("table {{.ID}}\t{{.Name}}\t{{.Status}}\t{{.Created}}\t{{.NumberOfContainers}}")
                     .render_all(fields, {{"ID", "POD ID"}, {"NumberOfContainers", "# OF CONTAINERS"}});
  }
  return 0;
}

int inspect_pods(Context& ctx, const PodFlags& flags) {
  std::optional<GoTemplate> format_template = parse_format(flags.format, {"table", "json"});
  auto pods = ctx.containers().pods();
  boost::json::array out;
  int rc = 0;
  for (const auto& name : flags.pods) {
    try {
      std::string id = pods.resolve(name);
      out.push_back(inspect_json(pods.pod_status(id), members(ctx, id)));
    } catch (const Error& e) {
      std::cerr << "Error: " << e.what() << "\n";
      rc = kErrorExitCode;
    }
  }
  std::cout << inspect_output(out, format_template);
  return rc;
}

// The output of the pod's containers (or of the one -c names), each line prefixed with its
// container's short id (or name, --names) as podman does; with -f, followed until they all end.
int print_pod_logs(Context& ctx, const PodFlags& flags) {
  auto pods = ctx.containers().pods();
  std::string id = pods.resolve(flags.pods.front());
  auto in_pod = members(ctx, id);
  if (!flags.container.empty()) {
    std::erase_if(in_pod,
                  [&](const auto& c) { return c.name != flags.container && !c.id.starts_with(flags.container); });
    if (in_pod.empty()) {
      throw Error("--container: pod " + id + " has no container " + flags.container, ENOENT);
    }
  }
  pod::LogsOptions options;
  options.follow = flags.follow;
  options.tail = flags.tail;
  std::mutex output;
  auto print = [&](const pod::ContainerInfo& c) {
    std::string prefix = flags.names ? c.name : c.id.substr(0, kShortIdLength);
    ctx.containers().logs(c.id, options, [&](const pod::LogLine& line) {
      std::lock_guard lock(output);
      std::ostream& out = line.stream == pod::LogStream::stderr_stream ? std::cerr : std::cout;
      out << prefix << " ";
      if (flags.timestamps) {
        out << line.timestamp << " ";
      }
      out << line.content << (line.complete ? "\n" : "") << std::flush;
    });
  };
  if (!flags.follow) {
    for (const auto& c : in_pod) {
      print(c);
    }
    return 0;
  }
  std::vector<std::jthread> followers;
  for (const auto& c : in_pod) {
    followers.emplace_back([&print, c] { print(c); });
  }
  return 0;
}

void add_pod_names(CLI::App& cmd, PodFlags& flags) {
  cmd.add_option("pod", flags.pods, "POD...: names or ids")->required();
}

}  // namespace

void add_pod_command(CLI::App& parent, Context& ctx) {
  auto flags = std::make_shared<PodFlags>();
  auto* pod = parent.add_subcommand("pod", "manage pods: containers sharing network, IPC and host name");
  pod->require_subcommand(1);
  auto act = [&ctx, flags](int (*fn)(Context&, const PodFlags&)) {
    return [&ctx, flags, fn] { ctx.set_action([&ctx, flags, fn] { return fn(ctx, *flags); }, true); };
  };

  auto* create = pod->add_subcommand("create", "create a pod: its infra, network and published ports");
  create->add_option("-n,--name", flags->name, "the pod's name (default: a random id)");
  create->add_option("-p,--publish", flags->publish, "[[IP:][HOSTPORT]:]CONTAINERPORT[/PROTOCOL]: publish a port")
      ->allow_extra_args(false);
  create->add_option("--hostname", flags->hostname, "the pod's host name (default: its name)");
  create->add_option("--share", flags->share, "namespaces to share: ipc,net,uts and optionally pid")
      ->capture_default_str();
  create->add_option("--network", flags->network,
                     "bridge, none, host or slirp4netns (default: bridge, rootless slirp4netns)");
  create->callback(act(create_pod));

  auto* start = pod->add_subcommand("start", "start pods and their containers");
  add_pod_names(*start, *flags);
  start->callback(act(start_pods));

  auto* stop = pod->add_subcommand("stop", "stop pods: their containers, then the infra");
  stop->add_option("-t,--time", flags->stop_seconds, "seconds to wait for the containers to exit before killing them")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  add_pod_names(*stop, *flags);
  stop->callback(act(stop_pods));

  auto* rm = pod->add_subcommand("rm", "remove stopped pods and their containers");
  rm->alias("remove");
  rm->add_flag("-f,--force", flags->force, "stop running pods first");
  rm->add_flag("-a,--all", flags->all, "remove every pod");
  rm->add_option("pod", flags->pods, "POD...: names or ids");
  rm->callback(act(remove_pods));

  auto* ps = pod->add_subcommand("ps", "list pods");
  ps->alias("ls");
  ps->alias("list");
  ps->add_flag("-q,--quiet", flags->quiet, "print only the ids");
  ps->add_option("--format", flags->format, "table, json or a Go template ('{{.Name}}')")->capture_default_str();
  ps->callback(act(list_pods));

  auto* inspect = pod->add_subcommand("inspect", "show pods as JSON");
  inspect->add_option("-f,--format", flags->format, "json (default) or a Go template ('{{.State}}')");
  add_pod_names(*inspect, *flags);
  inspect->callback(act(inspect_pods));

  auto* logs = pod->add_subcommand("logs", "print the output of a pod's containers");
  logs->add_option("-c,--container", flags->container, "only this container's output (name or id)");
  logs->add_flag("-f,--follow", flags->follow, "keep printing new output until the containers have ended");
  logs->add_option("-n,--tail", flags->tail, "only the last N lines of each container");
  logs->add_flag("-t,--timestamps", flags->timestamps, "prefix each line with the time it was written");
  logs->add_flag("--names", flags->names, "prefix lines with the container's name instead of its id");
  logs->add_option("pod", flags->pods, "POD: name or id")->required()->expected(1);
  logs->callback(act(print_pod_logs));
}

}  // namespace skiff::cli

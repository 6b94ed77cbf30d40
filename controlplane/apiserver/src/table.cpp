#include "skiff/apiserver/table.h"

#include <cctype>
#include <functional>

#include "hpa_conversion.h"
#include "skiff/apiserver/selectors.h"

namespace skiff::apiserver {

namespace {

struct Column {
  const char* name;
  const char* type;
  const char* description;
  int priority = 0;
};

using Cells = boost::json::array;
using RowFunction = std::function<Cells(const boost::json::object&, const std::string& age)>;

const boost::json::value* at(const boost::json::object& object, std::initializer_list<std::string_view> path) {
  const boost::json::value* current = nullptr;
  const boost::json::object* parent = &object;
  for (std::string_view key : path) {
    if (!parent) {
      return nullptr;
    }
    current = parent->if_contains(key);
    if (!current) {
      return nullptr;
    }
    parent = current->if_object();
  }
  return current;
}

std::string str(const boost::json::object& object, std::initializer_list<std::string_view> path,
                const std::string& fallback = "") {
  const auto* v = at(object, path);
  return v && v->is_string() && !v->as_string().empty() ? std::string(v->as_string()) : fallback;
}

int64_t num(const boost::json::object& object, std::initializer_list<std::string_view> path) {
  const auto* v = at(object, path);
  return v && v->is_int64() ? v->as_int64() : 0;
}

size_t count(const boost::json::object& object, std::initializer_list<std::string_view> path) {
  const auto* v = at(object, path);
  if (!v) {
    return 0;
  }
  if (v->is_object()) {
    return v->as_object().size();
  }
  return v->is_array() ? v->as_array().size() : 0;
}

std::string join(const std::vector<std::string>& parts, const char* sep = ",") {
  std::string out;
  for (const std::string& p : parts) {
    out += (out.empty() ? "" : sep) + p;
  }
  return out;
}

// A quantity or number as kube prints it.
std::string scalar(const boost::json::value* v) {
  if (!v) {
    return "<unknown>";
  }
  return v->is_string() ? std::string(v->as_string()) : boost::json::serialize(*v);
}

// kubectl's TARGETS of an autoscaling/v2 HPA (kube's formatHPAMetrics): "cpu: 40%/80%" per
// metric, the current value from the status metric at the same index, at most two shown.
std::string hpa_targets(const boost::json::object& hpa) {
  const auto* specs = at(hpa, {"spec", "metrics"});
  if (!specs || !specs->is_array() || specs->as_array().empty()) {
    return "<none>";
  }
  const auto* statuses = at(hpa, {"status", "currentMetrics"});
  std::vector<std::string> list;
  const auto& metrics = specs->as_array();
  for (size_t i = 0; i < metrics.size(); ++i) {
    const boost::json::object* spec = metrics[i].if_object();
    std::string type = spec ? str(*spec, {"type"}) : "";
    std::string member = type.empty() ? "" : std::string(1, static_cast<char>(std::tolower(type[0]))) + type.substr(1);
    if (!spec || !spec->contains(member)) {
      list.emplace_back("<unknown type>");
      continue;
    }
    const boost::json::object* status = nullptr;
    if (statuses && statuses->is_array() && i < statuses->as_array().size() && statuses->as_array()[i].is_object() &&
        statuses->as_array()[i].as_object().contains(member)) {
      status = &statuses->as_array()[i].as_object();
    }
    auto current = [&](std::string_view field) {
      const auto* v = status ? at(*status, {member, "current", field}) : nullptr;
      return v ? scalar(v) : "<unknown>";
    };
    bool resource = member == "resource" || member == "containerResource";
    std::string prefix = resource ? str(*spec, {member, "name"}) + ": " : "";
    if (const auto* average = at(*spec, {member, "target", "averageValue"})) {
      list.push_back(prefix + current("averageValue") + "/" + scalar(average) +
                     (resource || member == "pods" ? "" : " (avg)"));
    } else if (resource) {
      const auto* utilization = status ? at(*status, {member, "current", "averageUtilization"}) : nullptr;
      const auto* target = at(*spec, {member, "target", "averageUtilization"});
      list.push_back(prefix + (utilization ? scalar(utilization) + "%" : "<unknown>") + "/" +
                     (target ? scalar(target) + "%" : "<auto>"));
    } else {
      list.push_back(current("value") + "/" + scalar(at(*spec, {member, "target", "value"})));
    }
  }
  constexpr size_t kShown = 2;
  if (list.size() > kShown) {
    size_t more = list.size() - kShown;
    list.resize(kShown);
    return join(list, ", ") + " + " + std::to_string(more) + " more...";
  }
  return join(list, ", ");
}

std::string containers_field(const boost::json::object& workload, std::string_view field) {
  std::vector<std::string> values;
  if (const auto* list = at(workload, {"spec", "template", "spec", "containers"}); list && list->is_array()) {
    for (const auto& c : list->as_array()) {
      if (c.is_object()) {
        values.push_back(str(c.as_object(), {field}));
      }
    }
  }
  return join(values);
}

std::string selector_string(const boost::json::object& workload) {
  const auto* sel = at(workload, {"spec", "selector"});
  return sel && sel->is_object() ? LabelSelector::from_object(sel->as_object()).to_string() : "<none>";
}

std::string pod_status(const boost::json::object& pod) {
  std::string reason = str(pod, {"status", "reason"}, str(pod, {"status", "phase"}, "Pending"));
  if (const auto* statuses = at(pod, {"status", "containerStatuses"}); statuses && statuses->is_array()) {
    for (const auto& s : statuses->as_array()) {
      if (!s.is_object()) {
        continue;
      }
      std::string waiting = str(s.as_object(), {"state", "waiting", "reason"});
      std::string terminated = str(s.as_object(), {"state", "terminated", "reason"});
      if (!waiting.empty()) {
        reason = waiting;
      } else if (!terminated.empty() && reason == "Running") {
        reason = terminated;
      }
    }
  }
  if (at(pod, {"metadata", "deletionTimestamp"})) {
    reason = "Terminating";
  }
  return reason;
}

Cells pod_row(const boost::json::object& pod, const std::string& age) {
  int64_t ready = 0;
  int64_t restarts = 0;
  if (const auto* statuses = at(pod, {"status", "containerStatuses"}); statuses && statuses->is_array()) {
    for (const auto& s : statuses->as_array()) {
      if (s.is_object()) {
        const auto* r = s.as_object().if_contains("ready");
        ready += r && r->is_bool() && r->as_bool() ? 1 : 0;
        restarts += num(s.as_object(), {"restartCount"});
      }
    }
  }
  std::string ready_text = std::to_string(ready) + "/" + std::to_string(count(pod, {"spec", "containers"}));
  return {str(pod, {"metadata", "name"}),
          ready_text,
          pod_status(pod),
          restarts,
          age,
          str(pod, {"status", "podIP"}, "<none>"),
          str(pod, {"spec", "nodeName"}, "<none>"),
          str(pod, {"status", "nominatedNodeName"}, "<none>"),
          "<none>"};
}

std::string service_ports(const boost::json::object& svc) {
  std::vector<std::string> ports;
  if (const auto* list = at(svc, {"spec", "ports"}); list && list->is_array()) {
    for (const auto& p : list->as_array()) {
      if (!p.is_object()) {
        continue;
      }
      std::string port = std::to_string(num(p.as_object(), {"port"}));
      if (int64_t node_port = num(p.as_object(), {"nodePort"}); node_port != 0) {
        port += ":" + std::to_string(node_port);
      }
      ports.push_back(port + "/" + str(p.as_object(), {"protocol"}, "TCP"));
    }
  }
  return ports.empty() ? "<none>" : join(ports);
}

std::string service_external_ip(const boost::json::object& svc) {
  std::string type = str(svc, {"spec", "type"}, "ClusterIP");
  std::vector<std::string> ips;
  if (const auto* list = at(svc, {"spec", "externalIPs"}); list && list->is_array()) {
    for (const auto& ip : list->as_array()) {
      if (ip.is_string()) {
        ips.emplace_back(ip.as_string());
      }
    }
  }
  if (type == "ExternalName") {
    return str(svc, {"spec", "externalName"}, "<none>");
  }
  if (type == "LoadBalancer") {
    if (const auto* ingress = at(svc, {"status", "loadBalancer", "ingress"}); ingress && ingress->is_array()) {
      for (const auto& i : ingress->as_array()) {
        if (i.is_object()) {
          ips.push_back(str(i.as_object(), {"ip"}, str(i.as_object(), {"hostname"})));
        }
      }
    }
    return ips.empty() ? "<pending>" : join(ips);
  }
  return ips.empty() ? "<none>" : join(ips);
}

std::string node_status(const boost::json::object& node) {
  std::string status = "Unknown";
  if (const auto* conditions = at(node, {"status", "conditions"}); conditions && conditions->is_array()) {
    for (const auto& c : conditions->as_array()) {
      if (c.is_object() && str(c.as_object(), {"type"}) == "Ready") {
        std::string value = str(c.as_object(), {"status"});
        status = value == "True" ? "Ready" : value == "False" ? "NotReady" : "Unknown";
      }
    }
  }
  if (const auto* u = at(node, {"spec", "unschedulable"}); u && u->is_bool() && u->as_bool()) {
    status += ",SchedulingDisabled";
  }
  return status;
}

std::string node_roles(const boost::json::object& node) {
  std::vector<std::string> roles;
  if (const auto* labels = at(node, {"metadata", "labels"}); labels && labels->is_object()) {
    for (const auto& [key, value] : labels->as_object()) {
      constexpr std::string_view kRole = "node-role.kubernetes.io/";
      if (key.starts_with(kRole) && key.size() > kRole.size()) {
        roles.emplace_back(key.substr(kRole.size()));
      }
    }
  }
  return roles.empty() ? "<none>" : join(roles);
}

std::string node_address(const boost::json::object& node, std::string_view type) {
  if (const auto* list = at(node, {"status", "addresses"}); list && list->is_array()) {
    for (const auto& a : list->as_array()) {
      if (a.is_object() && str(a.as_object(), {"type"}) == type) {
        return str(a.as_object(), {"address"});
      }
    }
  }
  return "<none>";
}

std::string endpoints_list(const boost::json::object& ep) {
  std::vector<std::string> out;
  if (const auto* subsets = at(ep, {"subsets"}); subsets && subsets->is_array()) {
    for (const auto& s : subsets->as_array()) {
      if (!s.is_object()) {
        continue;
      }
      const auto* addresses = at(s.as_object(), {"addresses"});
      const auto* ports = at(s.as_object(), {"ports"});
      for (const auto& a : addresses && addresses->is_array() ? addresses->as_array() : boost::json::array{}) {
        std::string ip = a.is_object() ? str(a.as_object(), {"ip"}) : "";
        if (!ports || !ports->is_array() || ports->as_array().empty()) {
          out.push_back(ip);
        }
        for (const auto& p : ports && ports->is_array() ? ports->as_array() : boost::json::array{}) {
          out.push_back(ip + ":" + std::to_string(p.is_object() ? num(p.as_object(), {"port"}) : 0));
        }
      }
    }
  }
  if (out.size() > 3) {
    size_t more = out.size() - 3;
    out.resize(3);
    return join(out) + " + " + std::to_string(more) + " more...";
  }
  return out.empty() ? "<none>" : join(out);
}

struct TableSpec {
  std::vector<Column> columns;
  RowFunction row;
};

TableSpec spec_for(const std::string& resource) {
  const Column name{"Name", "string",
                    "Name must be unique within a namespace. Is required when creating resources, although some "
                    "resources may allow a client to request the generation of an appropriate name automatically."};
  const Column age{"Age", "string",
                   "CreationTimestamp is a timestamp representing the server time when this object was created."};
  auto n = [](const boost::json::object& o) { return str(o, {"metadata", "name"}); };
  if (resource == "pods") {
    return {{name,
             {"Ready", "string", "The aggregate readiness state of this pod for accepting traffic."},
             {"Status", "string", "The aggregate status of the containers in this pod."},
             {"Restarts", "string", "The number of times the containers in this pod have been restarted."},
             age,
             {"IP", "string", "IP address allocated to the pod.", 1},
             {"Node", "string", "Name of the node the pod is scheduled on.", 1},
             {"Nominated Node", "string", "Name of the node the pod is nominated to.", 1},
             {"Readiness Gates", "string", "The readiness gates of the pod.", 1}},
            pod_row};
  }
  if (resource == "deployments") {
    return {{name,
             {"Ready", "string", "Number of the pod with ready state"},
             {"Up-to-date", "string", "Total number of non-terminated pods with the desired template spec."},
             {"Available", "string", "Total number of available pods (ready for at least minReadySeconds)."},
             age,
             {"Containers", "string", "Names of each container in the template.", 1},
             {"Images", "string", "Images referenced by each container in the template.", 1},
             {"Selector", "string", "Label selector for pods.", 1}},
            [n](const boost::json::object& d, const std::string& a) -> Cells {
              return {n(d),
                      std::to_string(num(d, {"status", "readyReplicas"})) + "/" +
                          std::to_string(num(d, {"spec", "replicas"})),
                      num(d, {"status", "updatedReplicas"}),
                      num(d, {"status", "availableReplicas"}),
                      a,
                      containers_field(d, "name"),
                      containers_field(d, "image"),
                      selector_string(d)};
            }};
  }
  if (resource == "replicasets") {
    return {
        {name,
         {"Desired", "integer", "Number of desired pods."},
         {"Current", "integer", "Number of actual replicas."},
         {"Ready", "integer", "The number of ready replicas."},
         age,
         {"Containers", "string", "Names of each container in the template.", 1},
         {"Images", "string", "Images referenced by each container in the template.", 1},
         {"Selector", "string", "Label selector for pods.", 1}},
        [n](const boost::json::object& r, const std::string& a) -> Cells {
          return {
              n(r), num(r, {"spec", "replicas"}), num(r, {"status", "replicas"}), num(r, {"status", "readyReplicas"}),
              a,    containers_field(r, "name"),  containers_field(r, "image"),   selector_string(r)};
        }};
  }
  if (resource == "daemonsets") {
    return {{name,
             {"Desired", "integer", "The number of nodes that should be running the daemon pod."},
             {"Current", "integer", "The number of nodes running at least one daemon pod."},
             {"Ready", "integer", "The number of nodes that should be running the daemon pod and are ready."},
             {"Up-to-date", "integer", "The number of nodes that are running updated daemon pod."},
             {"Available", "integer", "The number of nodes that have the daemon pod available."},
             {"Node Selector", "string", "The node selector of the pod template."},
             age,
             {"Containers", "string", "Names of each container in the template.", 1},
             {"Images", "string", "Images referenced by each container in the template.", 1},
             {"Selector", "string", "Label selector for pods.", 1}},
            [n](const boost::json::object& d, const std::string& a) -> Cells {
              std::vector<std::string> selector;
              if (const auto* ns = at(d, {"spec", "template", "spec", "nodeSelector"}); ns && ns->is_object()) {
                for (const auto& [k, v] : ns->as_object()) {
                  selector.push_back(std::string(k) + "=" + (v.is_string() ? std::string(v.as_string()) : ""));
                }
              }
              return {n(d),
                      num(d, {"status", "desiredNumberScheduled"}),
                      num(d, {"status", "currentNumberScheduled"}),
                      num(d, {"status", "numberReady"}),
                      num(d, {"status", "updatedNumberScheduled"}),
                      num(d, {"status", "numberAvailable"}),
                      selector.empty() ? "<none>" : join(selector),
                      a,
                      containers_field(d, "name"),
                      containers_field(d, "image"),
                      selector_string(d)};
            }};
  }
  if (resource == "services") {
    return {{name,
             {"Type", "string", "The type of the service."},
             {"Cluster-IP", "string", "The cluster IP of the service."},
             {"External-IP", "string", "The external IPs of the service."},
             {"Port(s)", "string", "The ports of the service."},
             age,
             {"Selector", "string", "The label selector of the service.", 1}},
            [n](const boost::json::object& s, const std::string& a) -> Cells {
              std::vector<std::string> selector;
              if (const auto* sel = at(s, {"spec", "selector"}); sel && sel->is_object()) {
                for (const auto& [k, v] : sel->as_object()) {
                  selector.push_back(std::string(k) + "=" + (v.is_string() ? std::string(v.as_string()) : ""));
                }
              }
              return {n(s),
                      str(s, {"spec", "type"}, "ClusterIP"),
                      str(s, {"spec", "clusterIP"}, "<none>"),
                      service_external_ip(s),
                      service_ports(s),
                      a,
                      selector.empty() ? "<none>" : join(selector)};
            }};
  }
  if (resource == "configmaps") {
    return {{name, {"Data", "string", "The number of keys in the config map."}, age},
            [n](const boost::json::object& c, const std::string& a) -> Cells {
              return {n(c), count(c, {"data"}) + count(c, {"binaryData"}), a};
            }};
  }
  if (resource == "secrets") {
    return {{name, {"Type", "string", "The type of the secret."}, {"Data", "string", "The number of keys."}, age},
            [n](const boost::json::object& s, const std::string& a) -> Cells {
              return {n(s), str(s, {"type"}, "Opaque"), count(s, {"data"}), a};
            }};
  }
  if (resource == "namespaces") {
    return {{name, {"Status", "string", "The status of the namespace"}, age},
            [n](const boost::json::object& ns, const std::string& a) -> Cells {
              return {n(ns), str(ns, {"status", "phase"}, "Active"), a};
            }};
  }
  if (resource == "nodes") {
    return {{name,
             {"Status", "string", "The status of the node"},
             {"Roles", "string", "The roles of the node"},
             age,
             {"Version", "string", "Kubelet Version reported by the node."},
             {"Internal-IP", "string", "List of internal IPs for the node.", 1},
             {"External-IP", "string", "List of external IPs for the node.", 1},
             {"OS-Image", "string", "OS Image reported by the node.", 1},
             {"Kernel-Version", "string", "Kernel Version reported by the node.", 1},
             {"Container-Runtime", "string", "Container Runtime Version reported by the node.", 1}},
            [n](const boost::json::object& node, const std::string& a) -> Cells {
              return {n(node),
                      node_status(node),
                      node_roles(node),
                      a,
                      str(node, {"status", "nodeInfo", "kubeletVersion"}, ""),
                      node_address(node, "InternalIP"),
                      node_address(node, "ExternalIP"),
                      str(node, {"status", "nodeInfo", "osImage"}, "<unknown>"),
                      str(node, {"status", "nodeInfo", "kernelVersion"}, "<unknown>"),
                      str(node, {"status", "nodeInfo", "containerRuntimeVersion"}, "<unknown>")};
            }};
  }
  if (resource == "endpoints") {
    return {{name, {"Endpoints", "string", "Endpoints of the service"}, age},
            [n](const boost::json::object& e, const std::string& a) -> Cells {
              return {n(e), endpoints_list(e), a};
            }};
  }
  if (resource == "events") {
    return {{{"Last Seen", "string", "Time since the event was last seen."},
             {"Type", "string", "Type of this event (Normal, Warning)."},
             {"Reason", "string", "The reason for the transition into the object's current status."},
             {"Object", "string", "The object this event is about."},
             {"Message", "string", "A human-readable description of the status of this operation."},
             {"Name", "string", "The name of the event.", 1}},
            [n](const boost::json::object& e, const std::string& a) -> Cells {
              std::string object = str(e, {"involvedObject", "kind"});
              for (char& c : object) {
                c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
              }
              std::time_t last = parse_timestamp(str(e, {"lastTimestamp"}, str(e, {"eventTime"})));
              std::string seen = last < 0 ? a : human_duration(std::time(nullptr) - last);
              return {seen,
                      str(e, {"type"}),
                      str(e, {"reason"}),
                      object + "/" + str(e, {"involvedObject", "name"}),
                      str(e, {"message"}),
                      n(e)};
            }};
  }
  if (resource == "serviceaccounts") {
    return {{name, {"Secrets", "string", "The number of secrets of the service account."}, age},
            [n](const boost::json::object& s, const std::string& a) -> Cells {
              return {n(s), count(s, {"secrets"}), a};
            }};
  }
  if (resource == "leases") {
    return {{name, {"Holder", "string", "The holder of the lease."}, age},
            [n](const boost::json::object& l, const std::string& a) -> Cells {
              return {n(l), str(l, {"spec", "holderIdentity"}), a};
            }};
  }
  if (resource == "horizontalpodautoscalers") {
    return {{name,
             {"Reference", "string", "The reference to the scaled object."},
             {"Targets", "string", "The current and target metrics."},
             {"MinPods", "string", "The lower limit of replicas."},
             {"MaxPods", "string", "The upper limit of replicas."},
             {"Replicas", "string", "The current number of replicas."},
             age},
            [n](const boost::json::object& served, const std::string& a) -> Cells {
              // The columns come from the v2 fields, as kube prints its internal version.
              boost::json::object h = str(served, {"apiVersion"}) == "autoscaling/v1" ? hpa_v1_to_v2(served) : served;
              return {n(h),
                      str(h, {"spec", "scaleTargetRef", "kind"}) + "/" + str(h, {"spec", "scaleTargetRef", "name"}),
                      hpa_targets(h),
                      num(h, {"spec", "minReplicas"}),
                      num(h, {"spec", "maxReplicas"}),
                      num(h, {"status", "currentReplicas"}),
                      a};
            }};
  }
  if (resource == "endpointslices") {
    return {{name,
             {"AddressType", "string", "The IP protocol family of the addresses."},
             {"Ports", "string", "The ports of the endpoints."},
             {"Endpoints", "string", "The addresses of the endpoints."},
             age},
            [n](const boost::json::object& s, const std::string& a) -> Cells {
              std::vector<std::string> ports;
              std::vector<std::string> addresses;
              if (const auto* list = at(s, {"ports"}); list && list->is_array()) {
                for (const auto& p : list->as_array()) {
                  ports.push_back(std::to_string(p.is_object() ? num(p.as_object(), {"port"}) : 0));
                }
              }
              if (const auto* list = at(s, {"endpoints"}); list && list->is_array()) {
                for (const auto& e : list->as_array()) {
                  const auto* addrs = e.is_object() ? e.as_object().if_contains("addresses") : nullptr;
                  for (const auto& ip : addrs && addrs->is_array() ? addrs->as_array() : boost::json::array{}) {
                    addresses.push_back(ip.is_string() ? std::string(ip.as_string()) : "");
                  }
                }
              }
              return {n(s), str(s, {"addressType"}), ports.empty() ? "<unset>" : join(ports),
                      addresses.empty() ? "<unset>" : join(addresses), a};
            }};
  }
  return {{name, age}, [n](const boost::json::object& o, const std::string& a) -> Cells { return {n(o), a}; }};
}

}  // namespace

std::string human_duration(int64_t seconds) {
  if (seconds < -1) {
    return "<invalid>";
  }
  if (seconds < 0) {
    return "0s";
  }
  if (seconds < 120) {
    return std::to_string(seconds) + "s";
  }
  int64_t minutes = seconds / 60;
  if (minutes < 10) {
    int64_t s = seconds % 60;
    return std::to_string(minutes) + "m" + (s == 0 ? "" : std::to_string(s) + "s");
  }
  if (minutes < 180) {
    return std::to_string(minutes) + "m";
  }
  int64_t hours = seconds / 3600;
  if (hours < 8) {
    int64_t m = minutes % 60;
    return std::to_string(hours) + "h" + (m == 0 ? "" : std::to_string(m) + "m");
  }
  if (hours < 48) {
    return std::to_string(hours) + "h";
  }
  if (hours < 24 * 8) {
    int64_t h = hours % 24;
    return std::to_string(hours / 24) + "d" + (h == 0 ? "" : std::to_string(h) + "h");
  }
  if (hours < 24 * 365 * 2) {
    return std::to_string(hours / 24) + "d";
  }
  if (hours < 24 * 365 * 8) {
    int64_t days = (hours / 24) % 365;
    return std::to_string(hours / 24 / 365) + "y" + (days == 0 ? "" : std::to_string(days) + "d");
  }
  return std::to_string(hours / 24 / 365) + "y";
}

std::time_t parse_timestamp(const std::string& text) {
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!end) {
    return -1;
  }
  return timegm(&tm);
}

boost::json::object make_table(const ResourceType& type, const std::vector<boost::json::object>& items,
                               IncludeObject include, bool with_columns, std::time_t now) {
  TableSpec spec = spec_for(type.resource);
  boost::json::array columns;
  for (const Column& c : spec.columns) {
    std::string format = std::string(c.name) == "Name" ? "name" : "";
    columns.push_back({{"name", c.name},
                       {"type", c.type},
                       {"format", format},
                       {"description", c.description},
                       {"priority", c.priority}});
  }
  boost::json::array rows;
  for (const boost::json::object& item : items) {
    std::time_t created = parse_timestamp(str(item, {"metadata", "creationTimestamp"}));
    std::string age = created < 0 ? "<unknown>" : human_duration(now - created);
    boost::json::object row{{"cells", spec.row(item, age)}};
    if (include == IncludeObject::object) {
      row["object"] = item;
    } else if (include == IncludeObject::metadata) {
      row["object"] = {{"kind", "PartialObjectMetadata"},
                       {"apiVersion", "meta.k8s.io/v1"},
                       {"metadata", item.contains("metadata") ? item.at("metadata") : boost::json::object{}}};
    }
    rows.push_back(std::move(row));
  }
  boost::json::object table{{"kind", "Table"}, {"apiVersion", "meta.k8s.io/v1"}, {"metadata", boost::json::object{}}};
  if (with_columns) {
    table["columnDefinitions"] = std::move(columns);
  }
  table["rows"] = std::move(rows);
  return table;
}

}  // namespace skiff::apiserver

#include "skiff/apiserver/defaults.h"

#include <string>

#include "skiff/base/base64.h"

namespace skiff::apiserver {

namespace {

boost::json::object& object_member(boost::json::object& parent, std::string_view key) {
  boost::json::value& v = parent[key];
  if (!v.is_object()) {
    v = boost::json::object{};
  }
  return v.as_object();
}

void set_default(boost::json::object& obj, std::string_view key, boost::json::value value) {
  if (const auto* existing = obj.if_contains(key); !existing || existing->is_null()) {
    obj[key] = std::move(value);
  }
}

// kube's rule: Always for an image without a tag or with :latest, IfNotPresent otherwise.
std::string default_pull_policy(const std::string& image) {
  if (image.find('@') != std::string::npos) {
    return "IfNotPresent";
  }
  size_t slash = image.rfind('/');
  size_t colon = image.rfind(':');
  bool has_tag = colon != std::string::npos && (slash == std::string::npos || colon > slash);
  return !has_tag || image.substr(colon + 1) == "latest" ? "Always" : "IfNotPresent";
}

void default_containers(boost::json::object& spec, std::string_view list_name) {
  auto* list = spec.if_contains(list_name);
  if (!list || !list->is_array()) {
    return;
  }
  for (auto& entry : list->as_array()) {
    if (!entry.is_object()) {
      continue;
    }
    auto& container = entry.as_object();
    const auto* image = container.if_contains("image");
    set_default(
        container, "imagePullPolicy",
        boost::json::string(default_pull_policy(image && image->is_string() ? image->as_string().c_str() : "")));
    set_default(container, "terminationMessagePath", "/dev/termination-log");
    set_default(container, "terminationMessagePolicy", "File");
    set_default(container, "resources", boost::json::object{});
    if (auto* ports = container.if_contains("ports"); ports && ports->is_array()) {
      for (auto& port : ports->as_array()) {
        if (port.is_object()) {
          set_default(port.as_object(), "protocol", "TCP");
        }
      }
    }
  }
}

void default_pod_spec(boost::json::object& spec) {
  set_default(spec, "restartPolicy", "Always");
  set_default(spec, "dnsPolicy", "ClusterFirst");
  set_default(spec, "terminationGracePeriodSeconds", 30);
  set_default(spec, "schedulerName", "default-scheduler");
  set_default(spec, "securityContext", boost::json::object{});
  default_containers(spec, "containers");
  default_containers(spec, "initContainers");
}

void default_workload_template(boost::json::object& spec) {
  if (auto* tmpl = spec.if_contains("template"); tmpl && tmpl->is_object()) {
    if (auto* pod_spec = tmpl->as_object().if_contains("spec"); pod_spec && pod_spec->is_object()) {
      default_pod_spec(pod_spec->as_object());
    }
  }
}

}  // namespace

void apply_defaults(const ResourceType& type, boost::json::object& object) {
  const std::string& r = type.resource;
  if (r == "pods") {
    default_pod_spec(object_member(object, "spec"));
    set_default(object_member(object, "status"), "phase", "Pending");
  } else if (r == "deployments") {
    auto& spec = object_member(object, "spec");
    set_default(spec, "replicas", 1);
    set_default(spec, "revisionHistoryLimit", 10);
    set_default(spec, "progressDeadlineSeconds", 600);
    auto& strategy = object_member(spec, "strategy");
    set_default(strategy, "type", "RollingUpdate");
    if (strategy["type"] == "RollingUpdate") {
      auto& rolling = object_member(strategy, "rollingUpdate");
      set_default(rolling, "maxUnavailable", "25%");
      set_default(rolling, "maxSurge", "25%");
    }
    default_workload_template(spec);
  } else if (r == "replicasets") {
    auto& spec = object_member(object, "spec");
    set_default(spec, "replicas", 1);
    default_workload_template(spec);
  } else if (r == "daemonsets") {
    auto& spec = object_member(object, "spec");
    set_default(spec, "revisionHistoryLimit", 10);
    auto& strategy = object_member(spec, "updateStrategy");
    set_default(strategy, "type", "RollingUpdate");
    if (strategy["type"] == "RollingUpdate") {
      auto& rolling = object_member(strategy, "rollingUpdate");
      set_default(rolling, "maxUnavailable", 1);
      set_default(rolling, "maxSurge", 0);
    }
    default_workload_template(spec);
  } else if (r == "services") {
    auto& spec = object_member(object, "spec");
    set_default(spec, "type", "ClusterIP");
    set_default(spec, "sessionAffinity", "None");
    if (auto* ports = spec.if_contains("ports"); ports && ports->is_array()) {
      for (auto& port : ports->as_array()) {
        if (port.is_object()) {
          auto& p = port.as_object();
          set_default(p, "protocol", "TCP");
          if (const auto* number = p.if_contains("port")) {
            set_default(p, "targetPort", *number);
          }
        }
      }
    }
  } else if (r == "secrets") {
    set_default(object, "type", "Opaque");
    if (auto* found = object.if_contains("stringData"); found && found->is_object()) {
      // A copy: adding data may move the object's members.
      boost::json::object string_data = found->as_object();
      auto& data = object_member(object, "data");
      for (const auto& [key, value] : string_data) {
        if (value.is_string()) {
          data[key] = base64_encode(value.as_string());
        }
      }
      object.erase("stringData");
    }
  } else if (r == "namespaces") {
    set_default(object_member(object, "spec"), "finalizers", boost::json::array{"kubernetes"});
    set_default(object_member(object, "status"), "phase", "Active");
  } else if (r == "horizontalpodautoscalers") {
    set_default(object_member(object, "spec"), "minReplicas", 1);
  }
}

}  // namespace skiff::apiserver

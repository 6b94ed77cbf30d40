#include "skiff/apiserver/validation.h"

#include <regex>

#include "skiff/apiserver/selectors.h"

namespace skiff::apiserver {

namespace {

const std::regex kDns1123Label("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
const std::regex kDns1123Subdomain("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
const std::regex kDns1035Label("[a-z]([-a-z0-9]*[a-z0-9])?");
const std::regex kQualifiedName("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");

std::string too_long(size_t max) {
  return "must be no more than " + std::to_string(max) + " characters";
}

StatusCause invalid_value(const std::string& field, const boost::json::value& value, const std::string& detail) {
  return {"FieldValueInvalid", "Invalid value: " + boost::json::serialize(value) + ": " + detail, field};
}

StatusCause required(const std::string& field) {
  return {"FieldValueRequired", "Required value", field};
}

const boost::json::object* object_at(const boost::json::object& parent, std::string_view key) {
  const auto* v = parent.if_contains(key);
  return v ? v->if_object() : nullptr;
}

std::string string_at(const boost::json::object& parent, std::string_view key) {
  const auto* v = parent.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : "";
}

void validate_string_map_labels(const boost::json::object* labels, const std::string& field,
                                std::vector<StatusCause>& causes) {
  if (!labels) {
    return;
  }
  for (const auto& [key, value] : *labels) {
    for (const std::string& message : label_key_errors(key)) {
      causes.push_back(invalid_value(field, boost::json::string(key), message));
    }
    if (!value.is_string()) {
      causes.push_back(invalid_value(field + "[" + std::string(key) + "]", value, "must be a string"));
      continue;
    }
    for (const std::string& message : label_value_errors(value.as_string())) {
      causes.push_back(invalid_value(field, value, message));
    }
  }
}

void validate_containers(const boost::json::object& pod_spec, const std::string& field,
                         std::vector<StatusCause>& causes) {
  const auto* containers = pod_spec.if_contains("containers");
  if (!containers || !containers->is_array() || containers->as_array().empty()) {
    causes.push_back(required(field + ".containers"));
    return;
  }
  for (const std::string list_name : {"containers", "initContainers"}) {
    const auto* list = pod_spec.if_contains(list_name);
    if (!list || !list->is_array()) {
      continue;
    }
    size_t i = 0;
    for (const auto& entry : list->as_array()) {
      std::string at = field + "." + list_name + "[" + std::to_string(i++) + "]";
      const auto* container = entry.if_object();
      if (!container) {
        causes.push_back(invalid_value(at, entry, "must be an object"));
        continue;
      }
      std::string name = string_at(*container, "name");
      if (name.empty()) {
        causes.push_back(required(at + ".name"));
      } else {
        for (const std::string& message : dns1123_label_errors(name)) {
          causes.push_back(invalid_value(at + ".name", boost::json::string(name), message));
        }
      }
      if (string_at(*container, "image").empty()) {
        causes.push_back(required(at + ".image"));
      }
    }
  }
}

// A workload's selector must be present and select its own template's labels.
void validate_workload(const boost::json::object& object, std::vector<StatusCause>& causes) {
  const auto* spec = object_at(object, "spec");
  if (!spec) {
    causes.push_back(required("spec"));
    return;
  }
  const auto* selector = object_at(*spec, "selector");
  if (!selector || selector->empty()) {
    causes.push_back(required("spec.selector"));
  }
  const auto* tmpl = object_at(*spec, "template");
  const auto* tmpl_meta = tmpl ? object_at(*tmpl, "metadata") : nullptr;
  const auto* tmpl_labels = tmpl_meta ? object_at(*tmpl_meta, "labels") : nullptr;
  if (selector && !selector->empty() && !LabelSelector::from_object(*selector).matches(tmpl_labels)) {
    causes.push_back(invalid_value("spec.template.metadata.labels",
                                   tmpl_labels ? boost::json::value(*tmpl_labels) : boost::json::value(),
                                   "`selector` does not match template `labels`"));
  }
  const auto* tmpl_spec = tmpl ? object_at(*tmpl, "spec") : nullptr;
  if (!tmpl_spec) {
    causes.push_back(required("spec.template.spec"));
  } else {
    validate_containers(*tmpl_spec, "spec.template.spec", causes);
  }
  if (const auto* replicas = spec->if_contains("replicas");
      replicas && replicas->is_int64() && replicas->as_int64() < 0) {
    causes.push_back(invalid_value("spec.replicas", *replicas, "must be greater than or equal to 0"));
  }
}

void validate_service(const boost::json::object& object, std::vector<StatusCause>& causes) {
  const auto* spec = object_at(object, "spec");
  std::string type = spec ? string_at(*spec, "type") : "";
  const auto* ports = spec ? spec->if_contains("ports") : nullptr;
  if (type != "ExternalName" && (!ports || !ports->is_array() || ports->as_array().empty())) {
    if (!spec || string_at(*spec, "clusterIP") != "None") {
      causes.push_back(required("spec.ports"));
    }
  }
  if (ports && ports->is_array()) {
    size_t i = 0;
    for (const auto& entry : ports->as_array()) {
      std::string at = "spec.ports[" + std::to_string(i++) + "]";
      const auto* port = entry.if_object();
      const auto* number = port ? port->if_contains("port") : nullptr;
      if (!number || !number->is_int64() || number->as_int64() < 1 || number->as_int64() > 65535) {
        causes.push_back(number ? invalid_value(at + ".port", *number, "must be between 1 and 65535, inclusive")
                                : required(at + ".port"));
      }
      if (ports->as_array().size() > 1 && port && string_at(*port, "name").empty()) {
        causes.push_back(required(at + ".name"));
      }
    }
  }
}

}  // namespace

std::vector<std::string> dns1123_label_errors(std::string_view value) {
  std::vector<std::string> errors;
  if (value.size() > 63) {
    errors.push_back(too_long(63));
  }
  if (!std::regex_match(value.begin(), value.end(), kDns1123Label)) {
    errors.emplace_back(
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and "
        "end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
        "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')");
  }
  return errors;
}

std::vector<std::string> dns1123_subdomain_errors(std::string_view value) {
  std::vector<std::string> errors;
  if (value.size() > 253) {
    errors.push_back(too_long(253));
  }
  if (!std::regex_match(value.begin(), value.end(), kDns1123Subdomain)) {
    errors.emplace_back(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
        "start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
        "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
  }
  return errors;
}

std::vector<std::string> dns1035_label_errors(std::string_view value) {
  std::vector<std::string> errors;
  if (value.size() > 63) {
    errors.push_back(too_long(63));
  }
  if (!std::regex_match(value.begin(), value.end(), kDns1035Label)) {
    errors.emplace_back(
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic "
        "character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for "
        "validation is '[a-z]([-a-z0-9]*[a-z0-9])?')");
  }
  return errors;
}

std::vector<std::string> path_segment_name_errors(std::string_view value) {
  if (value == "." || value == "..") {
    return {"may not be '" + std::string(value) + "'"};
  }
  if (value.find('/') != std::string_view::npos) {
    return {"may not contain '/'"};
  }
  if (value.find('%') != std::string_view::npos) {
    return {"may not contain '%'"};
  }
  return {};
}

std::vector<std::string> label_key_errors(std::string_view key) {
  std::string_view name = key;
  std::vector<std::string> errors;
  if (size_t slash = key.find('/'); slash != std::string_view::npos) {
    std::string_view prefix = key.substr(0, slash);
    name = key.substr(slash + 1);
    for (const std::string& message : dns1123_subdomain_errors(prefix)) {
      errors.push_back("prefix part " + message);
    }
  }
  if (name.empty() || name.size() > 63 || !std::regex_match(name.begin(), name.end(), kQualifiedName)) {
    errors.emplace_back(
        "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
        "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
        "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')");
  }
  return errors;
}

std::vector<std::string> label_value_errors(std::string_view value) {
  if (value.empty()) {
    return {};
  }
  if (value.size() > 63 || !std::regex_match(value.begin(), value.end(), kQualifiedName)) {
    return {
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must "
        "start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for "
        "validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"};
  }
  return {};
}

std::vector<StatusCause> validate_object(const ResourceType& type, const boost::json::object& object) {
  std::vector<StatusCause> causes;
  const auto* metadata = object_at(object, "metadata");
  std::string name = metadata ? string_at(*metadata, "name") : "";
  if (name.empty()) {
    causes.push_back({"FieldValueRequired", "Required value: name or generateName is required", "metadata.name"});
  } else {
    std::vector<std::string> errors;
    if (type.resource == "namespaces") {
      errors = dns1123_label_errors(name);
    } else if (type.resource == "services") {
      errors = dns1035_label_errors(name);
    } else if (type.resource == "events") {
      errors = path_segment_name_errors(name);
    } else {
      errors = dns1123_subdomain_errors(name);
    }
    for (const std::string& message : errors) {
      causes.push_back(invalid_value("metadata.name", boost::json::string(name), message));
    }
  }
  if (metadata) {
    validate_string_map_labels(object_at(*metadata, "labels"), "metadata.labels", causes);
  }
  if (type.resource == "pods") {
    const auto* spec = object_at(object, "spec");
    if (!spec) {
      causes.push_back(required("spec"));
    } else {
      validate_containers(*spec, "spec", causes);
    }
  } else if (type.resource == "deployments" || type.resource == "replicasets" || type.resource == "daemonsets") {
    validate_workload(object, causes);
  } else if (type.resource == "services") {
    validate_service(object, causes);
  }
  return causes;
}

void check_valid(const ResourceType& type, const boost::json::object& object) {
  std::vector<StatusCause> causes = validate_object(type, object);
  if (!causes.empty()) {
    const auto* metadata = object_at(object, "metadata");
    throw invalid(type.group, type.kind, metadata ? string_at(*metadata, "name") : "", std::move(causes));
  }
}

}  // namespace skiff::apiserver

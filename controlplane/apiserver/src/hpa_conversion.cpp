#include "hpa_conversion.h"

#include <array>
#include <cctype>
#include <optional>
#include <string>
#include <string_view>

#include "skiff/apiserver/status.h"
#include "skiff/base/strings.h"

namespace skiff::apiserver {

namespace {

// A field of a v1 metric source or status and where v2 keeps it (dotted paths).
struct FieldPair {
  std::string_view v1;
  std::string_view v2;
};

using FieldTable = std::array<FieldPair, 5>;

// kube's v1<->internal conversion functions of one metric source, as tables for its MetricSpec
// and its MetricStatus; empty rows pad the shorter ones.
struct MetricSourceFields {
  std::string_view member;  // "resource": the member of MetricSpec and MetricStatus that holds it
  FieldTable spec;
  FieldTable status;
};

const FieldTable& fields_of(std::string_view member, bool spec) {
  static const std::array<MetricSourceFields, 5> sources{{
      {"resource",
       {{{"name", "name"},
         {"targetAverageUtilization", "target.averageUtilization"},
         {"targetAverageValue", "target.averageValue"}}},
       {{{"name", "name"},
         {"currentAverageUtilization", "current.averageUtilization"},
         {"currentAverageValue", "current.averageValue"}}}},
      {"containerResource",
       {{{"name", "name"},
         {"container", "container"},
         {"targetAverageUtilization", "target.averageUtilization"},
         {"targetAverageValue", "target.averageValue"}}},
       {{{"name", "name"},
         {"container", "container"},
         {"currentAverageUtilization", "current.averageUtilization"},
         {"currentAverageValue", "current.averageValue"}}}},
      {"pods",
       {{{"metricName", "metric.name"},
         {"selector", "metric.selector"},
         {"targetAverageValue", "target.averageValue"}}},
       {{{"metricName", "metric.name"},
         {"selector", "metric.selector"},
         {"currentAverageValue", "current.averageValue"}}}},
      {"object",
       {{{"target", "describedObject"},
         {"metricName", "metric.name"},
         {"selector", "metric.selector"},
         {"targetValue", "target.value"},
         {"averageValue", "target.averageValue"}}},
       {{{"target", "describedObject"},
         {"metricName", "metric.name"},
         {"selector", "metric.selector"},
         {"currentValue", "current.value"},
         {"averageValue", "current.averageValue"}}}},
      {"external",
       {{{"metricName", "metric.name"},
         {"metricSelector", "metric.selector"},
         {"targetValue", "target.value"},
         {"targetAverageValue", "target.averageValue"}}},
       {{{"metricName", "metric.name"},
         {"metricSelector", "metric.selector"},
         {"currentValue", "current.value"},
         {"currentAverageValue", "current.averageValue"}}}},
  }};
  static const FieldTable none{};
  for (const MetricSourceFields& source : sources) {
    if (source.member == member) {
      return spec ? source.spec : source.status;
    }
  }
  return none;
}

const boost::json::value* at_path(const boost::json::object& object, std::string_view path) {
  const boost::json::object* current = &object;
  const boost::json::value* found = nullptr;
  for (const std::string& key : split(path, '.')) {
    if (!current) {
      return nullptr;
    }
    found = current->if_contains(key);
    if (!found) {
      return nullptr;
    }
    current = found->if_object();
  }
  return found;
}

void set_path(boost::json::object& object, std::string_view path, const boost::json::value& value) {
  std::vector<std::string> keys = split(path, '.');
  boost::json::object* current = &object;
  for (size_t i = 0; i + 1 < keys.size(); ++i) {
    boost::json::value& next = (*current)[keys[i]];
    if (!next.is_object()) {
      next = boost::json::object{};
    }
    current = &next.as_object();
  }
  (*current)[keys.back()] = value;
}

const boost::json::object& object_at(const boost::json::object& object, std::string_view key) {
  static const boost::json::object empty;
  const auto* value = object.if_contains(key);
  return value && value->is_object() ? value->as_object() : empty;
}

const boost::json::array& array_at(const boost::json::object& object, std::string_view key) {
  static const boost::json::array empty;
  const auto* value = object.if_contains(key);
  return value && value->is_array() ? value->as_array() : empty;
}

void copy_field(const boost::json::object& from, boost::json::object& to, std::string_view key) {
  if (const auto* value = from.if_contains(key)) {
    to[key] = *value;
  }
}

// "Resource" -> "resource": the member of a MetricSpec or MetricStatus that holds its source.
std::string member_of(const boost::json::object& metric) {
  const auto* type = metric.if_contains("type");
  std::string member = type && type->is_string() ? std::string(type->as_string()) : "";
  if (!member.empty()) {
    member[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(member[0])));
  }
  return member;
}

// The v2 MetricTarget type kube's v1->internal conversions give each source.
std::string_view target_type(std::string_view member, const boost::json::object& target) {
  if (member == "resource" || member == "containerResource") {
    return target.contains("averageUtilization") ? "Utilization" : "AverageValue";
  }
  if (member == "object") {
    return target.contains("averageValue") ? "AverageValue" : "Value";
  }
  if (member == "external") {
    return target.contains("value") ? "Value" : "AverageValue";
  }
  return "AverageValue";
}

// One MetricSpec (spec) or MetricStatus between the versions, field by field.
boost::json::object convert_metric(const boost::json::object& metric, bool spec, bool to_v1) {
  std::string member = member_of(metric);
  boost::json::object out{{"type", metric.contains("type") ? metric.at("type") : boost::json::value("")}};
  const boost::json::object& source = object_at(metric, member);
  boost::json::object converted;
  for (const FieldPair& pair : fields_of(member, spec)) {
    if (pair.v1.empty()) {
      continue;
    }
    if (const auto* value = at_path(source, to_v1 ? pair.v2 : pair.v1)) {
      set_path(converted, to_v1 ? pair.v1 : pair.v2, *value);
    }
  }
  if (spec && !to_v1) {
    std::string_view type = target_type(member, object_at(converted, "target"));
    set_path(converted, "target.type", boost::json::value(type));
  }
  if (!member.empty()) {
    out[member] = std::move(converted);
  }
  return out;
}

bool is_cpu_resource(const boost::json::object& metric) {
  return member_of(metric) == "resource" && object_at(metric, "resource").contains("name") &&
         object_at(metric, "resource").at("name") == "cpu";
}

// kube's internal HPA behavior type has no JSON tags: its annotation spells fields as Go does.
boost::json::value recase_keys(const boost::json::value& value, bool upper) {
  if (value.is_array()) {
    boost::json::array out;
    for (const auto& item : value.as_array()) {
      out.push_back(recase_keys(item, upper));
    }
    return out;
  }
  if (!value.is_object()) {
    return value;
  }
  boost::json::object out;
  for (const auto& [key, member] : value.as_object()) {
    std::string name(key);
    if (!name.empty()) {
      auto c = static_cast<unsigned char>(name[0]);
      name[0] = static_cast<char>(upper ? std::toupper(c) : std::tolower(c));
    }
    out[name] = recase_keys(member, upper);
  }
  return out;
}

// The JSON in annotation `name`, taken out of annotations; null when absent.
boost::json::value take_annotation(boost::json::object& annotations, const char* name) {
  auto* text = annotations.if_contains(name);
  if (!text) {
    return nullptr;
  }
  boost::system::error_code ec;
  boost::json::value value = text->is_string() ? boost::json::parse(text->as_string(), ec) : boost::json::value();
  if (ec || !text->is_string()) {
    throw bad_request(std::string("the annotation ") + name + " of the HorizontalPodAutoscaler is not valid JSON" +
                      (ec ? ": " + ec.message() : ""));
  }
  annotations.erase(name);
  return value;
}

boost::json::array as_array_or_throw(const boost::json::value& value, const char* name) {
  if (value.is_null()) {
    return {};
  }
  if (!value.is_array()) {
    throw bad_request(std::string("the annotation ") + name + " of the HorizontalPodAutoscaler is not a JSON list");
  }
  return value.as_array();
}

}  // namespace

void drop_hpa_round_trip_annotations(boost::json::object& hpa) {
  auto* metadata = hpa.if_contains("metadata");
  auto* annotations = metadata && metadata->is_object() ? metadata->as_object().if_contains("annotations") : nullptr;
  if (!annotations || !annotations->is_object()) {
    return;
  }
  for (const char* name :
       {kHpaMetricsAnnotation, kHpaCurrentMetricsAnnotation, kHpaConditionsAnnotation, kHpaBehaviorAnnotation}) {
    annotations->as_object().erase(name);
  }
  if (annotations->as_object().empty()) {
    metadata->as_object().erase("annotations");
  }
}

boost::json::object hpa_v2_to_v1(const boost::json::object& v2) {
  boost::json::object without_stale = v2;
  drop_hpa_round_trip_annotations(without_stale);
  boost::json::object metadata = object_at(without_stale, "metadata");
  const boost::json::object& spec = object_at(v2, "spec");
  boost::json::object out_spec;
  copy_field(spec, out_spec, "scaleTargetRef");
  copy_field(spec, out_spec, "minReplicas");
  copy_field(spec, out_spec, "maxReplicas");
  bool cpu_seen = false;
  boost::json::array other_metrics;
  for (const auto& item : array_at(spec, "metrics")) {
    const boost::json::object* metric = item.if_object();
    if (!metric) {
      continue;
    }
    const boost::json::value* utilization =
        is_cpu_resource(*metric) ? at_path(*metric, "resource.target.averageUtilization") : nullptr;
    if (is_cpu_resource(*metric) && !cpu_seen) {
      cpu_seen = true;
      if (utilization) {
        out_spec["targetCPUUtilizationPercentage"] = *utilization;
      }
    }
    if (!utilization) {
      other_metrics.push_back(convert_metric(*metric, true, true));
    }
  }
  boost::json::object annotations = object_at(metadata, "annotations");
  if (!other_metrics.empty()) {
    annotations[kHpaMetricsAnnotation] = boost::json::serialize(other_metrics);
  }
  if (const auto* behavior = spec.if_contains("behavior")) {
    annotations[kHpaBehaviorAnnotation] = boost::json::serialize(recase_keys(*behavior, true));
  }
  std::optional<boost::json::object> out_status_of;
  if (const auto* status_value = v2.if_contains("status"); status_value && status_value->is_object()) {
    const boost::json::object& status = status_value->as_object();
    // v1's currentReplicas and desiredReplicas are always written (no omitempty).
    boost::json::object out_status{{"currentReplicas", 0}, {"desiredReplicas", 0}};
    for (std::string_view key : {"observedGeneration", "lastScaleTime", "currentReplicas", "desiredReplicas"}) {
      copy_field(status, out_status, key);
    }
    boost::json::array current_metrics;
    for (const auto& item : array_at(status, "currentMetrics")) {
      if (const boost::json::object* metric = item.if_object()) {
        if (is_cpu_resource(*metric)) {
          if (const auto* current = at_path(*metric, "resource.current.averageUtilization")) {
            out_status["currentCPUUtilizationPercentage"] = *current;
          }
        }
        current_metrics.push_back(convert_metric(*metric, false, true));
      }
    }
    if (!current_metrics.empty()) {
      annotations[kHpaCurrentMetricsAnnotation] = boost::json::serialize(current_metrics);
    }
    if (const auto& conditions = array_at(status, "conditions"); !conditions.empty()) {
      annotations[kHpaConditionsAnnotation] = boost::json::serialize(conditions);
    }
    out_status_of = std::move(out_status);
  }
  if (!annotations.empty()) {
    metadata["annotations"] = std::move(annotations);
  }
  boost::json::object out{{"apiVersion", "autoscaling/v1"},
                          {"kind", "HorizontalPodAutoscaler"},
                          {"metadata", std::move(metadata)},
                          {"spec", std::move(out_spec)}};
  if (out_status_of) {
    out["status"] = std::move(*out_status_of);
  }
  return out;
}

boost::json::object hpa_v1_to_v2(const boost::json::object& v1) {
  boost::json::object metadata = object_at(v1, "metadata");
  boost::json::object annotations = object_at(metadata, "annotations");
  const boost::json::object& spec = object_at(v1, "spec");
  boost::json::object out_spec;
  copy_field(spec, out_spec, "scaleTargetRef");
  copy_field(spec, out_spec, "minReplicas");
  copy_field(spec, out_spec, "maxReplicas");
  boost::json::array metrics;
  for (const auto& item :
       as_array_or_throw(take_annotation(annotations, kHpaMetricsAnnotation), kHpaMetricsAnnotation)) {
    if (const boost::json::object* metric = item.if_object()) {
      metrics.push_back(convert_metric(*metric, true, false));
    }
  }
  // v1's implicit target (80% CPU) is explicit in v2, as kube's conversion makes it.
  const auto* cpu = spec.if_contains("targetCPUUtilizationPercentage");
  if (cpu || metrics.empty()) {
    boost::json::value utilization = cpu ? *cpu : boost::json::value(80);
    metrics.push_back(
        {{"type", "Resource"},
         {"resource", {{"name", "cpu"}, {"target", {{"type", "Utilization"}, {"averageUtilization", utilization}}}}}});
  }
  out_spec["metrics"] = std::move(metrics);
  if (boost::json::value behavior = take_annotation(annotations, kHpaBehaviorAnnotation); !behavior.is_null()) {
    out_spec["behavior"] = recase_keys(behavior, false);
  }
  boost::json::value current_metrics = take_annotation(annotations, kHpaCurrentMetricsAnnotation);
  boost::json::value conditions = take_annotation(annotations, kHpaConditionsAnnotation);
  boost::json::object out{{"apiVersion", "autoscaling/v2"}, {"kind", "HorizontalPodAutoscaler"}};
  if (annotations.empty()) {
    metadata.erase("annotations");
  } else {
    metadata["annotations"] = std::move(annotations);
  }
  out["metadata"] = std::move(metadata);
  out["spec"] = std::move(out_spec);
  if (const auto* status_value = v1.if_contains("status"); status_value && status_value->is_object()) {
    const boost::json::object& status = status_value->as_object();
    boost::json::object out_status;
    for (std::string_view key : {"observedGeneration", "lastScaleTime", "currentReplicas", "desiredReplicas"}) {
      copy_field(status, out_status, key);
    }
    if (const auto* replicas = out_status.if_contains("currentReplicas"); replicas && *replicas == 0) {
      out_status.erase("currentReplicas");  // omitempty in v2
    }
    if (!current_metrics.is_null()) {
      // The annotation has more than currentCPUUtilizationPercentage: it wins, as in kube.
      boost::json::array converted;
      for (const auto& item : as_array_or_throw(current_metrics, kHpaCurrentMetricsAnnotation)) {
        if (const boost::json::object* metric = item.if_object()) {
          converted.push_back(convert_metric(*metric, false, false));
        }
      }
      out_status["currentMetrics"] = std::move(converted);
    } else if (const auto* current = status.if_contains("currentCPUUtilizationPercentage")) {
      out_status["currentMetrics"] = boost::json::array{
          {{"type", "Resource"}, {"resource", {{"name", "cpu"}, {"current", {{"averageUtilization", *current}}}}}}};
    }
    if (!conditions.is_null()) {
      out_status["conditions"] = as_array_or_throw(conditions, kHpaConditionsAnnotation);
    }
    out["status"] = std::move(out_status);
  }
  return out;
}

}  // namespace skiff::apiserver

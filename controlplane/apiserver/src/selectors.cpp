#include "skiff/apiserver/selectors.h"

#include <algorithm>
#include <set>

#include "skiff/apiserver/status.h"
#include "skiff/base/strings.h"

namespace skiff::apiserver {

namespace {

// Splits on commas outside parentheses ("a in (x,y),b" -> {"a in (x,y)", "b"}).
std::vector<std::string> split_terms(std::string_view text) {
  std::vector<std::string> terms;
  std::string current;
  int depth = 0;
  for (char c : text) {
    if (c == '(') {
      ++depth;
    } else if (c == ')') {
      --depth;
    }
    if (c == ',' && depth == 0) {
      terms.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  terms.push_back(current);
  return terms;
}

void check_label_key(const std::string& key, std::string_view text) {
  if (key.empty() || key.find_first_of(" \t=!()") != std::string::npos) {
    throw bad_request("unable to parse requirement: invalid label key \"" + key + "\" in selector \"" +
                      std::string(text) + "\"");
  }
}

}  // namespace

LabelSelector LabelSelector::parse(std::string_view text) {
  LabelSelector selector;
  if (trim(text).empty()) {
    return selector;
  }
  for (const std::string& raw : split_terms(text)) {
    std::string term(trim(raw));
    Requirement req;
    size_t pos = 0;
    if (term.starts_with("!")) {
      req.key = std::string(trim(std::string_view(term).substr(1)));
      req.op = Op::not_exists;
    } else if ((pos = term.find("!=")) != std::string::npos) {
      req.key = std::string(trim(std::string_view(term).substr(0, pos)));
      req.op = Op::not_equals;
      req.values = {std::string(trim(std::string_view(term).substr(pos + 2)))};
    } else if ((pos = term.find("==")) != std::string::npos) {
      req.key = std::string(trim(std::string_view(term).substr(0, pos)));
      req.op = Op::equals;
      req.values = {std::string(trim(std::string_view(term).substr(pos + 2)))};
    } else if ((pos = term.find('=')) != std::string::npos) {
      req.key = std::string(trim(std::string_view(term).substr(0, pos)));
      req.op = Op::equals;
      req.values = {std::string(trim(std::string_view(term).substr(pos + 1)))};
    } else if (size_t open = term.find('('); open != std::string::npos) {
      size_t close = term.rfind(')');
      std::vector<std::string> words = split(trim(std::string_view(term).substr(0, open)), ' ');
      words.erase(std::remove(words.begin(), words.end(), ""), words.end());
      if (close == std::string::npos || close < open || words.size() != 2 ||
          (words[1] != "in" && words[1] != "notin")) {
        throw bad_request("unable to parse requirement: found '" + term + "' in selector \"" + std::string(text) +
                          "\"");
      }
      req.key = words[0];
      req.op = words[1] == "in" ? Op::in : Op::not_in;
      for (const std::string& value : split(std::string_view(term).substr(open + 1, close - open - 1), ',')) {
        req.values.emplace_back(trim(value));
      }
    } else {
      req.key = term;
      req.op = Op::exists;
    }
    check_label_key(req.key, text);
    selector.requirements_.push_back(std::move(req));
  }
  return selector;
}

LabelSelector LabelSelector::from_object(const boost::json::object& object) {
  LabelSelector selector;
  if (const auto* match_labels = object.if_contains("matchLabels"); match_labels && match_labels->is_object()) {
    for (const auto& [key, value] : match_labels->as_object()) {
      if (value.is_string()) {
        selector.requirements_.push_back({std::string(key), Op::equals, {std::string(value.as_string())}});
      }
    }
  }
  if (const auto* expressions = object.if_contains("matchExpressions"); expressions && expressions->is_array()) {
    for (const auto& entry : expressions->as_array()) {
      if (!entry.is_object()) {
        continue;
      }
      const auto& expr = entry.as_object();
      Requirement req;
      req.key = expr.contains("key") && expr.at("key").is_string() ? std::string(expr.at("key").as_string()) : "";
      std::string op = expr.contains("operator") && expr.at("operator").is_string()
                           ? std::string(expr.at("operator").as_string())
                           : "";
      req.op = op == "In" ? Op::in : op == "NotIn" ? Op::not_in : op == "Exists" ? Op::exists : Op::not_exists;
      if (const auto* values = expr.if_contains("values"); values && values->is_array()) {
        for (const auto& v : values->as_array()) {
          if (v.is_string()) {
            req.values.emplace_back(v.as_string());
          }
        }
      }
      selector.requirements_.push_back(std::move(req));
    }
  }
  return selector;
}

bool LabelSelector::matches(const boost::json::object* labels) const {
  for (const Requirement& req : requirements_) {
    const boost::json::value* found = labels ? labels->if_contains(req.key) : nullptr;
    std::string value = found && found->is_string() ? std::string(found->as_string()) : "";
    bool in_values = found && std::find(req.values.begin(), req.values.end(), value) != req.values.end();
    switch (req.op) {
      case Op::equals:
      case Op::in:
        if (!in_values) {
          return false;
        }
        break;
      case Op::not_equals:
      case Op::not_in:
        if (in_values) {
          return false;
        }
        break;
      case Op::exists:
        if (!found) {
          return false;
        }
        break;
      case Op::not_exists:
        if (found) {
          return false;
        }
        break;
    }
  }
  return true;
}

std::string LabelSelector::to_string() const {
  std::string out;
  for (const Requirement& req : requirements_) {
    if (!out.empty()) {
      out += ",";
    }
    auto joined = [&] {
      std::string list;
      for (const std::string& v : req.values) {
        list += (list.empty() ? "" : ",") + v;
      }
      return list;
    };
    switch (req.op) {
      case Op::equals:
        out += req.key + "=" + req.values.front();
        break;
      case Op::not_equals:
        out += req.key + "!=" + req.values.front();
        break;
      case Op::in:
        out += req.key + " in (" + joined() + ")";
        break;
      case Op::not_in:
        out += req.key + " notin (" + joined() + ")";
        break;
      case Op::exists:
        out += req.key;
        break;
      case Op::not_exists:
        out += "!" + req.key;
        break;
    }
  }
  return out;
}

namespace {

// The fields kube's field selectors accept per resource (besides metadata.name and
// metadata.namespace, which every resource has).
bool field_supported(const std::string& resource, const std::string& field) {
  static const std::set<std::pair<std::string, std::string>> fields = {
      {"pods", "spec.nodeName"},
      {"pods", "spec.restartPolicy"},
      {"pods", "spec.schedulerName"},
      {"pods", "spec.serviceAccountName"},
      {"pods", "spec.hostNetwork"},
      {"pods", "status.phase"},
      {"pods", "status.podIP"},
      {"pods", "status.nominatedNodeName"},
      {"nodes", "spec.unschedulable"},
      {"namespaces", "status.phase"},
      {"secrets", "type"},
      {"replicasets", "status.replicas"},
      {"events", "reason"},
      {"events", "reportingComponent"},
      {"events", "source"},
      {"events", "type"},
  };
  if (field == "metadata.name" || field == "metadata.namespace") {
    return true;
  }
  if (resource == "events" && field.starts_with("involvedObject.")) {
    return true;
  }
  return fields.contains({resource, field});
}

}  // namespace

FieldSelector FieldSelector::parse(std::string_view text, const std::string& resource) {
  FieldSelector selector;
  if (trim(text).empty()) {
    return selector;
  }
  for (const std::string& raw : split_terms(text)) {
    std::string term(trim(raw));
    Requirement req;
    size_t pos = 0;
    size_t width = 0;
    if ((pos = term.find("!=")) != std::string::npos) {
      req.equals = false;
      width = 2;
    } else if ((pos = term.find("==")) != std::string::npos) {
      req.equals = true;
      width = 2;
    } else if ((pos = term.find('=')) != std::string::npos) {
      req.equals = true;
      width = 1;
    } else {
      throw bad_request("invalid field selector: \"" + term + "\": no operator");
    }
    req.field = std::string(trim(std::string_view(term).substr(0, pos)));
    req.value = std::string(trim(std::string_view(term).substr(pos + width)));
    if (!field_supported(resource, req.field)) {
      throw bad_request("field label not supported: " + req.field);
    }
    selector.requirements_.push_back(std::move(req));
  }
  return selector;
}

bool FieldSelector::matches(const boost::json::object& object) const {
  return std::all_of(requirements_.begin(), requirements_.end(), [&](const Requirement& req) {
    return (field_value(object, req.field) == req.value) == req.equals;
  });
}

std::string FieldSelector::required_name() const {
  for (const Requirement& req : requirements_) {
    if (req.field == "metadata.name" && req.equals) {
      return req.value;
    }
  }
  return "";
}

std::string field_value(const boost::json::object& object, std::string_view path) {
  const boost::json::object* current = &object;
  const boost::json::value* value = nullptr;
  for (const std::string& part : split(path, '.')) {
    if (!current) {
      return "";
    }
    value = current->if_contains(part);
    if (!value) {
      return "";
    }
    current = value->if_object();
  }
  if (!value || value->is_null()) {
    return "";
  }
  if (value->is_string()) {
    return std::string(value->as_string());
  }
  return boost::json::serialize(*value);
}

}  // namespace skiff::apiserver

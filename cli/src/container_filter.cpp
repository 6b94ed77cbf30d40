#include "container_filter.h"

#include <algorithm>
#include <regex>

#include "skiff/base/error.h"

namespace skiff::cli {

namespace {

constexpr const char* kKeys[] = {"id", "name", "label", "status", "exited", "ancestor", "pod"};
constexpr const char* kStatuses[] = {"created", "running", "restarting", "exited", "unknown"};

bool label_matches(const pod::ContainerInfo& info, const std::string& value) {
  auto eq = value.find('=');
  auto found = info.labels.find(value.substr(0, eq));
  return found != info.labels.end() && (eq == std::string::npos || found->second == value.substr(eq + 1));
}

// An image as the user named it, or its id (with or without "sha256:", or a prefix of it).
bool ancestor_matches(const pod::ContainerInfo& info, const std::string& value) {
  std::string id = info.image_id.starts_with("sha256:") ? info.image_id.substr(7) : info.image_id;
  std::string wanted = value.starts_with("sha256:") ? value.substr(7) : value;
  return info.image == value || info.image.starts_with(value + ":") || (!wanted.empty() && id.starts_with(wanted));
}

bool term_matches(const pod::ContainerInfo& info, const std::string& key, const std::string& value) {
  if (key == "id") {
    return info.id.starts_with(value);
  }
  if (key == "name") {
    return std::regex_search(info.name, std::regex(value));
  }
  if (key == "label") {
    return label_matches(info, value);
  }
  if (key == "status") {
    return pod::container_status_name(info.status) == value;
  }
  if (key == "exited") {
    return info.status == pod::ContainerStatusKind::exited && std::to_string(info.exit_code) == value;
  }
  if (key == "ancestor") {
    return ancestor_matches(info, value);
  }
  return info.pod == value || (!value.empty() && !info.pod.empty() && info.pod.starts_with(value));
}

}  // namespace

ContainerFilter::ContainerFilter(const std::vector<std::string>& terms) {
  for (const auto& term : terms) {
    auto eq = term.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw Error("--filter: want KEY=VALUE (got \"" + term + "\")");
    }
    std::string key = term.substr(0, eq);
    std::string value = term.substr(eq + 1);
    if (std::find(std::begin(kKeys), std::end(kKeys), key) == std::end(kKeys)) {
      throw Error("--filter: unknown key \"" + key + "\" (want id, name, label, status, exited, ancestor or pod)");
    }
    if (key == "status" && std::find(std::begin(kStatuses), std::end(kStatuses), value) == std::end(kStatuses)) {
      throw Error("--filter: unknown status \"" + value + "\" (want created, running, restarting, exited or unknown)");
    }
    if (key == "name") {
      try {
        std::regex check(value);
      } catch (const std::regex_error& e) {
        throw Error("--filter: name=" + value + " is not a valid regular expression: " + e.what());
      }
    }
    terms_[key].push_back(value);
  }
}

bool ContainerFilter::matches(const pod::ContainerInfo& info) const {
  return std::all_of(terms_.begin(), terms_.end(), [&](const auto& entry) {
    const auto& [key, values] = entry;
    return std::any_of(values.begin(), values.end(),
                       [&, &key = key](const std::string& value) { return term_matches(info, key, value); });
  });
}

bool ContainerFilter::wants_stopped() const {
  return terms_.contains("exited") ||
         (terms_.contains("status") && std::any_of(terms_.at("status").begin(), terms_.at("status").end(),
                                                   [](const std::string& s) { return s != "running"; }));
}

}  // namespace skiff::cli

#include "skiff/apiserver/status.h"

#include <utility>

namespace skiff::apiserver {

ApiError::ApiError(int code, std::string reason, const std::string& message)
    : Error(message), http_code_(code), reason_(std::move(reason)) {}

boost::json::object ApiError::to_status() const {
  boost::json::object status{{"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", boost::json::object{}},
                             {"status", "Failure"}, {"message", what()},  {"reason", reason_},
                             {"code", http_code_}};
  boost::json::object details;
  if (!name.empty()) {
    details["name"] = name;
  }
  if (!group.empty()) {
    details["group"] = group;
  }
  if (!kind.empty()) {
    details["kind"] = kind;
  }
  if (!causes.empty()) {
    boost::json::array list;
    for (const StatusCause& cause : causes) {
      list.push_back(boost::json::object{{"reason", cause.reason}, {"message", cause.message}, {"field", cause.field}});
    }
    details["causes"] = std::move(list);
  }
  if (!details.empty()) {
    status["details"] = std::move(details);
  }
  return status;
}

namespace {

// "pods" or "deployments.apps", as kube names a resource in messages.
std::string qualified(const std::string& group, const std::string& resource) {
  return group.empty() ? resource : resource + "." + group;
}

ApiError with_details(ApiError error, const std::string& group, const std::string& kind, const std::string& name) {
  error.group = group;
  error.kind = kind;
  error.name = name;
  return error;
}

}  // namespace

ApiError not_found(const std::string& group, const std::string& resource, const std::string& name) {
  return with_details(ApiError(404, "NotFound", qualified(group, resource) + " \"" + name + "\" not found"), group,
                      resource, name);
}

ApiError already_exists(const std::string& group, const std::string& resource, const std::string& name) {
  return with_details(ApiError(409, "AlreadyExists", qualified(group, resource) + " \"" + name + "\" already exists"),
                      group, resource, name);
}

ApiError conflict(const std::string& group, const std::string& resource, const std::string& name,
                  const std::string& why) {
  return with_details(
      ApiError(409, "Conflict",
               "Operation cannot be fulfilled on " + qualified(group, resource) + " \"" + name + "\": " + why),
      group, resource, name);
}

ApiError bad_request(const std::string& message) {
  return {400, "BadRequest", message};
}

ApiError method_not_allowed(const std::string& message) {
  return {405, "MethodNotAllowed", message};
}

ApiError gone(const std::string& message) {
  return {410, "Expired", message};
}

ApiError invalid(const std::string& group, const std::string& kind, const std::string& name,
                 std::vector<StatusCause> causes) {
  std::string message = kind + " \"" + name + "\" is invalid: ";
  if (causes.size() > 1) {
    message += "[";
  }
  for (size_t i = 0; i < causes.size(); ++i) {
    message += (i > 0 ? ", " : "") + causes[i].field + ": " + causes[i].message;
  }
  if (causes.size() > 1) {
    message += "]";
  }
  ApiError error = with_details(ApiError(422, "Invalid", message), group, kind, name);
  error.causes = std::move(causes);
  return error;
}

boost::json::object success_status(const std::string& group, const std::string& kind, const std::string& name,
                                   const std::string& uid) {
  boost::json::object details{{"name", name}, {"kind", kind}};
  if (!group.empty()) {
    details["group"] = group;
  }
  if (!uid.empty()) {
    details["uid"] = uid;
  }
  return {{"kind", "Status"},
          {"apiVersion", "v1"},
          {"metadata", boost::json::object{}},
          {"status", "Success"},
          {"details", std::move(details)}};
}

}  // namespace skiff::apiserver

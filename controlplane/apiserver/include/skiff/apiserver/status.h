#pragma once

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "skiff/base/error.h"

namespace skiff::apiserver {

// One field error of a 422 Invalid answer (metav1.StatusCause).
struct StatusCause {
  std::string reason;  // FieldValueInvalid, FieldValueRequired, FieldValueNotSupported, ...
  std::string message;
  std::string field;
};

// An error that reaches the client as a Kubernetes Status object with this HTTP code and
// reason (NotFound, AlreadyExists, Conflict, Invalid, BadRequest, ...).
class ApiError : public Error {
 public:
  ApiError(int code, std::string reason, const std::string& message);

  [[nodiscard]] int http_code() const { return http_code_; }
  [[nodiscard]] const std::string& reason() const { return reason_; }

  // details of the Status: the object's name, group and kind (the resource's plural when kube
  // uses it), and the causes of an Invalid.
  std::string name;
  std::string group;
  std::string kind;
  std::vector<StatusCause> causes;

  [[nodiscard]] boost::json::object to_status() const;

 private:
  int http_code_;
  std::string reason_;
};

// The errors kube's API machinery makes (k8s.io/apimachinery/pkg/api/errors), with its messages.
ApiError not_found(const std::string& group, const std::string& resource, const std::string& name);
ApiError already_exists(const std::string& group, const std::string& resource, const std::string& name);
ApiError conflict(const std::string& group, const std::string& resource, const std::string& name,
                  const std::string& why);
ApiError bad_request(const std::string& message);
ApiError method_not_allowed(const std::string& message);
ApiError gone(const std::string& message);
// A 422: "<Kind> "<name>" is invalid: <field>: <detail>, ..." with one cause per field error.
ApiError invalid(const std::string& group, const std::string& kind, const std::string& name,
                 std::vector<StatusCause> causes);

// A Status object for a success (deletes that return a Status, bindings).
boost::json::object success_status(const std::string& group, const std::string& kind, const std::string& name,
                                   const std::string& uid);

}  // namespace skiff::apiserver

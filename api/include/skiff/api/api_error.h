#pragma once

#include <boost/json/object.hpp>
#include <string>

#include "skiff/base/error.h"

namespace skiff::api {

// A request the server refused: the Status object it answered with (or, when the body was not
// a Status, one made from the HTTP code and body). what() is "<request>: <message> (<code>)".
class ApiError : public Error {
 public:
  ApiError(const std::string& request, unsigned http_code, const std::string& body);
  // A Status that arrived in a watch's ERROR event.
  ApiError(const std::string& request, boost::json::object status, unsigned http_code);

  // The HTTP code (404, 409, 410, 422 ...).
  [[nodiscard]] unsigned status_code() const { return status_code_; }
  // The Status' reason: NotFound, AlreadyExists, Conflict, Invalid, Expired, Gone ...
  [[nodiscard]] const std::string& reason() const { return reason_; }
  // The Status' message, as the server wrote it.
  [[nodiscard]] const std::string& message() const { return message_; }
  [[nodiscard]] const boost::json::object& status() const { return status_; }

 private:
  unsigned status_code_;
  std::string reason_;
  std::string message_;
  boost::json::object status_;
};

}  // namespace skiff::api

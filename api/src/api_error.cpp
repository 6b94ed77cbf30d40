#include "skiff/api/api_error.h"

#include <boost/json.hpp>

#include "skiff/api/object_meta.h"

namespace skiff::api {

namespace {

boost::json::object status_of(unsigned http_code, const std::string& body) {
  boost::system::error_code ec;
  boost::json::value parsed = boost::json::parse(body, ec);
  if (!ec && parsed.is_object() && parsed.get_object().if_contains("kind") != nullptr &&
      parsed.get_object().at("kind") == "Status") {
    return std::move(parsed.get_object());
  }
  return boost::json::object{{"kind", "Status"},
                             {"apiVersion", "v1"},
                             {"status", "Failure"},
                             {"message", body.empty() ? "HTTP " + std::to_string(http_code) : body},
                             {"code", http_code}};
}

unsigned code_of(const boost::json::object& status, unsigned fallback) {
  const boost::json::value* value = status.if_contains("code");
  return value != nullptr && value->is_int64() && value->get_int64() > 0 ? static_cast<unsigned>(value->get_int64())
                                                                         : fallback;
}

}  // namespace

ApiError::ApiError(const std::string& request, unsigned http_code, const std::string& body)
    : ApiError(request, status_of(http_code, body), http_code) {}

ApiError::ApiError(const std::string& request, boost::json::object status, unsigned http_code)
    : Error(request + ": " + string_member(status, "message") + " (" + std::to_string(code_of(status, http_code)) +
            ")"),
      status_code_(code_of(status, http_code)),
      reason_(string_member(status, "reason")),
      message_(string_member(status, "message")),
      status_(std::move(status)) {}

}  // namespace skiff::api

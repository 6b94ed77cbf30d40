#pragma once

#include <map>
#include <memory>
#include <string>

#include "skiff/apiserver/registry.h"

namespace skiff::apiserver {

// One HTTP request as the API sees it (already authenticated).
struct ApiRequest {
  std::string method;
  std::string target;  // path and query, as on the request line
  std::string content_type;
  std::string accept;
  std::string body;
};

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  // Warnings for the client (kube's Warning: 299 - "<text>" headers), e.g. unknown fields under
  // fieldValidation=Warn.
  std::vector<std::string> warnings;
  // A watch: the body is streamed, chunk by chunk, from here.
  std::unique_ptr<EventStream> stream;
};

// Routes the Kubernetes API's URLs (discovery, OpenAPI, health, and REST on every served
// resource) to the registry and renders the answers: objects, lists, Tables, Status errors.
class ApiHandler {
 public:
  ApiHandler(ObjectRegistry& registry, std::string server_address);

  // Never throws: failures become Status responses.
  ApiResponse handle(const ApiRequest& request);

 private:
  ApiResponse route(const ApiRequest& request);

  ObjectRegistry& registry_;
  std::string server_address_;
};

// "/a/b%20c?x=1&y=%2F" -> path segments {"a", "b c"} and query {x: 1, y: /}.
struct ParsedTarget {
  std::vector<std::string> segments;
  std::map<std::string, std::string> query;
};
ParsedTarget parse_target(const std::string& target);

}  // namespace skiff::apiserver

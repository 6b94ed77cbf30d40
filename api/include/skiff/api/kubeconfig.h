#pragma once

#include <string>

#include "skiff/api/http_client.h"

namespace skiff::api {

// What a client needs from a kubeconfig: the current (or a named) context's cluster and user.
struct Kubeconfig {
  // "https://127.0.0.1:6443"
  std::string server;
  // PEM of certificate-authority-data, or of the certificate-authority file.
  std::string ca_pem;
  bool insecure_skip_tls_verify = false;
  // token, or the contents of tokenFile.
  std::string token;

  // Reads path (YAML or JSON, kubectl's fields). context "" takes current-context. Errors name
  // the file and the field.
  static Kubeconfig load(const std::string& path, const std::string& context = "");
  // The same from a document's text; relative file references resolve against base_dir.
  static Kubeconfig parse(const std::string& text, const std::string& what, const std::string& base_dir,
                          const std::string& context = "");

  // host, port, TLS and the bearer token as an HttpClient needs them.
  [[nodiscard]] HttpEndpoint endpoint() const;
};

}  // namespace skiff::api

#pragma once

#include <boost/beast/http/verb.hpp>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace boost::asio::ssl {
class context;
}

namespace skiff::api {

// Where an HTTP client connects and how it trusts the server.
struct HttpEndpoint {
  std::string host;
  std::string port;
  bool tls = false;
  // PEM certificates the server's chain must lead to; empty: the system's trust store.
  std::string ca_pem;
  // Accept any server certificate (kubeconfig's insecure-skip-tls-verify).
  bool insecure_skip_verify = false;
  // Sent with every request (Authorization).
  std::vector<std::pair<std::string, std::string>> headers;

  // "https://host:port", for errors.
  [[nodiscard]] std::string origin() const;
};

struct HttpResult {
  unsigned status = 0;
  std::string body;
};

class HttpStream;

// An HTTP/1.1 client for one server (plain, or TLS) that keeps connections alive and reuses
// them: each call takes an idle connection or opens one, so calls from several threads run at
// once. Used for etcd's JSON gateway and for the Kubernetes API.
class HttpClient {
 public:
  // Plain HTTP to host:port.
  HttpClient(std::string host, std::string port);
  explicit HttpClient(HttpEndpoint endpoint);
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;
  ~HttpClient();

  // POSTs a JSON body to target and reads the whole response. Errors name the target.
  HttpResult post(const std::string& target, const std::string& body);
  // Any method; an empty body sends none.
  HttpResult request(boost::beast::http::verb method, const std::string& target, const std::string& body = "",
                     const std::string& content_type = "application/json");
  // A request whose response body is read as it arrives (a watch), on a connection of its own.
  std::unique_ptr<HttpStream> stream(boost::beast::http::verb method, const std::string& target,
                                     const std::string& body = "");
  // "host:port".
  [[nodiscard]] std::string endpoint() const { return endpoint_.host + ":" + endpoint_.port; }

  struct Connection;

 private:
  std::unique_ptr<Connection> take_idle();

  HttpEndpoint endpoint_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Connection>> idle_;
};

// One request whose response body is a stream (etcd's /v3/watch, a Kubernetes watch): read()
// returns its pieces as they arrive. cancel() (from another thread) makes a blocked read()
// return false.
class HttpStream {
 public:
  // A plain-HTTP POST of a JSON body; throws unless the status is 200.
  HttpStream(const std::string& host, const std::string& port, const std::string& target, const std::string& body);
  // Connects, sends the request and reads the response header (any status).
  HttpStream(std::unique_ptr<HttpClient::Connection> connection, const HttpEndpoint& endpoint,
             boost::beast::http::verb method, const std::string& target, const std::string& body);
  HttpStream(const HttpStream&) = delete;
  HttpStream& operator=(const HttpStream&) = delete;
  ~HttpStream();

  [[nodiscard]] unsigned status() const;
  // Appends the next piece of the body to out; false at its end, on an error or after cancel().
  bool read(std::string& out);
  // Reads the rest of the body (an error response's Status).
  std::string read_all();
  void cancel();

 private:
  struct Parser;
  std::unique_ptr<HttpClient::Connection> connection_;
  std::unique_ptr<Parser> parser_;
  std::string what_;
};

}  // namespace skiff::api

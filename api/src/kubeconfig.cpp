#include "skiff/api/kubeconfig.h"

#include <yaml.h>

#include <boost/json.hpp>

#include "skiff/base/base64.h"
#include "skiff/base/error.h"
#include "skiff/base/file.h"

namespace skiff::api {

namespace {

struct YamlDocument {
  yaml_parser_t parser{};
  yaml_document_t document{};
  bool loaded = false;
  YamlDocument() { yaml_parser_initialize(&parser); }
  ~YamlDocument() {
    if (loaded) {
      yaml_document_delete(&document);
    }
    yaml_parser_delete(&parser);
  }
  YamlDocument(const YamlDocument&) = delete;
  YamlDocument& operator=(const YamlDocument&) = delete;
};

// A kubeconfig's tree with every scalar as a string: its fields are strings, and the one
// boolean is read as one (kubectl's YAML is JSON too, so JSON files load the same way).
boost::json::value tree(yaml_document_t& doc, yaml_node_t* node, int depth) {
  if (node == nullptr || depth > 64) {
    return nullptr;
  }
  switch (node->type) {
    case YAML_SCALAR_NODE:
      return boost::json::string(reinterpret_cast<const char*>(node->data.scalar.value), node->data.scalar.length);
    case YAML_SEQUENCE_NODE: {
      boost::json::array out;
      for (yaml_node_item_t* item = node->data.sequence.items.start; item < node->data.sequence.items.top; ++item) {
        out.push_back(tree(doc, yaml_document_get_node(&doc, *item), depth + 1));
      }
      return out;
    }
    case YAML_MAPPING_NODE: {
      boost::json::object out;
      for (yaml_node_pair_t* pair = node->data.mapping.pairs.start; pair < node->data.mapping.pairs.top; ++pair) {
        yaml_node_t* key = yaml_document_get_node(&doc, pair->key);
        if (key != nullptr && key->type == YAML_SCALAR_NODE) {
          out[std::string(reinterpret_cast<const char*>(key->data.scalar.value), key->data.scalar.length)] =
              tree(doc, yaml_document_get_node(&doc, pair->value), depth + 1);
        }
      }
      return out;
    }
    case YAML_NO_NODE:
      break;
  }
  return nullptr;
}

std::string text_of(const boost::json::object& object, std::string_view key) {
  const boost::json::value* value = object.if_contains(key);
  return value != nullptr && value->is_string() ? std::string(value->get_string()) : "";
}

// The entry of a named list (clusters, users, contexts) whose name is name: its inner object.
const boost::json::object& named(const boost::json::object& root, std::string_view list, std::string_view inner,
                                 const std::string& name, const std::string& what) {
  const boost::json::value* entries = root.if_contains(list);
  if (entries != nullptr && entries->is_array()) {
    for (const boost::json::value& entry : entries->get_array()) {
      if (entry.is_object() && text_of(entry.get_object(), "name") == name) {
        const boost::json::value* body = entry.get_object().if_contains(inner);
        if (body == nullptr || !body->is_object()) {
          throw Error(what + ": " + std::string(list) + " entry " + name + " has no " + std::string(inner));
        }
        return body->get_object();
      }
    }
  }
  throw Error(what + ": no " + std::string(list) + " entry named \"" + name + "\"");
}

std::string resolve(const std::string& path, const std::string& base_dir) {
  return path.starts_with('/') || base_dir.empty() ? path : base_dir + "/" + path;
}

}  // namespace

Kubeconfig Kubeconfig::load(const std::string& path, const std::string& context) {
  size_t slash = path.rfind('/');
  return parse(read_file(path), path, slash == std::string::npos ? "." : path.substr(0, slash), context);
}

Kubeconfig Kubeconfig::parse(const std::string& text, const std::string& what, const std::string& base_dir,
                             const std::string& context) {
  YamlDocument yaml;
  yaml_parser_set_input_string(&yaml.parser, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  if (yaml_parser_load(&yaml.parser, &yaml.document) == 0) {
    throw Error(what + ": line " + std::to_string(yaml.parser.problem_mark.line + 1) + ": " +
                (yaml.parser.problem != nullptr ? yaml.parser.problem : "syntax error"));
  }
  yaml.loaded = true;
  boost::json::value root = tree(yaml.document, yaml_document_get_root_node(&yaml.document), 0);
  if (!root.is_object()) {
    throw Error(what + ": not a kubeconfig (the document is not a mapping)");
  }
  const boost::json::object& config = root.get_object();
  std::string context_name = context.empty() ? text_of(config, "current-context") : context;
  if (context_name.empty()) {
    throw Error(what + ": current-context is not set and no context was named");
  }
  const boost::json::object& ctx = named(config, "contexts", "context", context_name, what);
  std::string cluster_name = text_of(ctx, "cluster");
  const boost::json::object& cluster = named(config, "clusters", "cluster", cluster_name, what);
  Kubeconfig out;
  out.server = text_of(cluster, "server");
  if (out.server.empty()) {
    throw Error(what + ": clusters[" + cluster_name + "].cluster.server is not set");
  }
  if (std::string data = text_of(cluster, "certificate-authority-data"); !data.empty()) {
    out.ca_pem = base64_decode(data, what + ": clusters[" + cluster_name + "].cluster.certificate-authority-data");
  } else if (std::string file = text_of(cluster, "certificate-authority"); !file.empty()) {
    out.ca_pem = read_file(resolve(file, base_dir));
  }
  out.insecure_skip_tls_verify = text_of(cluster, "insecure-skip-tls-verify") == "true";
  if (std::string user_name = text_of(ctx, "user"); !user_name.empty()) {
    const boost::json::object& user = named(config, "users", "user", user_name, what);
    out.token = text_of(user, "token");
    if (std::string file = text_of(user, "tokenFile"); out.token.empty() && !file.empty()) {
      out.token = read_file(resolve(file, base_dir));
      while (!out.token.empty() && (out.token.back() == '\n' || out.token.back() == '\r')) {
        out.token.pop_back();
      }
    }
  }
  return out;
}

HttpEndpoint Kubeconfig::endpoint() const {
  HttpEndpoint endpoint;
  std::string rest;
  if (server.starts_with("https://")) {
    endpoint.tls = true;
    rest = server.substr(8);
  } else if (server.starts_with("http://")) {
    rest = server.substr(7);
  } else {
    throw Error("kubeconfig server " + server + ": want an http:// or https:// URL");
  }
  rest = rest.substr(0, rest.find('/'));
  std::string port = endpoint.tls ? "443" : "80";
  if (rest.starts_with('[')) {
    size_t close = rest.find(']');
    if (close == std::string::npos) {
      throw Error("kubeconfig server " + server + ": unclosed [ in the host");
    }
    endpoint.host = rest.substr(1, close - 1);
    if (close + 1 < rest.size() && rest[close + 1] == ':') {
      port = rest.substr(close + 2);
    }
  } else if (size_t colon = rest.rfind(':'); colon != std::string::npos) {
    endpoint.host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  } else {
    endpoint.host = rest;
  }
  if (endpoint.host.empty() || port.empty()) {
    throw Error("kubeconfig server " + server + ": no host or port");
  }
  endpoint.port = port;
  endpoint.ca_pem = ca_pem;
  endpoint.insecure_skip_verify = insecure_skip_tls_verify;
  if (!token.empty()) {
    endpoint.headers.emplace_back("Authorization", "Bearer " + token);
  }
  return endpoint;
}

}  // namespace skiff::api

#include "skiff/apiserver/yaml.h"

#include <yaml.h>

#include <cerrno>
#include <cstdlib>
#include <memory>
#include <regex>

#include "skiff/apiserver/status.h"

namespace skiff::apiserver {

namespace {

struct Parser {
  yaml_parser_t parser{};
  Parser() { yaml_parser_initialize(&parser); }
  ~Parser() { yaml_parser_delete(&parser); }
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;
};

struct Document {
  yaml_document_t document{};
  bool loaded = false;
  Document() = default;
  ~Document() {
    if (loaded) {
      yaml_document_delete(&document);
    }
  }
  Document(const Document&) = delete;
  Document& operator=(const Document&) = delete;
};

boost::json::value scalar(const yaml_node_t& node) {
  std::string text(reinterpret_cast<const char*>(node.data.scalar.value), node.data.scalar.length);
  if (node.data.scalar.style != YAML_PLAIN_SCALAR_STYLE) {
    return boost::json::string(text);
  }
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") {
    return nullptr;
  }
  if (text == "true" || text == "True" || text == "TRUE") {
    return true;
  }
  if (text == "false" || text == "False" || text == "FALSE") {
    return false;
  }
  static const std::regex kInt("[-+]?[0-9]+");
  static const std::regex kFloat("[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?");
  if (std::regex_match(text, kInt)) {
    errno = 0;
    long long v = std::strtoll(text.c_str(), nullptr, 10);
    if (errno == 0) {
      return static_cast<int64_t>(v);
    }
  }
  if (std::regex_match(text, kFloat)) {
    return std::strtod(text.c_str(), nullptr);
  }
  return boost::json::string(text);
}

// budget bounds the nodes made: aliases can expand a small document exponentially.
boost::json::value convert(yaml_document_t& doc, yaml_node_t* node, int depth, size_t& budget) {
  if (!node) {
    return nullptr;
  }
  if (depth > 100 || budget == 0) {
    throw bad_request("yaml: the document nests too deeply or expands too far");
  }
  --budget;
  switch (node->type) {
    case YAML_SCALAR_NODE:
      return scalar(*node);
    case YAML_SEQUENCE_NODE: {
      boost::json::array out;
      for (yaml_node_item_t* item = node->data.sequence.items.start; item < node->data.sequence.items.top; ++item) {
        out.push_back(convert(doc, yaml_document_get_node(&doc, *item), depth + 1, budget));
      }
      return out;
    }
    case YAML_MAPPING_NODE: {
      boost::json::object out;
      for (yaml_node_pair_t* pair = node->data.mapping.pairs.start; pair < node->data.mapping.pairs.top; ++pair) {
        yaml_node_t* key = yaml_document_get_node(&doc, pair->key);
        if (!key || key->type != YAML_SCALAR_NODE) {
          throw bad_request("yaml: a mapping key is not a scalar");
        }
        std::string name(reinterpret_cast<const char*>(key->data.scalar.value), key->data.scalar.length);
        out[name] = convert(doc, yaml_document_get_node(&doc, pair->value), depth + 1, budget);
      }
      return out;
    }
    case YAML_NO_NODE:
      break;
  }
  return nullptr;
}

}  // namespace

boost::json::value yaml_to_json(std::string_view text) {
  Parser parser;
  yaml_parser_set_input_string(&parser.parser, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  Document doc;
  if (!yaml_parser_load(&parser.parser, &doc.document)) {
    throw bad_request("error converting YAML to JSON: yaml: line " +
                      std::to_string(parser.parser.problem_mark.line + 1) + ": " +
                      (parser.parser.problem ? parser.parser.problem : "syntax error"));
  }
  doc.loaded = true;
  size_t budget = 1000000;
  return convert(doc.document, yaml_document_get_root_node(&doc.document), 0, budget);
}

}  // namespace skiff::apiserver

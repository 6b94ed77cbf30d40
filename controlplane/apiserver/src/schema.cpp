#include "skiff/apiserver/schema.h"

#include <boost/json/basic_parser_impl.hpp>
#include <deque>
#include <set>

#include "schema_sources.h"
#include "skiff/base/error.h"
#include "skiff/base/strings.h"

namespace skiff::apiserver {

namespace {

constexpr std::string_view kSchemaPrefix = "#/components/schemas/";
constexpr std::string_view kMetaPackage = "io.k8s.apimachinery.pkg.apis.meta.v1";

bool is_primitive(std::string_view type) {
  return type == "string" || type == "integer" || type == "long" || type == "number" || type == "boolean" ||
         type == "object";
}

// The type inside "[]T" or "map[T]", or type itself.
std::string_view element_type(std::string_view type) {
  if (type.starts_with("[]")) {
    return element_type(type.substr(2));
  }
  if (type.starts_with("map[") && type.ends_with("]")) {
    return element_type(type.substr(4, type.size() - 5));
  }
  return type;
}

std::string package_of(const std::string& name) {
  return name.substr(0, name.rfind('.'));
}

std::string short_name(const std::string& name) {
  return name.substr(name.rfind('.') + 1);
}

struct ParsedLine {
  std::vector<std::string> words;
  std::string description;
};

ParsedLine split_line(std::string_view line) {
  ParsedLine parsed;
  size_t colon = line.find(": ");
  std::string_view head = line.substr(0, colon);
  if (colon != std::string_view::npos) {
    parsed.description = std::string(trim(line.substr(colon + 2)));
  } else if (head.ends_with(':')) {
    head.remove_suffix(1);
  }
  for (const std::string& word : split(head, ' ')) {
    if (!word.empty()) {
      parsed.words.push_back(word);
    }
  }
  return parsed;
}

// apiVersion, kind and metadata, which every kind has first.
std::vector<SchemaField> kind_fields() {
  return {
      {"apiVersion",
       "string",
       "APIVersion defines the versioned schema of this representation of an object. Servers should convert "
       "recognized schemas to the latest internal value, and may reject unrecognized values.",
       false,
       "",
       "",
       {}},
      {"kind",
       "string",
       "Kind is a string value representing the REST resource this object represents. Servers may infer this from "
       "the endpoint the client submits requests to. Cannot be updated. In CamelCase.",
       false,
       "",
       "",
       {}},
      {"metadata", std::string(kMetaPackage) + ".ObjectMeta", "Standard object's metadata.", false, "", "", {}},
  };
}

}  // namespace

const SchemaField* SchemaType::field(std::string_view name) const {
  for (const SchemaField& f : fields) {
    if (f.name == name) {
      return &f;
    }
  }
  return nullptr;
}

SchemaCatalog SchemaCatalog::parse(const std::vector<std::string_view>& sources) {
  SchemaCatalog catalog;
  for (size_t source = 0; source < sources.size(); ++source) {
    std::string package;
    SchemaType* current = nullptr;
    size_t line_number = 0;
    for (const std::string& raw : split(sources[source], '\n')) {
      ++line_number;
      std::string where = "schema source " + std::to_string(source) + " line " + std::to_string(line_number);
      std::string_view line = raw;
      if (trim(line).empty() || trim(line).starts_with('#')) {
        continue;
      }
      if (line.starts_with("package ")) {
        package = std::string(trim(line.substr(8)));
        current = nullptr;
        continue;
      }
      ParsedLine parsed = split_line(line);
      if (parsed.words.empty()) {
        throw Error(where + ": no name");
      }
      if (!line.starts_with(' ')) {
        if (package.empty()) {
          throw Error(where + ": a type before any package line");
        }
        SchemaType type;
        type.name = package + "." + parsed.words[0];
        type.description = parsed.description;
        for (size_t i = 1; i < parsed.words.size(); ++i) {
          const std::string& attr = parsed.words[i];
          if (attr.starts_with("kind=")) {
            std::vector<std::string> parts = split(attr.substr(5), '/');
            if (parts.size() == 2) {
              parts.insert(parts.begin(), "");
            }
            if (parts.size() != 3) {
              throw Error(where + ": kind= wants group/version/Kind or version/Kind: " + attr);
            }
            type.group = parts[0];
            type.version = parts[1];
            type.kind = parts[2];
            type.fields = kind_fields();
          } else if (attr.starts_with("scalar=")) {
            type.shape = SchemaType::Shape::scalar;
            type.scalar_format = attr.substr(7) == "string" ? "" : attr.substr(7);
          } else if (attr == "opaque") {
            type.shape = SchemaType::Shape::opaque;
          } else {
            throw Error(where + ": unknown type attribute " + attr);
          }
        }
        auto [it, inserted] = catalog.types_.emplace(type.name, std::move(type));
        if (!inserted) {
          throw Error(where + ": " + it->first + " is defined twice");
        }
        current = &it->second;
        continue;
      }
      if (!current || current->shape != SchemaType::Shape::object) {
        throw Error(where + ": a field outside an object type");
      }
      if (parsed.words.size() < 2) {
        throw Error(where + ": field " + parsed.words[0] + " has no type");
      }
      SchemaField field;
      field.name = parsed.words[0];
      field.type = parsed.words[1];
      field.description = parsed.description;
      for (size_t i = 2; i < parsed.words.size(); ++i) {
        const std::string& attr = parsed.words[i];
        if (attr == "required") {
          field.required = true;
        } else if (attr.starts_with("merge=")) {
          field.patch_merge_key = attr.substr(6);
        } else if (attr.starts_with("strategy=")) {
          field.patch_strategy = attr.substr(9);
        } else if (attr.starts_with("keys=")) {
          field.list_map_keys = split(attr.substr(5), ',');
        } else {
          throw Error(where + ": unknown field attribute " + attr);
        }
      }
      if (current->field(field.name)) {
        throw Error(where + ": " + current->name + "." + field.name + " is declared twice");
      }
      current->fields.push_back(std::move(field));
    }
  }
  // Resolve the short type names of fields to full names.
  std::map<std::string, std::vector<std::string>> by_short_name;
  for (const auto& [name, type] : catalog.types_) {
    by_short_name[short_name(name)].push_back(name);
  }
  for (auto& [name, type] : catalog.types_) {
    for (SchemaField& field : type.fields) {
      std::string_view base = element_type(field.type);
      if (is_primitive(base) || catalog.types_.contains(std::string(base))) {
        continue;
      }
      std::string resolved = package_of(name) + "." + std::string(base);
      if (!catalog.types_.contains(resolved)) {
        auto found = by_short_name.find(std::string(base));
        if (found == by_short_name.end() || found->second.size() != 1) {
          throw Error(name + "." + field.name + ": type " + std::string(base) +
                      (found == by_short_name.end() ? " is not defined" : " is ambiguous"));
        }
        resolved = found->second.front();
      }
      size_t at = field.type.find(base);
      field.type.replace(at, base.size(), resolved);
    }
  }
  return catalog;
}

const SchemaCatalog& SchemaCatalog::builtin() {
  static const SchemaCatalog catalog = parse(builtin_schema_sources());
  return catalog;
}

const SchemaType* SchemaCatalog::find(const std::string& name) const {
  auto it = types_.find(name);
  return it == types_.end() ? nullptr : &it->second;
}

const SchemaType* SchemaCatalog::find_kind(const std::string& group, const std::string& version,
                                           const std::string& kind) const {
  for (const auto& [name, type] : types_) {
    if (type.kind == kind && type.group == group && type.version == version) {
      return &type;
    }
  }
  return nullptr;
}

boost::json::object SchemaCatalog::type_expression(const std::string& type) const {
  if (type == "string") {
    return {{"type", "string"}};
  }
  if (type == "integer") {
    return {{"type", "integer"}, {"format", "int32"}};
  }
  if (type == "long") {
    return {{"type", "integer"}, {"format", "int64"}};
  }
  if (type == "number") {
    return {{"type", "number"}, {"format", "double"}};
  }
  if (type == "boolean") {
    return {{"type", "boolean"}};
  }
  if (type == "object") {
    return {{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}};
  }
  if (type.starts_with("[]")) {
    return {{"type", "array"}, {"items", type_expression(type.substr(2))}};
  }
  if (type.starts_with("map[")) {
    return {{"type", "object"}, {"additionalProperties", type_expression(type.substr(4, type.size() - 5))}};
  }
  // kube's v3 documents wrap references in allOf so that siblings (description) stay valid.
  boost::json::object reference{{"allOf", boost::json::array{{{"$ref", std::string(kSchemaPrefix) + type}}}}};
  if (const SchemaType* target = find(type); target && target->shape != SchemaType::Shape::scalar) {
    reference["default"] = boost::json::object{};
  }
  return reference;
}

boost::json::object SchemaCatalog::field_schema(const SchemaField& field) const {
  boost::json::object schema = type_expression(field.type);
  if (!field.description.empty()) {
    schema["description"] = field.description;
  }
  if (!field.patch_merge_key.empty()) {
    schema["x-kubernetes-patch-merge-key"] = field.patch_merge_key;
  }
  if (!field.patch_strategy.empty()) {
    schema["x-kubernetes-patch-strategy"] = field.patch_strategy;
  }
  if (!field.list_map_keys.empty()) {
    boost::json::array keys;
    for (const std::string& key : field.list_map_keys) {
      keys.emplace_back(key);
    }
    schema["x-kubernetes-list-map-keys"] = std::move(keys);
    schema["x-kubernetes-list-type"] = "map";
  }
  return schema;
}

boost::json::object SchemaCatalog::openapi_schemas(const std::vector<std::string>& roots) const {
  boost::json::object schemas;
  std::deque<std::string> pending(roots.begin(), roots.end());
  std::set<std::string> seen;
  while (!pending.empty()) {
    std::string name = std::move(pending.front());
    pending.pop_front();
    if (!seen.insert(name).second) {
      continue;
    }
    const SchemaType* type = find(name);
    if (!type) {
      throw Error("openapi: schema " + name + " is not defined");
    }
    boost::json::object schema;
    if (!type->description.empty()) {
      schema["description"] = type->description;
    }
    if (type->shape == SchemaType::Shape::scalar) {
      // Quantity and IntOrString take either JSON type, as in kube's v3 documents.
      if (type->scalar_format == "quantity") {
        schema["oneOf"] = boost::json::array{{{"type", "string"}}, {{"type", "number"}}};
      } else if (type->scalar_format == "int-or-string") {
        schema["oneOf"] = boost::json::array{{{"type", "integer"}}, {{"type", "string"}}};
        schema["x-kubernetes-int-or-string"] = true;
      } else {
        schema["type"] = "string";
        if (!type->scalar_format.empty()) {
          schema["format"] = type->scalar_format;
        }
      }
    } else if (type->shape == SchemaType::Shape::opaque) {
      schema["type"] = "object";
      schema["x-kubernetes-preserve-unknown-fields"] = true;
    } else {
      schema["type"] = "object";
      boost::json::object properties;
      boost::json::array required;
      for (const SchemaField& field : type->fields) {
        properties[field.name] = field_schema(field);
        if (field.required) {
          required.emplace_back(field.name);
        }
        if (std::string_view base = element_type(field.type); !is_primitive(base)) {
          pending.emplace_back(base);
        }
      }
      schema["properties"] = std::move(properties);
      if (!required.empty()) {
        schema["required"] = std::move(required);
      }
    }
    if (!type->kind.empty()) {
      schema["x-kubernetes-group-version-kind"] =
          boost::json::array{{{"group", type->group}, {"kind", type->kind}, {"version", type->version}}};
    }
    schemas[name] = std::move(schema);
  }
  return schemas;
}

std::vector<std::string> SchemaCatalog::prune_unknown(const SchemaType& type, boost::json::object& object) const {
  std::vector<std::string> unknown;
  prune_object(type, object, "", unknown);
  return unknown;
}

void SchemaCatalog::prune_object(const SchemaType& type, boost::json::object& object, const std::string& path,
                                 std::vector<std::string>& unknown) const {
  if (type.shape != SchemaType::Shape::object) {
    return;
  }
  std::vector<std::string> drop;
  for (auto& [key, value] : object) {
    std::string at = path.empty() ? std::string(key) : path + "." + std::string(key);
    const SchemaField* field = type.field(key);
    if (!field) {
      unknown.push_back(at);
      drop.emplace_back(key);
      continue;
    }
    prune_value(field->type, value, at, unknown);
  }
  for (const std::string& key : drop) {
    object.erase(key);
  }
}

void SchemaCatalog::prune_value(const std::string& type, boost::json::value& value, const std::string& path,
                                std::vector<std::string>& unknown) const {
  if (is_primitive(type)) {
    return;
  }
  if (type.starts_with("[]")) {
    if (auto* array = value.if_array()) {
      for (size_t i = 0; i < array->size(); ++i) {
        prune_value(type.substr(2), (*array)[i], path + "[" + std::to_string(i) + "]", unknown);
      }
    }
    return;
  }
  if (type.starts_with("map[")) {
    if (auto* map = value.if_object()) {
      std::string element = type.substr(4, type.size() - 5);
      for (auto& [key, item] : *map) {
        prune_value(element, item, path + "." + std::string(key), unknown);
      }
    }
    return;
  }
  if (const SchemaType* named = find(type); named && value.is_object()) {
    prune_object(*named, value.as_object(), path, unknown);
  }
}

namespace {

// A basic_parser handler that notes the keys met twice in one object, with their paths.
class DuplicateKeyHandler {
 public:
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  std::vector<std::string> duplicates;

  bool on_document_begin(boost::system::error_code&) { return true; }
  bool on_document_end(boost::system::error_code&) { return true; }
  bool on_object_begin(boost::system::error_code&) {
    begin_value();
    frames_.push_back({true, path_of_value(), {}, "", 0});
    return true;
  }
  bool on_object_end(std::size_t, boost::system::error_code&) {
    frames_.pop_back();
    return true;
  }
  bool on_array_begin(boost::system::error_code&) {
    begin_value();
    frames_.push_back({false, path_of_value(), {}, "", 0});
    return true;
  }
  bool on_array_end(std::size_t, boost::system::error_code&) {
    frames_.pop_back();
    return true;
  }
  bool on_key_part(std::string_view part, std::size_t, boost::system::error_code&) {
    key_ += part;
    return true;
  }
  bool on_key(std::string_view part, std::size_t, boost::system::error_code&) {
    key_ += part;
    Frame& frame = frames_.back();
    frame.key = std::move(key_);
    key_.clear();
    if (!frame.keys.insert(frame.key).second) {
      duplicates.push_back(child_path(frame));
    }
    return true;
  }
  bool on_string_part(std::string_view, std::size_t, boost::system::error_code&) { return true; }
  bool on_string(std::string_view, std::size_t, boost::system::error_code&) { return scalar(); }
  bool on_number_part(std::string_view, boost::system::error_code&) { return true; }
  bool on_int64(int64_t, std::string_view, boost::system::error_code&) { return scalar(); }
  bool on_uint64(uint64_t, std::string_view, boost::system::error_code&) { return scalar(); }
  bool on_double(double, std::string_view, boost::system::error_code&) { return scalar(); }
  bool on_bool(bool, boost::system::error_code&) { return scalar(); }
  bool on_null(boost::system::error_code&) { return scalar(); }
  bool on_comment_part(std::string_view, boost::system::error_code&) { return true; }
  bool on_comment(std::string_view, boost::system::error_code&) { return true; }

 private:
  struct Frame {
    bool object;
    std::string path;
    std::set<std::string> keys;
    std::string key;
    size_t index;
  };

  static std::string child_path(const Frame& frame) {
    if (frame.object) {
      return frame.path.empty() ? frame.key : frame.path + "." + frame.key;
    }
    return frame.path + "[" + std::to_string(frame.index - 1) + "]";
  }
  // An array's elements are numbered as they begin.
  void begin_value() {
    if (!frames_.empty() && !frames_.back().object) {
      ++frames_.back().index;
    }
  }
  [[nodiscard]] std::string path_of_value() const { return frames_.empty() ? "" : child_path(frames_.back()); }
  bool scalar() {
    begin_value();
    return true;
  }

  std::vector<Frame> frames_;
  std::string key_;
};

}  // namespace

std::vector<std::string> duplicate_json_fields(std::string_view text) {
  boost::json::basic_parser<DuplicateKeyHandler> parser{boost::json::parse_options{}};
  boost::system::error_code ec;
  parser.write_some(false, text.data(), text.size(), ec);
  if (ec) {
    return {};
  }
  return std::move(parser.handler().duplicates);
}

}  // namespace skiff::apiserver

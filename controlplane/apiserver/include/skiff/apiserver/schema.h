#pragma once

#include <boost/json.hpp>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace skiff::apiserver {

// One field of a schema type, as Kubernetes' Go types declare it.
struct SchemaField {
  std::string name;
  // "string", "integer" (int32), "long" (int64), "number", "boolean", "[]T", "map[T]", or the full
  // name of a schema type ("io.k8s.api.core.v1.PodSpec").
  std::string type;
  std::string description;
  bool required = false;
  std::string patch_merge_key;             // x-kubernetes-patch-merge-key
  std::string patch_strategy;              // x-kubernetes-patch-strategy: merge, retainKeys, "merge,retainKeys"
  std::vector<std::string> list_map_keys;  // x-kubernetes-list-type map with these keys
};

// A named schema (components.schemas entry): an object with fields, a scalar with a format
// (Quantity, Time, IntOrString), or an opaque object whose contents are not described.
struct SchemaType {
  enum class Shape { object, scalar, opaque };
  std::string name;  // "io.k8s.api.core.v1.Pod"
  std::string description;
  Shape shape = Shape::object;
  std::string scalar_format;  // for scalars: "quantity", "date-time", "int-or-string", "byte", "" (string)
  // The kind this type is (x-kubernetes-group-version-kind), empty kind when none.
  std::string group;
  std::string version;
  std::string kind;
  std::vector<SchemaField> fields;

  [[nodiscard]] const SchemaField* field(std::string_view name) const;
};

// The schemas of the served kinds, read from a compact text form (see schema_sources.h):
//   package io.k8s.api.core.v1
//   Pod kind=v1/Pod: Pod is a collection of containers that can run on a host.
//     spec PodSpec: Specification of the desired behavior of the pod.
//     containers []Container required merge=name strategy=merge: List of containers.
// A type line starts at column 0 ("Name attrs: description", attrs kind=G/V/K, scalar=FORMAT,
// opaque); field lines are indented ("name type attrs: description", attrs required,
// merge=KEY, strategy=S, keys=a,b). Type names resolve in their package first, then by a
// unique short name anywhere. A type with kind= gets apiVersion, kind and metadata first.
class SchemaCatalog {
 public:
  // Parses the sources (each a text in the form above); throws Error naming the line.
  static SchemaCatalog parse(const std::vector<std::string_view>& sources);
  // The schemas compiled into skiff-server.
  static const SchemaCatalog& builtin();

  [[nodiscard]] const SchemaType* find(const std::string& name) const;
  [[nodiscard]] const SchemaType* find_kind(const std::string& group, const std::string& version,
                                            const std::string& kind) const;

  // components.schemas of an OpenAPI v3 document: the named types and every type they reach.
  [[nodiscard]] boost::json::object openapi_schemas(const std::vector<std::string>& roots) const;

  // Removes the fields of object the schema of type does not know (kube's decoder drops them)
  // and returns their paths as kube's strict decoding names them ("spec.containers[0].imagee").
  std::vector<std::string> prune_unknown(const SchemaType& type, boost::json::object& object) const;

 private:
  void prune_value(const std::string& type, boost::json::value& value, const std::string& path,
                   std::vector<std::string>& unknown) const;
  void prune_object(const SchemaType& type, boost::json::object& object, const std::string& path,
                    std::vector<std::string>& unknown) const;
  boost::json::object field_schema(const SchemaField& field) const;
  boost::json::object type_expression(const std::string& type) const;

  std::map<std::string, SchemaType> types_;
};

// The paths of the keys that occur twice in one JSON object of text ("spec.replicas"), as kube's
// strict decoding reports them; empty for text that does not parse.
std::vector<std::string> duplicate_json_fields(std::string_view text);

}  // namespace skiff::apiserver

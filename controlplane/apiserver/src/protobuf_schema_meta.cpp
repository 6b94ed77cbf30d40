// Protobuf field tables: ObjectMeta and its parts, LabelSelector, Condition (apimachinery meta/v1).
#include "protobuf_schema.h"

namespace skiff::apiserver::protobuf {

const std::vector<ProtoMessage>& meta_messages() {
  using enum FieldKind;
  using enum FieldLabel;
  static const std::vector<ProtoMessage> messages = {
      {"k8s.io.apimachinery.pkg.apis.meta.v1.Condition",
       {
           {1, "type", string_value},
           {2, "status", string_value},
           {3, "observedGeneration", int64_value},
           {4, "lastTransitionTime", time},
           {5, "reason", string_value},
           {6, "message", string_value},
       }},
      {"k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector",
       {
           {1, "matchLabels", string_map},
           {2, "matchExpressions", message, repeated, "k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement"},
       }},
      {"k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement",
       {
           {1, "key", string_value},
           {2, "operator", string_value},
           {3, "values", string_value, repeated},
       }},
      {"k8s.io.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry",
       {
           {1, "manager", string_value},
           {2, "operation", string_value},
           {3, "apiVersion", string_value},
           {4, "time", time},
           {6, "fieldsType", string_value},
           {7, "fieldsV1", fields_json},
           {8, "subresource", string_value},
       }},
      {"k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta",
       {
           {1, "name", string_value},
           {2, "generateName", string_value},
           {3, "namespace", string_value},
           {4, "selfLink", string_value},
           {5, "uid", string_value},
           {6, "resourceVersion", string_value},
           {7, "generation", int64_value},
           {8, "creationTimestamp", time},
           {9, "deletionTimestamp", time},
           {10, "deletionGracePeriodSeconds", int64_value, zero_kept},
           {11, "labels", string_map},
           {12, "annotations", string_map},
           {13, "ownerReferences", message, repeated, "k8s.io.apimachinery.pkg.apis.meta.v1.OwnerReference"},
           {14, "finalizers", string_value, repeated},
           {17, "managedFields", message, repeated, "k8s.io.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry"},
       }},
      {"k8s.io.apimachinery.pkg.apis.meta.v1.OwnerReference",
       {
           {5, "apiVersion", string_value},
           {1, "kind", string_value},
           {3, "name", string_value},
           {4, "uid", string_value},
           {6, "controller", bool_value, zero_kept},
           {7, "blockOwnerDeletion", bool_value, zero_kept},
       }},
  };
  return messages;
}

}  // namespace skiff::apiserver::protobuf

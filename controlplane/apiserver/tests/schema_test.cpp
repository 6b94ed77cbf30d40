// The schema catalog: its text form, the OpenAPI documents made from it, unknown-field pruning
// and fieldValidation.
#include <gtest/gtest.h>

#include <algorithm>

#include "skiff/apiserver/field_validation.h"
#include "skiff/apiserver/openapi.h"
#include "skiff/apiserver/resources.h"
#include "skiff/apiserver/schema.h"
#include "skiff/apiserver/status.h"

using namespace skiff::apiserver;

namespace {

boost::json::object obj(const char* text) {
  return boost::json::parse(text).as_object();
}

const char* const kSmall = R"(
package io.example.v1
Widget kind=example.io/v1/Widget: A widget.
  spec WidgetSpec: What the widget should be.
WidgetSpec: The desired state of a widget.
  parts []Part merge=name strategy=merge: The parts.
  size Quantity required: How big.
package io.example.units
Quantity scalar=quantity: An amount.
Part: One part.
  name string required: The part's name.
package io.k8s.apimachinery.pkg.apis.meta.v1
ObjectMeta: What every kind's metadata holds.
  name string: The name.
)";

}  // namespace

TEST(Schema, ParsesTypesFieldsAndResolvesNames) {
  SchemaCatalog catalog = SchemaCatalog::parse({kSmall});
  const SchemaType* widget = catalog.find_kind("example.io", "v1", "Widget");
  ASSERT_NE(widget, nullptr);
  EXPECT_EQ(widget->name, "io.example.v1.Widget");
  // apiVersion, kind and metadata come first, then the declared fields.
  ASSERT_EQ(widget->fields.size(), 4U);
  EXPECT_EQ(widget->fields[2].type, "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
  const SchemaType* spec = catalog.find("io.example.v1.WidgetSpec");
  ASSERT_NE(spec, nullptr);
  // A short name outside the package resolves when it is unique.
  EXPECT_EQ(spec->field("parts")->type, "[]io.example.units.Part");
  EXPECT_EQ(spec->field("parts")->patch_merge_key, "name");
  EXPECT_TRUE(spec->field("size")->required);
  EXPECT_EQ(catalog.find("io.example.units.Quantity")->shape, SchemaType::Shape::scalar);
}

TEST(Schema, RejectsBadSources) {
  EXPECT_THROW(SchemaCatalog::parse({"package a.b\nT: t.\n  f Missing: no such type.\n"}), skiff::Error);
  EXPECT_THROW(SchemaCatalog::parse({"T: before any package.\n"}), skiff::Error);
  EXPECT_THROW(SchemaCatalog::parse({"package a.b\nT: t.\n  f string bogus=1: x.\n"}), skiff::Error);
  EXPECT_THROW(SchemaCatalog::parse({"package a.b\nT: t.\nT: again.\n"}), skiff::Error);
}

TEST(Schema, BuiltinCoversEveryServedKind) {
  const SchemaCatalog& catalog = SchemaCatalog::builtin();
  for (const ResourceType& type : resource_types()) {
    EXPECT_NE(catalog.find_kind(type.group, type.version, type.kind), nullptr) << type.kind;
  }
  const SchemaType* container = catalog.find("io.k8s.api.core.v1.Container");
  ASSERT_NE(container, nullptr);
  for (const char* field : {"image", "env", "ports", "volumeMounts", "livenessProbe", "resources", "securityContext"}) {
    EXPECT_NE(container->field(field), nullptr) << field;
  }
}

TEST(Schema, OpenApiDocumentOfAGroupVersion) {
  boost::json::object doc = openapi_document({"openapi", "v3", "apis", "apps", "v1"}, {});
  const auto& schemas = doc.at("components").at("schemas").as_object();
  const auto& deployment = schemas.at("io.k8s.api.apps.v1.Deployment").as_object();
  const auto& gvk = deployment.at("x-kubernetes-group-version-kind").as_array().at(0).as_object();
  EXPECT_EQ(gvk.at("group"), "apps");
  EXPECT_EQ(gvk.at("kind"), "Deployment");
  // Everything a Deployment reaches is in the document, with kube's patch extensions.
  const auto& pod_spec = schemas.at("io.k8s.api.core.v1.PodSpec").as_object();
  const auto& containers = pod_spec.at("properties").at("containers").as_object();
  EXPECT_EQ(containers.at("x-kubernetes-patch-merge-key"), "name");
  EXPECT_EQ(containers.at("x-kubernetes-patch-strategy"), "merge");
  EXPECT_EQ(containers.at("items").at("allOf").at(0).at("$ref"), "#/components/schemas/io.k8s.api.core.v1.Container");
  EXPECT_TRUE(schemas.contains("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"));
  EXPECT_TRUE(schemas.contains("io.k8s.api.autoscaling.v1.Scale"));
  EXPECT_EQ(pod_spec.at("required").as_array().at(0), "containers");

  boost::json::object index = openapi_document({"openapi", "v3"}, {});
  std::string url(index.at("paths").at("apis/apps/v1").at("serverRelativeURL").as_string());
  EXPECT_TRUE(url.starts_with("/openapi/v3/apis/apps/v1?hash=")) << url;
  EXPECT_THROW(openapi_document({"openapi", "v3", "apis", "nope", "v1"}, {}), ApiError);
}

TEST(Schema, PrunesUnknownFieldsWithKubesPaths) {
  const SchemaCatalog& catalog = SchemaCatalog::builtin();
  boost::json::object pod = obj(R"({"apiVersion":"v1","kind":"Pod","bogus":1,
    "metadata":{"name":"p","labels":{"any-key":"v"}},
    "spec":{"affinity":{"nodeAffinity":{"x":1}},
            "containers":[{"name":"a","image":"i"},{"name":"b","imagee":"i","ports":[{"containerPort":1,"hostt":2}]}]}})");
  std::vector<std::string> unknown = catalog.prune_unknown(*catalog.find_kind("", "v1", "Pod"), pod);
  std::vector<std::string> expected{"bogus", "spec.containers[1].imagee", "spec.containers[1].ports[0].hostt"};
  std::sort(unknown.begin(), unknown.end());
  EXPECT_EQ(unknown, expected);
  EXPECT_FALSE(pod.contains("bogus"));
  const auto& second = pod.at("spec").at("containers").at(1).as_object();
  EXPECT_FALSE(second.contains("imagee"));
  EXPECT_TRUE(second.contains("name"));
  // Maps (labels) and undescribed objects (affinity) keep their contents.
  EXPECT_TRUE(pod.at("metadata").at("labels").as_object().contains("any-key"));
  EXPECT_TRUE(pod.at("spec").at("affinity").at("nodeAffinity").as_object().contains("x"));
}

TEST(Schema, DuplicateJsonFields) {
  EXPECT_TRUE(duplicate_json_fields(R"({"a":1,"b":{"c":1}})").empty());
  EXPECT_EQ(duplicate_json_fields(R"({"spec":{"replicas":1,"list":[{"x":1},{"x":1,"x":2}],"replicas":2}})"),
            (std::vector<std::string>{"spec.list[1].x", "spec.replicas"}));
  EXPECT_TRUE(duplicate_json_fields("{not json").empty());
}

TEST(FieldValidation, StrictWarnIgnore) {
  const ResourceType& cm = *find_resource("", "v1", "configmaps");
  EXPECT_EQ(parse_field_validation(""), FieldValidation::warn);
  EXPECT_EQ(parse_field_validation("Strict"), FieldValidation::strict);
  EXPECT_THROW(parse_field_validation("strict"), ApiError);

  boost::json::object object = obj(R"({"metadata":{"name":"c"},"dataa":{}})");
  try {
    enforce_known_fields(cm, object, FieldValidation::strict, {"data"}, BodyKind::object);
    FAIL() << "strict accepted an unknown field";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.http_code(), 400);
    EXPECT_STREQ(e.what(),
                 "ConfigMap in version \"v1\" cannot be handled as a ConfigMap: strict decoding error: unknown field "
                 "\"dataa\", duplicate field \"data\"");
  }
  object = obj(R"({"metadata":{"name":"c"},"dataa":{}})");
  EXPECT_EQ(enforce_known_fields(cm, object, FieldValidation::warn, {}, BodyKind::patch),
            std::vector<std::string>{"unknown field \"dataa\""});
  EXPECT_FALSE(object.contains("dataa"));
  object = obj(R"({"metadata":{"name":"c"},"dataa":{}})");
  EXPECT_TRUE(enforce_known_fields(cm, object, FieldValidation::ignore, {}, BodyKind::patch).empty());
  EXPECT_FALSE(object.contains("dataa"));
  object = obj(R"({"metadata":{"name":"c"},"data":{"k":"v"}})");
  EXPECT_TRUE(enforce_known_fields(cm, object, FieldValidation::strict, {}, BodyKind::object).empty());
}

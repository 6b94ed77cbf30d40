#pragma once

#include <string_view>
#include <vector>

namespace skiff::apiserver {

// The schema texts of SchemaCatalog::builtin, one per API package (schema_*.cpp).
std::string_view meta_schema_source();
std::string_view core_pod_schema_source();
std::string_view core_schema_source();
std::string_view apps_schema_source();
std::string_view autoscaling_schema_source();
std::string_view cluster_schema_source();

inline std::vector<std::string_view> builtin_schema_sources() {
  return {meta_schema_source(), core_pod_schema_source(),    core_schema_source(),
          apps_schema_source(), autoscaling_schema_source(), cluster_schema_source()};
}

}  // namespace skiff::apiserver

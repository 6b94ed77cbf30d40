#pragma once

#include <boost/json.hpp>
#include <ctime>
#include <string>
#include <vector>

#include "skiff/apiserver/resources.h"

namespace skiff::apiserver {

// What each Table row carries besides its cells (kube's includeObject parameter).
enum class IncludeObject { none, metadata, object };

// The Table (meta.k8s.io/v1) kubectl get asks for, with the columns Kubernetes prints for the
// type (priority 1 columns are the -o wide ones) and ages relative to now.
boost::json::object make_table(const ResourceType& type, const std::vector<boost::json::object>& items,
                               IncludeObject include, bool with_columns, std::time_t now);

// kube's duration.HumanDuration: "45s", "3m20s", "5h", "2d3h", "1y".
std::string human_duration(int64_t seconds);

// Seconds since the epoch of an RFC 3339 time ("2026-01-02T03:04:05Z"), -1 when malformed.
std::time_t parse_timestamp(const std::string& text);

}  // namespace skiff::apiserver

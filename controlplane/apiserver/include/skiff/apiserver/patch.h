#pragma once

#include <boost/json.hpp>

namespace skiff::apiserver {

// RFC 7386 JSON merge patch (application/merge-patch+json): objects merge, null deletes,
// everything else (lists included) replaces.
boost::json::value merge_patch(const boost::json::value& target, const boost::json::value& patch);

// RFC 6902 JSON patch (application/json-patch+json): add, remove, replace, move, copy, test.
// Throws ApiError 422-free BadRequest-style errors as kube does (a failed test, a missing path).
boost::json::value json_patch(const boost::json::value& target, const boost::json::value& operations);

// Kubernetes' strategic merge patch (application/strategic-merge-patch+json): a merge patch in
// which the lists Kubernetes marks with a merge key (containers by name, ports by containerPort
// or port, env by name, volumes by name, volumeMounts by mountPath, ...) merge element by
// element, with the $patch directives (delete, replace, merge) and $setElementOrder,
// $retainKeys and $deleteFromPrimitiveList.
boost::json::value strategic_merge_patch(const boost::json::value& target, const boost::json::value& patch);

}  // namespace skiff::apiserver

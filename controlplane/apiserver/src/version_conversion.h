// Kinds served in more than one version, stored in one: the version a request names is
// converted to the stored one on the way in and back on the way out, as kube's apiserver does.
#pragma once

#include <boost/json.hpp>

#include "skiff/apiserver/resources.h"

namespace skiff::apiserver {

// The type objects of `served` are stored as: `served` itself, or for a version served by
// conversion (resources.h, converted_types) the kind's storage version.
const ResourceType& storage_type(const ResourceType& served);
// `object` (stored) in the version of `served`; objects already in that version are returned as they are.
boost::json::object to_served_version(const ResourceType& served, boost::json::object object);
// `object` (in the version of `served`) in the stored version.
boost::json::object to_storage_version(const ResourceType& served, boost::json::object object);

}  // namespace skiff::apiserver

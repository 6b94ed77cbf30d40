#pragma once

#include <boost/json.hpp>

#include "skiff/apiserver/resources.h"

namespace skiff::apiserver {

// Fills in the fields kube's defaulting fills for this type (pods: restartPolicy, dnsPolicy,
// terminationGracePeriodSeconds, imagePullPolicy by the image's tag, status.phase; deployments:
// replicas, strategy, revisionHistoryLimit, progressDeadlineSeconds; services: type,
// sessionAffinity, port protocols and targetPorts; secrets: type, stringData folded into data).
void apply_defaults(const ResourceType& type, boost::json::object& object);

}  // namespace skiff::apiserver

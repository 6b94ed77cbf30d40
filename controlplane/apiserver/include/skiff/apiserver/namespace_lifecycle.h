#pragma once

// A namespace's life as kube's NamespaceLifecycle admission and namespace controller run it:
// the system namespaces cannot be deleted; a deleted namespace is Terminating, takes no new
// content, and goes once everything in it is gone and its spec.finalizers are empty.
#include <boost/json.hpp>
#include <string>

#include "skiff/apiserver/status.h"

namespace skiff::apiserver {

class ObjectRegistry;
struct ResourceType;

inline constexpr const char* kNamespaceFinalizer = "kubernetes";

// default, kube-system, kube-public and kube-node-lease (which holds the node Leases).
bool is_immortal_namespace(const std::string& name);

// kube's 403: "<resource> "<name>" is forbidden: <why>".
ApiError forbidden(const std::string& group, const std::string& resource, const std::string& name,
                   const std::string& why);

// Throws 403 when the namespace is being terminated: nothing new may be created in it.
void check_namespace_open(const boost::json::object& namespace_object, const ResourceType& type,
                          const std::string& name);

// One pass of the namespace deleter over a Terminating namespace: deletes what is in it, and
// once nothing is left, takes "kubernetes" off its spec.finalizers, which removes it. Returns
// true when there is nothing more to do (the namespace is gone, not being deleted, or only
// waits for its metadata.finalizers), false when it must be looked at again.
bool finish_namespace_deletion(ObjectRegistry& registry, const std::string& name);

}  // namespace skiff::apiserver

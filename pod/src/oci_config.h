#pragma once

// The OCI config.json of a pod's containers, built from runtime::default_spec().

#include <sys/types.h>

#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "pod_store.h"
#include "skiff/pod/pod_spec.h"

namespace skiff::pod {

// The infra container: a read-only rootfs holding only skiff-pause (pause_path bound read-only
// onto /skiff-pause), new network (unless host),
// IPC, UTS (and PID when shared) namespaces, no capabilities. Rootless, also a new user namespace
// that owns them (the caller is its root, its subordinate ids the rest: userns.h).
boost::json::object infra_config(const PodSpec& spec, const std::string& cgroups_path, const std::string& pause_path);

// An app or init container: joins the infra's namespaces through /proc/<infra_pid>/ns, keeps a
// mount (and, unless shared, PID) namespace of its own, and gets the pod's /etc files read-only.
// Rootless, it joins the infra's user namespace as well.
boost::json::object container_config(const PodSpec& pod, const ContainerSpec& container, const PodLayout& layout,
                                     pid_t infra_pid, const std::string& cgroups_path);

// Docker's and containerd's default capability set, by name ("CAP_CHOWN", …).
std::vector<std::string> default_capabilities();

}  // namespace skiff::pod

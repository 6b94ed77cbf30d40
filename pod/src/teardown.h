#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "pod_store.h"
#include "skiff/pod/pod_manager.h"

namespace skiff::pod {

// Stops one container: its stop signal, then SIGKILL to every process in it once grace has
// passed; returns when its monitor has recorded the end and exited. name empty: the infra.
void stop_container(const PodManagerOptions& options, const PodLayout& layout, const std::string& name, int stop_signal,
                    std::chrono::milliseconds grace);

// Removes everything a pod may have, whatever state it is in (a half-made one included): the
// monitors, the runtime containers, the network, the cgroups and the state dir. The caller holds
// the pod's lock. Each step runs even when an earlier one failed; the first error is rethrown.
void teardown_pod(const PodManagerOptions& options, const PodLayout& layout);

}  // namespace skiff::pod

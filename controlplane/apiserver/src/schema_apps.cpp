// Schemas of apps/v1 Deployment, ReplicaSet and DaemonSet (k8s.io/api/apps/v1 as of Kubernetes 1.32).
#include "schema_sources.h"

namespace skiff::apiserver {

std::string_view apps_schema_source() {
  return R"(
package io.k8s.api.apps.v1
Deployment kind=apps/v1/Deployment: Deployment enables declarative updates for Pods and ReplicaSets.
  spec DeploymentSpec: Specification of the desired behavior of the Deployment.
  status DeploymentStatus: Most recently observed status of the Deployment.
DeploymentSpec: DeploymentSpec is the specification of the desired behavior of the Deployment.
  minReadySeconds integer: Minimum number of seconds for which a newly created pod should be ready without any of its container crashing, for it to be considered available. Defaults to 0.
  paused boolean: Indicates that the deployment is paused.
  progressDeadlineSeconds integer: The maximum time in seconds for a deployment to make progress before it is considered to be failed. Defaults to 600s.
  replicas integer: Number of desired pods. This is a pointer to distinguish between explicit zero and not specified. Defaults to 1.
  revisionHistoryLimit integer: The number of old ReplicaSets to retain to allow rollback. Defaults to 10.
  selector LabelSelector required: Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment. It must match the pod template's labels.
  strategy DeploymentStrategy strategy=retainKeys: The deployment strategy to use to replace existing pods with new ones.
  template PodTemplateSpec required: Template describes the pods that will be created. The only allowed template.spec.restartPolicy value is "Always".
DeploymentStrategy: DeploymentStrategy describes how to replace existing pods with new ones.
  rollingUpdate RollingUpdateDeployment: Rolling update config params. Present only if DeploymentStrategyType = RollingUpdate.
  type string: Type of deployment. Can be "Recreate" or "RollingUpdate". Default is RollingUpdate.
RollingUpdateDeployment: Spec to control the desired behavior of rolling update.
  maxSurge IntOrString: The maximum number of pods that can be scheduled above the desired number of pods. Value can be an absolute number (ex: 5) or a percentage of desired pods (ex: 10%). Defaults to 25%.
  maxUnavailable IntOrString: The maximum number of pods that can be unavailable during the update. Value can be an absolute number (ex: 5) or a percentage of desired pods (ex: 10%). Defaults to 25%.
DeploymentStatus: DeploymentStatus is the most recently observed status of the Deployment.
  availableReplicas integer: Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.
  collisionCount integer: Count of hash collisions for the Deployment. The Deployment controller uses this field as a collision avoidance mechanism when it needs to create the name for the newest ReplicaSet.
  conditions []DeploymentCondition merge=type strategy=merge keys=type: Represents the latest available observations of a deployment's current state.
  observedGeneration long: The generation observed by the deployment controller.
  readyReplicas integer: readyReplicas is the number of pods targeted by this Deployment with a Ready Condition.
  replicas integer: Total number of non-terminated pods targeted by this deployment (their labels match the selector).
  unavailableReplicas integer: Total number of unavailable pods targeted by this deployment.
  updatedReplicas integer: Total number of non-terminated pods targeted by this deployment that have the desired template spec.
DeploymentCondition: DeploymentCondition describes the state of a deployment at a certain point.
  lastTransitionTime Time: Last time the condition transitioned from one status to another.
  lastUpdateTime Time: The last time this condition was updated.
  message string: A human readable message indicating details about the transition.
  reason string: The reason for the condition's last transition.
  status string required: Status of the condition, one of True, False, Unknown.
  type string required: Type of deployment condition.

ReplicaSet kind=apps/v1/ReplicaSet: ReplicaSet ensures that a specified number of pod replicas are running at any given time.
  spec ReplicaSetSpec: Spec defines the specification of the desired behavior of the ReplicaSet.
  status ReplicaSetStatus: Status is the most recently observed status of the ReplicaSet. Populated by the system. Read-only.
ReplicaSetSpec: ReplicaSetSpec is the specification of a ReplicaSet.
  minReadySeconds integer: Minimum number of seconds for which a newly created pod should be ready without any of its container crashing, for it to be considered available. Defaults to 0.
  replicas integer: Replicas is the number of desired pods. Defaults to 1.
  selector LabelSelector required: Selector is a label query over pods that should match the replica count. Label keys and values that must match in order to be controlled by this replica set.
  template PodTemplateSpec: Template is the object that describes the pod that will be created if insufficient replicas are detected.
ReplicaSetStatus: ReplicaSetStatus represents the current status of a ReplicaSet.
  availableReplicas integer: The number of available non-terminating pods (ready for at least minReadySeconds) for this replica set.
  conditions []ReplicaSetCondition merge=type strategy=merge keys=type: Represents the latest available observations of a replica set's current state.
  fullyLabeledReplicas integer: The number of non-terminating pods that have labels matching the labels of the pod template of the replicaset.
  observedGeneration long: ObservedGeneration reflects the generation of the most recently observed ReplicaSet.
  readyReplicas integer: The number of non-terminating pods targeted by this ReplicaSet with a Ready Condition.
  replicas integer required: Replicas is the most recently observed number of non-terminating pods.
ReplicaSetCondition: ReplicaSetCondition describes the state of a replica set at a certain point.
  lastTransitionTime Time: The last time the condition transitioned from one status to another.
  message string: A human readable message indicating details about the transition.
  reason string: The reason for the condition's last transition.
  status string required: Status of the condition, one of True, False, Unknown.
  type string required: Type of replica set condition.

DaemonSet kind=apps/v1/DaemonSet: DaemonSet represents the configuration of a daemon set.
  spec DaemonSetSpec: The desired behavior of this daemon set.
  status DaemonSetStatus: The current status of this daemon set. This data may be out of date by some window of time. Populated by the system. Read-only.
DaemonSetSpec: DaemonSetSpec is the specification of a daemon set.
  minReadySeconds integer: The minimum number of seconds for which a newly created DaemonSet pod should be ready without any of its container crashing, for it to be considered available. Defaults to 0.
  revisionHistoryLimit integer: The number of old history to retain to allow rollback. Defaults to 10.
  selector LabelSelector required: A label query over pods that are managed by the daemon set. Must match in order to be controlled. It must match the pod template's labels.
  template PodTemplateSpec required: An object that describes the pod that will be created. The DaemonSet will create exactly one copy of this pod on every node that matches the template's node selector.
  updateStrategy DaemonSetUpdateStrategy: An update strategy to replace existing DaemonSet pods with new pods.
DaemonSetUpdateStrategy: DaemonSetUpdateStrategy is a struct used to control the update strategy for a DaemonSet.
  rollingUpdate RollingUpdateDaemonSet: Rolling update config params. Present only if type = "RollingUpdate".
  type string: Type of daemon set update. Can be "RollingUpdate" or "OnDelete". Default is RollingUpdate.
RollingUpdateDaemonSet: Spec to control the desired behavior of daemon set rolling update.
  maxSurge IntOrString: The maximum number of nodes with an existing available DaemonSet pod that can have an updated DaemonSet pod during during an update. Defaults to 0.
  maxUnavailable IntOrString: The maximum number of DaemonSet pods that can be unavailable during the update. Defaults to 1.
DaemonSetStatus: DaemonSetStatus represents the current status of a daemon set.
  collisionCount integer: Count of hash collisions for the DaemonSet.
  conditions []DaemonSetCondition merge=type strategy=merge keys=type: Represents the latest available observations of a DaemonSet's current state.
  currentNumberScheduled integer required: The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.
  desiredNumberScheduled integer required: The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod).
  numberAvailable integer: The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available.
  numberMisscheduled integer required: The number of nodes that are running the daemon pod, but are not supposed to run the daemon pod.
  numberReady integer required: numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.
  numberUnavailable integer: The number of nodes that should be running the daemon pod and have none of the daemon pod running and available.
  observedGeneration long: The most recent generation observed by the daemon set controller.
  updatedNumberScheduled integer: The total number of nodes that are running updated daemon pod
DaemonSetCondition: DaemonSetCondition describes the state of a DaemonSet at a certain point.
  lastTransitionTime Time: Last time the condition transitioned from one status to another.
  message string: A human readable message indicating details about the transition.
  reason string: The reason for the condition's last transition.
  status string required: Status of the condition, one of True, False, Unknown.
  type string required: Type of DaemonSet condition.
)";
}

}  // namespace skiff::apiserver

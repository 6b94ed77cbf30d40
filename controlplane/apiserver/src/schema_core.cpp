// Schemas of the core/v1 kinds other than Pod (k8s.io/api/core/v1 as of Kubernetes 1.32).
#include "schema_sources.h"

namespace skiff::apiserver {

std::string_view core_schema_source() {
  return R"(
package io.k8s.api.core.v1
Service kind=v1/Service: Service is a named abstraction of software service (for example, mysql) consisting of local port (for example 3306) that the proxy listens on, and the selector that determines which pods will answer requests sent through the proxy.
  spec ServiceSpec: Spec defines the behavior of a service.
  status ServiceStatus: Most recently observed status of the service. Populated by the system. Read-only.
ServiceSpec: ServiceSpec describes the attributes that a user creates on a service.
  allocateLoadBalancerNodePorts boolean: allocateLoadBalancerNodePorts defines if NodePorts will be automatically allocated for services with type LoadBalancer. Default is "true".
  clusterIP string: clusterIP is the IP address of the service and is usually assigned randomly.
  clusterIPs []string: ClusterIPs is a list of IP addresses assigned to this service, and are usually assigned randomly.
  externalIPs []string: externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.
  externalName string: externalName is the external reference that discovery mechanisms will return as an alias for this service (e.g. a DNS CNAME record). Requires `type` to be "ExternalName".
  externalTrafficPolicy string: externalTrafficPolicy describes how nodes distribute service traffic they receive on one of the Service's "externally-facing" addresses. One of Local or Cluster.
  healthCheckNodePort integer: healthCheckNodePort specifies the healthcheck nodePort for the service.
  internalTrafficPolicy string: InternalTrafficPolicy describes how nodes distribute service traffic they receive on the ClusterIP. One of Local or Cluster.
  ipFamilies []string: IPFamilies is a list of IP families (e.g. IPv4, IPv6) assigned to this service.
  ipFamilyPolicy string: IPFamilyPolicy represents the dual-stack-ness requested or required by this Service: SingleStack, PreferDualStack or RequireDualStack.
  loadBalancerClass string: loadBalancerClass is the class of the load balancer implementation this Service belongs to.
  loadBalancerIP string: Only applies to Service Type: LoadBalancer. Deprecated: This field was under-specified and its meaning varies across implementations.
  loadBalancerSourceRanges []string: If specified and supported by the platform, this will restrict traffic through the cloud-provider load-balancer will be restricted to the specified client IPs.
  ports []ServicePort merge=port strategy=merge keys=port,protocol: The list of ports that are exposed by this service.
  publishNotReadyAddresses boolean: publishNotReadyAddresses indicates that any agent which deals with endpoints for this Service should disregard any indications of ready/not-ready.
  selector map[string]: Route service traffic to pods with label keys and values matching this selector. If empty or not present, the service is assumed to have an external process managing its endpoints.
  sessionAffinity string: Supports "ClientIP" and "None". Used to maintain session affinity. Defaults to None.
  sessionAffinityConfig object: sessionAffinityConfig contains the configurations of session affinity.
  trafficDistribution string: TrafficDistribution offers a way to express preferences for how traffic is distributed to Service endpoints.
  type string: type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer.
ServicePort: ServicePort contains information on service's port.
  appProtocol string: The application protocol for this port. This is used as a hint for implementations to offer richer behavior for protocols that they understand.
  name string: The name of this port within the service. This must be a DNS_LABEL. All ports within a ServiceSpec must have unique names.
  nodePort integer: The port on each node on which this service is exposed when type is NodePort or LoadBalancer.
  port integer required: The port that will be exposed by this service.
  protocol string: The IP protocol for this port. Supports "TCP", "UDP", and "SCTP". Default is TCP.
  targetPort IntOrString: Number or name of the port to access on the pods targeted by the service. Defaults to the value of the 'port' field.
ServiceStatus: ServiceStatus represents the current status of a service.
  conditions []Condition merge=type strategy=merge keys=type: Current service state
  loadBalancer LoadBalancerStatus: LoadBalancer contains the current status of the load-balancer, if one is present.
LoadBalancerStatus: LoadBalancerStatus represents the status of a load-balancer.
  ingress []LoadBalancerIngress: Ingress is a list containing ingress points for the load-balancer.
LoadBalancerIngress: LoadBalancerIngress represents the status of a load-balancer ingress point: traffic intended for the service should be sent to an ingress point.
  hostname string: Hostname is set for load-balancer ingress points that are DNS based (typically AWS load-balancers)
  ip string: IP is set for load-balancer ingress points that are IP based (typically GCE or OpenStack load-balancers)
  ipMode string: IPMode specifies how the load-balancer IP behaves, and may only be specified when the ip field is specified.
  ports []PortStatus: Ports is a list of records of service ports.
PortStatus: PortStatus represents the error condition of a service port
  error string: Error is to record the problem with the service port.
  port integer required: Port is the port number of the service port of which status is recorded here
  protocol string required: Protocol is the protocol of the service port of which status is recorded here.

ConfigMap kind=v1/ConfigMap: ConfigMap holds configuration data for pods to consume.
  binaryData map[string]: BinaryData contains the binary data. Each key must consist of alphanumeric characters, '-', '_' or '.'.
  data map[string]: Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'.
  immutable boolean: Immutable, if set to true, ensures that data stored in the ConfigMap cannot be updated (only object metadata can be modified).

Secret kind=v1/Secret: Secret holds secret data of a certain type. The total bytes of the values in the Data field must be less than MaxSecretSize bytes.
  data map[string]: Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string.
  immutable boolean: Immutable, if set to true, ensures that data stored in the Secret cannot be updated (only object metadata can be modified).
  stringData map[string]: stringData allows specifying non-binary secret data in string form. It is provided as a write-only input field for convenience.
  type string: Used to facilitate programmatic handling of secret data.

Namespace kind=v1/Namespace: Namespace provides a scope for Names. Use of multiple namespaces is optional.
  spec NamespaceSpec: Spec defines the behavior of the Namespace.
  status NamespaceStatus: Status describes the current status of a Namespace.
NamespaceSpec: NamespaceSpec describes the attributes on a Namespace.
  finalizers []string: Finalizers is an opaque list of values that must be empty to permanently remove object from storage.
NamespaceStatus: NamespaceStatus is information about the current status of a Namespace.
  conditions []NamespaceCondition merge=type strategy=merge keys=type: Represents the latest available observations of a namespace's current state.
  phase string: Phase is the current lifecycle phase of the namespace: Active or Terminating.
NamespaceCondition: NamespaceCondition contains details about state of namespace.
  lastTransitionTime Time: Last time the condition transitioned from one status to another.
  message string: Human-readable message indicating details about last transition.
  reason string: Unique, one-word, CamelCase reason for the condition's last transition.
  status string required: Status of the condition, one of True, False, Unknown.
  type string required: Type of namespace controller condition.

Node kind=v1/Node: Node is a worker node in Kubernetes. Each node will have a unique identifier in the cache (i.e. in etcd).
  spec NodeSpec: Spec defines the behavior of a node.
  status NodeStatus: Most recently observed status of the node. Populated by the system. Read-only.
NodeSpec: NodeSpec describes the attributes that a node is created with.
  configSource object: Deprecated: Previously used to specify the source of the node's configuration for the DynamicKubeletConfig feature.
  externalID string: Deprecated. Not all kubelets will set this field.
  podCIDR string: PodCIDR represents the pod IP range assigned to the node.
  podCIDRs []string strategy=merge: podCIDRs represents the IP ranges assigned to the node for usage by Pods on that node.
  providerID string: ID of the node assigned by the cloud provider in the format: <ProviderName>://<ProviderSpecificNodeID>
  taints []Taint: If specified, the node's taints.
  unschedulable boolean: Unschedulable controls node schedulability of new pods. By default, node is schedulable.
Taint: The node this Taint is attached to has the "effect" on any pod that does not tolerate the Taint.
  effect string required: Required. The effect of the taint on pods that do not tolerate the taint. Valid effects are NoSchedule, PreferNoSchedule and NoExecute.
  key string required: Required. The taint key to be applied to a node.
  timeAdded Time: TimeAdded represents the time at which the taint was added. It is only written for NoExecute taints.
  value string: The taint value corresponding to the taint key.
NodeStatus: NodeStatus is information about the current status of a node.
  addresses []NodeAddress merge=type strategy=merge keys=type: List of addresses reachable to the node.
  allocatable map[Quantity]: Allocatable represents the resources of a node that are available for scheduling. Defaults to Capacity.
  capacity map[Quantity]: Capacity represents the total resources of a node.
  conditions []NodeCondition merge=type strategy=merge keys=type: Conditions is an array of current observed node conditions.
  config object: Status of the config assigned to the node via the dynamic Kubelet config feature.
  daemonEndpoints object: Endpoints of daemons running on the Node.
  features object: Features describes the set of features implemented by the CRI implementation.
  images []ContainerImage: List of container images on this node
  nodeInfo NodeSystemInfo: Set of ids/uuids to uniquely identify the node.
  phase string: NodePhase is the recently observed lifecycle phase of the node. Deprecated.
  runtimeHandlers []object: The available runtime handlers.
  volumesAttached []object: List of volumes that are attached to the node.
  volumesInUse []string: List of attachable volumes in use (mounted) by the node.
NodeAddress: NodeAddress contains information for the node's address.
  address string required: The node address.
  type string required: Node address type, one of Hostname, ExternalIP or InternalIP.
NodeCondition: NodeCondition contains condition information for a node.
  lastHeartbeatTime Time: Last time we got an update on a given condition.
  lastTransitionTime Time: Last time the condition transit from one status to another.
  message string: Human readable message indicating details about last transition.
  reason string: (brief) reason for the condition's last transition.
  status string required: Status of the condition, one of True, False, Unknown.
  type string required: Type of node condition.
ContainerImage: Describe a container image
  names []string: Names by which this image is known. e.g. ["kubernetes.example/hyperkube:v1.0.7", "cloud-vendor.registry.example/cloud-vendor/hyperkube:v1.0.7"]
  sizeBytes long: The size of the image in bytes.
NodeSystemInfo: NodeSystemInfo is a set of ids/uuids to uniquely identify the node.
  architecture string required: The Architecture reported by the node
  bootID string required: Boot ID reported by the node.
  containerRuntimeVersion string required: ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).
  kernelVersion string required: Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).
  kubeProxyVersion string required: Deprecated: KubeProxy Version reported by the node.
  kubeletVersion string required: Kubelet Version reported by the node.
  machineID string required: MachineID reported by the node.
  operatingSystem string required: The Operating System reported by the node
  osImage string required: OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).
  systemUUID string required: SystemUUID reported by the node.

Endpoints kind=v1/Endpoints: Endpoints is a collection of endpoints that implement the actual service.
  subsets []EndpointSubset: The set of all endpoints is the union of all subsets.
EndpointSubset: EndpointSubset is a group of addresses with a common set of ports.
  addresses []EndpointAddress: IP addresses which offer the related ports that are marked as ready.
  notReadyAddresses []EndpointAddress: IP addresses which offer the related ports but are not currently marked as ready.
  ports []EndpointPort: Port numbers available on the related IP addresses.
EndpointAddress: EndpointAddress is a tuple that describes single IP address.
  hostname string: The Hostname of this endpoint
  ip string required: The IP of this endpoint.
  nodeName string: Optional: Node hosting this endpoint.
  targetRef ObjectReference: Reference to object providing the endpoint.
EndpointPort: EndpointPort is a tuple that describes a single port.
  appProtocol string: The application protocol for this port.
  name string: The name of this port. This must match the 'name' field in the corresponding ServicePort.
  port integer required: The port number of the endpoint.
  protocol string: The IP protocol for this port. Must be UDP, TCP, or SCTP. Default is TCP.
ObjectReference: ObjectReference contains enough information to let you inspect or modify the referred object.
  apiVersion string: API version of the referent.
  fieldPath string: If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2].
  kind string: Kind of the referent.
  name string: Name of the referent.
  namespace string: Namespace of the referent.
  resourceVersion string: Specific resourceVersion to which this reference is made, if any.
  uid string: UID of the referent.

Event kind=v1/Event: Event is a report of an event somewhere in the cluster.
  action string: What action was taken/failed regarding to the Regarding object.
  count integer: The number of times this event has occurred.
  eventTime MicroTime: Time when this Event was first observed.
  firstTimestamp Time: The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)
  involvedObject ObjectReference required: The object that this event is about.
  lastTimestamp Time: The time at which the most recent occurrence of this event was recorded.
  message string: A human-readable description of the status of this operation.
  reason string: This should be a short, machine understandable string that gives the reason for the transition into the object's current status.
  related ObjectReference: Optional secondary object for more complex actions.
  reportingComponent string: Name of the controller that emitted this Event, e.g. `kubernetes.io/kubelet`.
  reportingInstance string: ID of the controller instance, e.g. `kubelet-xyzf`.
  series EventSeries: Data about the Event series this event represents or nil if it's a singleton Event.
  source EventSource: The component reporting this event. Should be a short machine understandable string.
  type string: Type of this event (Normal, Warning), new types could be added in the future
EventSeries: EventSeries contain information on series of events, i.e. thing that was/is happening continuously for some time.
  count integer: Number of occurrences in this series up to the last heartbeat time
  lastObservedTime MicroTime: Time of the last occurrence observed
EventSource: EventSource contains information for an event.
  component string: Component from which the event is generated.
  host string: Node name on which the event is generated.

ServiceAccount kind=v1/ServiceAccount: ServiceAccount binds together: a name, understood by users, and perhaps by peripheral systems, for an identity, a principal that can be authenticated and authorized and a set of secrets.
  automountServiceAccountToken boolean: AutomountServiceAccountToken indicates whether pods running as this service account should have an API token automatically mounted.
  imagePullSecrets []LocalObjectReference: ImagePullSecrets is a list of references to secrets in the same namespace to use for pulling any images in pods that reference this ServiceAccount.
  secrets []ObjectReference merge=name strategy=merge: Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.

Binding kind=v1/Binding: Binding ties one object to another; for example, a pod is bound to a node by a scheduler.
  target ObjectReference required: The target object that you want to bind to the standard object.
)";
}

}  // namespace skiff::apiserver

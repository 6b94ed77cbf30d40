// Schemas of core/v1 Pod and the types it is made of (k8s.io/api/core/v1 as of Kubernetes 1.32).
#include "schema_sources.h"

namespace skiff::apiserver {

std::string_view core_pod_schema_source() {
  return R"(
package io.k8s.api.core.v1
Pod kind=v1/Pod: Pod is a collection of containers that can run on a host. This resource is created by clients and scheduled onto hosts.
  spec PodSpec: Specification of the desired behavior of the pod.
  status PodStatus: Most recently observed status of the pod. This data may not be up to date. Populated by the system. Read-only.

PodTemplateSpec: PodTemplateSpec describes the data a pod should have when created from a template.
  metadata ObjectMeta: Standard object's metadata.
  spec PodSpec: Specification of the desired behavior of the pod.

PodSpec: PodSpec is a description of a pod.
  activeDeadlineSeconds long: Optional duration in seconds the pod may be active on the node relative to StartTime before the system will actively try to mark it failed and kill associated containers.
  affinity Affinity: If specified, the pod's scheduling constraints.
  automountServiceAccountToken boolean: AutomountServiceAccountToken indicates whether a service account token should be automatically mounted.
  containers []Container required merge=name strategy=merge: List of containers belonging to the pod. Containers cannot currently be added or removed. There must be at least one container in a Pod. Cannot be updated.
  dnsConfig PodDNSConfig: Specifies the DNS parameters of a pod. Parameters specified here will be merged to the generated DNS configuration based on DNSPolicy.
  dnsPolicy string: Set DNS policy for the pod. Defaults to "ClusterFirst". Valid values are 'ClusterFirstWithHostNet', 'ClusterFirst', 'Default' or 'None'.
  enableServiceLinks boolean: EnableServiceLinks indicates whether information about services should be injected into pod's environment variables, matching the syntax of Docker links. Optional: Defaults to true.
  ephemeralContainers []EphemeralContainer merge=name strategy=merge: List of ephemeral containers run in this pod. Ephemeral containers may be run in an existing pod to perform user-initiated actions such as debugging.
  hostAliases []HostAlias merge=ip strategy=merge keys=ip: HostAliases is an optional list of hosts and IPs that will be injected into the pod's hosts file if specified.
  hostIPC boolean: Use the host's ipc namespace. Optional: Default to false.
  hostNetwork boolean: Host networking requested for this pod. Use the host's network namespace. Default to false.
  hostPID boolean: Use the host's pid namespace. Optional: Default to false.
  hostUsers boolean: Use the host's user namespace. Optional: Default to true. If set to false, a new user namespace is created for the pod.
  hostname string: Specifies the hostname of the Pod. If not specified, the pod's hostname will be set to a system-defined value.
  imagePullSecrets []LocalObjectReference merge=name strategy=merge: ImagePullSecrets is an optional list of references to secrets in the same namespace to use for pulling any of the images used by this PodSpec.
  initContainers []Container merge=name strategy=merge: List of initialization containers belonging to the pod. Init containers are executed in order prior to containers being started.
  nodeName string: NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName.
  nodeSelector map[string]: NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node.
  os PodOS: Specifies the OS of the containers in the pod.
  overhead map[Quantity]: Overhead represents the resource overhead associated with running a pod for a given RuntimeClass.
  preemptionPolicy string: PreemptionPolicy is the Policy for preempting pods with lower priority. One of Never, PreemptLowerPriority. Defaults to PreemptLowerPriority if unset.
  priority integer: The priority value. Various system components use this field to find the priority of the pod.
  priorityClassName string: If specified, indicates the pod's priority.
  readinessGates []PodReadinessGate: If specified, all readiness gates will be evaluated for pod readiness.
  resourceClaims []PodResourceClaim merge=name strategy=merge,retainKeys keys=name: ResourceClaims defines which ResourceClaims must be allocated and reserved before the Pod is allowed to start.
  resources ResourceRequirements: Resources is the total amount of CPU and Memory resources required by all containers in the pod.
  restartPolicy string: Restart policy for all containers within the pod. One of Always, OnFailure, Never. Default to Always.
  runtimeClassName string: RuntimeClassName refers to a RuntimeClass object in the node.k8s.io group, which should be used to run this pod.
  schedulerName string: If specified, the pod will be dispatched by specified scheduler. If not specified, the pod will be dispatched by default scheduler.
  schedulingGates []PodSchedulingGate merge=name strategy=merge keys=name: SchedulingGates is an opaque list of values that if specified will block scheduling the pod.
  securityContext PodSecurityContext: SecurityContext holds pod-level security attributes and common container settings. Optional: Defaults to empty.
  serviceAccount string: DeprecatedServiceAccount is a deprecated alias for ServiceAccountName. Deprecated: Use serviceAccountName instead.
  serviceAccountName string: ServiceAccountName is the name of the ServiceAccount to use to run this pod.
  setHostnameAsFQDN boolean: If true the pod's hostname will be configured as the pod's FQDN, rather than the leaf name (the default).
  shareProcessNamespace boolean: Share a single process namespace between all of the containers in a pod. Optional: Default to false.
  subdomain string: If specified, the fully qualified Pod hostname will be "<hostname>.<subdomain>.<pod namespace>.svc.<cluster domain>".
  terminationGracePeriodSeconds long: Optional duration in seconds the pod needs to terminate gracefully. Defaults to 30 seconds.
  tolerations []Toleration: If specified, the pod's tolerations.
  topologySpreadConstraints []TopologySpreadConstraint merge=topologyKey strategy=merge keys=topologyKey,whenUnsatisfiable: TopologySpreadConstraints describes how a group of pods ought to spread across topology domains.
  volumes []Volume merge=name strategy=merge,retainKeys: List of volumes that can be mounted by containers belonging to the pod.

Container: A single application container that you want to run within a pod.
  args []string: Arguments to the entrypoint. The container image's CMD is used if this is not provided.
  command []string: Entrypoint array. Not executed within a shell. The container image's ENTRYPOINT is used if this is not provided.
  env []EnvVar merge=name strategy=merge: List of environment variables to set in the container. Cannot be updated.
  envFrom []EnvFromSource: List of sources to populate environment variables in the container.
  image string: Container image name. This field is optional to allow higher level config management to default or override container images in workload controllers like Deployments and StatefulSets.
  imagePullPolicy string: Image pull policy. One of Always, Never, IfNotPresent. Defaults to Always if :latest tag is specified, or IfNotPresent otherwise. Cannot be updated.
  lifecycle Lifecycle: Actions that the management system should take in response to container lifecycle events. Cannot be updated.
  livenessProbe Probe: Periodic probe of container liveness. Container will be restarted if the probe fails. Cannot be updated.
  name string required: Name of the container specified as a DNS_LABEL. Each container in a pod must have a unique name (DNS_LABEL). Cannot be updated.
  ports []ContainerPort merge=containerPort strategy=merge keys=containerPort,protocol: List of ports to expose from the container. Not specifying a port here DOES NOT prevent that port from being exposed.
  readinessProbe Probe: Periodic probe of container service readiness. Container will be removed from service endpoints if the probe fails. Cannot be updated.
  resizePolicy []ContainerResizePolicy: Resources resize policy for the container.
  resources ResourceRequirements: Compute Resources required by this container. Cannot be updated.
  restartPolicy string: RestartPolicy defines the restart behavior of individual containers in a pod. This field may only be set for init containers, and the only allowed value is "Always".
  securityContext SecurityContext: SecurityContext defines the security options the container should be run with. If set, the fields of SecurityContext override the equivalent fields of PodSecurityContext.
  startupProbe Probe: StartupProbe indicates that the Pod has successfully initialized. If specified, no other probes are executed until this completes successfully.
  stdin boolean: Whether this container should allocate a buffer for stdin in the container runtime. If this is not set, reads from stdin in the container will always result in EOF. Default is false.
  stdinOnce boolean: Whether the container runtime should close the stdin channel after it has been opened by a single attach. Default is false.
  terminationMessagePath string: Optional: Path at which the file to which the container's termination message will be written is mounted into the container's filesystem. Defaults to /dev/termination-log.
  terminationMessagePolicy string: Indicate how the termination message should be populated. File will use the contents of terminationMessagePath. Defaults to File.
  tty boolean: Whether this container should allocate a TTY for itself, also requires 'stdin' to be true. Default is false.
  volumeDevices []VolumeDevice merge=devicePath strategy=merge: volumeDevices is the list of block devices to be used by the container.
  volumeMounts []VolumeMount merge=mountPath strategy=merge: Pod volumes to mount into the container's filesystem. Cannot be updated.
  workingDir string: Container's working directory. If not specified, the container runtime's default will be used. Cannot be updated.

EphemeralContainer: An EphemeralContainer is a temporary container that you may add to an existing Pod for user-initiated activities such as debugging.
  args []string: Arguments to the entrypoint.
  command []string: Entrypoint array. Not executed within a shell.
  env []EnvVar merge=name strategy=merge: List of environment variables to set in the container.
  envFrom []EnvFromSource: List of sources to populate environment variables in the container.
  image string: Container image name.
  imagePullPolicy string: Image pull policy. One of Always, Never, IfNotPresent.
  lifecycle Lifecycle: Lifecycle is not allowed for ephemeral containers.
  livenessProbe Probe: Probes are not allowed for ephemeral containers.
  name string required: Name of the ephemeral container specified as a DNS_LABEL. This name must be unique among all containers, init containers and ephemeral containers.
  ports []ContainerPort merge=containerPort strategy=merge keys=containerPort,protocol: Ports are not allowed for ephemeral containers.
  readinessProbe Probe: Probes are not allowed for ephemeral containers.
  resizePolicy []ContainerResizePolicy: Resources resize policy for the container.
  resources ResourceRequirements: Resources are not allowed for ephemeral containers.
  restartPolicy string: Restart policy for the container to manage the restart behavior of each container within a pod.
  securityContext SecurityContext: Optional: SecurityContext defines the security options the ephemeral container should be run with.
  startupProbe Probe: Probes are not allowed for ephemeral containers.
  stdin boolean: Whether this container should allocate a buffer for stdin in the container runtime.
  stdinOnce boolean: Whether the container runtime should close the stdin channel after it has been opened by a single attach.
  targetContainerName string: If set, the name of the container from PodSpec that this ephemeral container targets.
  terminationMessagePath string: Optional: Path at which the file to which the container's termination message will be written is mounted into the container's filesystem.
  terminationMessagePolicy string: Indicate how the termination message should be populated.
  tty boolean: Whether this container should allocate a TTY for itself, also requires 'stdin' to be true.
  volumeDevices []VolumeDevice merge=devicePath strategy=merge: volumeDevices is the list of block devices to be used by the container.
  volumeMounts []VolumeMount merge=mountPath strategy=merge: Pod volumes to mount into the container's filesystem.
  workingDir string: Container's working directory.

ContainerPort: ContainerPort represents a network port in a single container.
  containerPort integer required: Number of port to expose on the pod's IP address. This must be a valid port number, 0 < x < 65536.
  hostIP string: What host IP to bind the external port to.
  hostPort integer: Number of port to expose on the host. If specified, this must be a valid port number, 0 < x < 65536.
  name string: If specified, this must be an IANA_SVC_NAME and unique within the pod. Each named port in a pod must have a unique name.
  protocol string: Protocol for port. Must be UDP, TCP, or SCTP. Defaults to "TCP".

EnvVar: EnvVar represents an environment variable present in a Container.
  name string required: Name of the environment variable. Must be a C_IDENTIFIER.
  value string: Variable references $(VAR_NAME) are expanded using the previously defined environment variables in the container and any service environment variables. Defaults to "".
  valueFrom EnvVarSource: Source for the environment variable's value. Cannot be used if value is not empty.
EnvVarSource: EnvVarSource represents a source for the value of an EnvVar.
  configMapKeyRef ConfigMapKeySelector: Selects a key of a ConfigMap.
  fieldRef ObjectFieldSelector: Selects a field of the pod: supports metadata.name, metadata.namespace, `metadata.labels['<KEY>']`, `metadata.annotations['<KEY>']`, spec.nodeName, spec.serviceAccountName, status.hostIP, status.podIP, status.podIPs.
  resourceFieldRef ResourceFieldSelector: Selects a resource of the container: only resources limits and requests are currently supported.
  secretKeyRef SecretKeySelector: Selects a key of a secret in the pod's namespace.
ConfigMapKeySelector: Selects a key from a ConfigMap.
  key string required: The key to select.
  name string: Name of the referent.
  optional boolean: Specify whether the ConfigMap or its key must be defined.
SecretKeySelector: SecretKeySelector selects a key of a Secret.
  key string required: The key of the secret to select from. Must be a valid secret key.
  name string: Name of the referent.
  optional boolean: Specify whether the Secret or its key must be defined.
ObjectFieldSelector: ObjectFieldSelector selects an APIVersioned field of an object.
  apiVersion string: Version of the schema the FieldPath is written in terms of, defaults to "v1".
  fieldPath string required: Path of the field to select in the specified API version.
ResourceFieldSelector: ResourceFieldSelector represents container resources (cpu, memory) and their output format.
  containerName string: Container name: required for volumes, optional for env vars.
  divisor Quantity: Specifies the output format of the exposed resources, defaults to "1".
  resource string required: Required: resource to select.
EnvFromSource: EnvFromSource represents the source of a set of ConfigMaps or Secrets.
  configMapRef ConfigMapEnvSource: The ConfigMap to select from.
  prefix string: Optional text to prepend to the name of each environment variable. Must be a C_IDENTIFIER.
  secretRef SecretEnvSource: The Secret to select from.
ConfigMapEnvSource: ConfigMapEnvSource selects a ConfigMap to populate the environment variables with.
  name string: Name of the referent.
  optional boolean: Specify whether the ConfigMap must be defined.
SecretEnvSource: SecretEnvSource selects a Secret to populate the environment variables with.
  name string: Name of the referent.
  optional boolean: Specify whether the Secret must be defined.

VolumeMount: VolumeMount describes a mounting of a Volume within a container.
  mountPath string required: Path within the container at which the volume should be mounted. Must not contain ':'.
  mountPropagation string: mountPropagation determines how mounts are propagated from the host to container and the other way around. When not set, MountPropagationNone is used.
  name string required: This must match the Name of a Volume.
  readOnly boolean: Mounted read-only if true, read-write otherwise (false or unspecified). Defaults to false.
  recursiveReadOnly string: RecursiveReadOnly specifies whether read-only mounts should be handled recursively.
  subPath string: Path within the volume from which the container's volume should be mounted. Defaults to "" (volume's root).
  subPathExpr string: Expanded path within the volume from which the container's volume should be mounted.
VolumeDevice: volumeDevice describes a mapping of a raw block device within a container.
  devicePath string required: devicePath is the path inside of the container that the device will be mapped to.
  name string required: name must match the name of a persistentVolumeClaim in the pod.

Volume: Volume represents a named volume in a pod that may be accessed by any container in the pod.
  awsElasticBlockStore object: Deprecated: awsElasticBlockStore represents an AWS Disk resource that is attached to a kubelet's host machine and then exposed to the pod.
  azureDisk object: Deprecated: azureDisk represents an Azure Data Disk mount on the host and bind mount to the pod.
  azureFile object: Deprecated: azureFile represents an Azure File Service mount on the host and bind mount to the pod.
  cephfs object: Deprecated: cephFS represents a Ceph FS mount on the host that shares a pod's lifetime.
  cinder object: Deprecated: cinder represents a cinder volume attached and mounted on kubelets host machine.
  configMap ConfigMapVolumeSource: configMap represents a configMap that should populate this volume.
  csi object: csi (Container Storage Interface) represents ephemeral storage that is handled by certain external CSI drivers.
  downwardAPI DownwardAPIVolumeSource: downwardAPI represents downward API about the pod that should populate this volume.
  emptyDir EmptyDirVolumeSource: emptyDir represents a temporary directory that shares a pod's lifetime.
  ephemeral object: ephemeral represents a volume that is handled by a cluster storage driver. The volume's lifecycle is tied to the pod that defines it.
  fc object: fc represents a Fibre Channel resource that is attached to a kubelet's host machine and then exposed to the pod.
  flexVolume object: Deprecated: flexVolume represents a generic volume resource that is provisioned/attached using an exec based plugin.
  flocker object: Deprecated: flocker represents a Flocker volume attached to a kubelet's host machine.
  gcePersistentDisk object: Deprecated: gcePersistentDisk represents a GCE Disk resource that is attached to a kubelet's host machine and then exposed to the pod.
  gitRepo object: Deprecated: gitRepo represents a git repository at a particular revision.
  glusterfs object: Deprecated: glusterfs represents a Glusterfs mount on the host that shares a pod's lifetime.
  hostPath HostPathVolumeSource: hostPath represents a pre-existing file or directory on the host machine that is directly exposed to the container.
  image ImageVolumeSource: image represents an OCI object (a container image or artifact) pulled and mounted on the kubelet's host machine.
  iscsi object: iscsi represents an ISCSI Disk resource that is attached to a kubelet's host machine and then exposed to the pod.
  name string required: name of the volume. Must be a DNS_LABEL and unique within the pod.
  nfs NFSVolumeSource: nfs represents an NFS mount on the host that shares a pod's lifetime.
  persistentVolumeClaim PersistentVolumeClaimVolumeSource: persistentVolumeClaimVolumeSource represents a reference to a PersistentVolumeClaim in the same namespace.
  photonPersistentDisk object: Deprecated: photonPersistentDisk represents a PhotonController persistent disk attached and mounted on kubelets host machine.
  portworxVolume object: Deprecated: portworxVolume represents a portworx volume attached and mounted on kubelets host machine.
  projected ProjectedVolumeSource: projected items for all in one resources secrets, configmaps, and downward API.
  quobyte object: Deprecated: quobyte represents a Quobyte mount on the host that shares a pod's lifetime.
  rbd object: Deprecated: rbd represents a Rados Block Device mount on the host that shares a pod's lifetime.
  scaleIO object: Deprecated: scaleIO represents a ScaleIO persistent volume attached and mounted on Kubernetes nodes.
  secret SecretVolumeSource: secret represents a secret that should populate this volume.
  storageos object: Deprecated: storageOS represents a StorageOS volume attached and mounted on Kubernetes nodes.
  vsphereVolume object: Deprecated: vsphereVolume represents a vSphere volume attached and mounted on kubelets host machine.
EmptyDirVolumeSource: Represents an empty directory for a pod. Empty directory volumes support ownership management and SELinux relabeling.
  medium string: medium represents what type of storage medium should back this directory. The default is "" which means to use the node's default medium. Must be an empty string (default) or Memory.
  sizeLimit Quantity: sizeLimit is the total amount of local storage required for this EmptyDir volume.
ConfigMapVolumeSource: Adapts a ConfigMap into a volume. The contents of the target ConfigMap's Data field will be presented in a volume as files using the keys in the Data field as the file names.
  defaultMode integer: defaultMode is optional: mode bits used to set permissions on created files by default. Defaults to 0644.
  items []KeyToPath: items if unspecified, each key-value pair in the Data field of the referenced ConfigMap will be projected into the volume as a file whose name is the key and content is the value.
  name string: Name of the referent.
  optional boolean: optional specify whether the ConfigMap or its keys must be defined.
SecretVolumeSource: Adapts a Secret into a volume. The contents of the target Secret's Data field will be presented in a volume as files using the keys in the Data field as the file names.
  defaultMode integer: defaultMode is Optional: mode bits used to set permissions on created files by default. Defaults to 0644.
  items []KeyToPath: items If unspecified, each key-value pair in the Data field of the referenced Secret will be projected into the volume as a file whose name is the key and content is the value.
  optional boolean: optional field specify whether the Secret or its keys must be defined.
  secretName string: secretName is the name of the secret in the pod's namespace to use.
KeyToPath: Maps a string key to a path within a volume.
  key string required: key is the key to project.
  mode integer: mode is Optional: mode bits used to set permissions on this file.
  path string required: path is the relative path of the file to map the key to. May not be an absolute path. May not contain the path element '..'.
HostPathVolumeSource: Represents a host path mapped into a pod. Host path volumes do not support ownership management or SELinux relabeling.
  path string required: path of the directory on the host. If the path is a symlink, it will follow the link to the real path.
  type string: type for HostPath Volume. Defaults to "".
ImageVolumeSource: ImageVolumeSource represents a image volume resource.
  pullPolicy string: Policy for pulling OCI objects. Possible values are: Always, Never, IfNotPresent.
  reference string: Required: Image or artifact reference to be used.
NFSVolumeSource: Represents an NFS mount that lasts the lifetime of a pod.
  path string required: path that is exported by the NFS server.
  readOnly boolean: readOnly here will force the NFS export to be mounted with read-only permissions. Defaults to false.
  server string required: server is the hostname or IP address of the NFS server.
PersistentVolumeClaimVolumeSource: PersistentVolumeClaimVolumeSource references the user's PVC in the same namespace.
  claimName string required: claimName is the name of a PersistentVolumeClaim in the same namespace as the pod using this volume.
  readOnly boolean: readOnly Will force the ReadOnly setting in VolumeMounts. Default false.
ProjectedVolumeSource: Represents a projected volume source.
  defaultMode integer: defaultMode are the mode bits used to set permissions on created files by default.
  sources []VolumeProjection: sources is the list of volume projections. Each entry in this list handles one source.
VolumeProjection: Projection that may be projected along with other supported volume types. Exactly one of these fields must be set.
  clusterTrustBundle object: ClusterTrustBundle allows a pod to access the `.spec.trustBundle` field of ClusterTrustBundle objects in an auto-updating file.
  configMap ConfigMapProjection: configMap information about the configMap data to project.
  downwardAPI DownwardAPIProjection: downwardAPI information about the downwardAPI data to project.
  secret SecretProjection: secret information about the secret data to project.
  serviceAccountToken ServiceAccountTokenProjection: serviceAccountToken is information about the serviceAccountToken data to project.
ConfigMapProjection: Adapts a ConfigMap into a projected volume.
  items []KeyToPath: items if unspecified, each key-value pair in the Data field of the referenced ConfigMap will be projected into the volume as a file whose name is the key and content is the value.
  name string: Name of the referent.
  optional boolean: optional specify whether the ConfigMap or its keys must be defined.
SecretProjection: Adapts a secret into a projected volume.
  items []KeyToPath: items if unspecified, each key-value pair in the Data field of the referenced Secret will be projected into the volume as a file whose name is the key and content is the value.
  name string: Name of the referent.
  optional boolean: optional field specify whether the Secret or its key must be defined.
DownwardAPIProjection: Represents downward API info for projecting into a projected volume.
  items []DownwardAPIVolumeFile: Items is a list of DownwardAPIVolume file.
DownwardAPIVolumeSource: DownwardAPIVolumeSource represents a volume containing downward API info.
  defaultMode integer: Optional: mode bits to use on created files by default. Defaults to 0644.
  items []DownwardAPIVolumeFile: Items is a list of downward API volume file.
DownwardAPIVolumeFile: DownwardAPIVolumeFile represents information to create the file containing the pod field.
  fieldRef ObjectFieldSelector: Required: Selects a field of the pod: only annotations, labels, name, namespace and uid are supported.
  mode integer: Optional: mode bits used to set permissions on this file.
  path string required: Required: Path is the relative path name of the file to be created. Must not be absolute or contain the '..' path.
  resourceFieldRef ResourceFieldSelector: Selects a resource of the container: only resources limits and requests (limits.cpu, limits.memory, requests.cpu and requests.memory) are currently supported.
ServiceAccountTokenProjection: ServiceAccountTokenProjection represents a projected service account token volume.
  audience string: audience is the intended audience of the token. Defaults to the identifier of the apiserver.
  expirationSeconds long: expirationSeconds is the requested duration of validity of the service account token. Defaults to 1 hour.
  path string required: path is the path relative to the mount point of the file to project the token into.

Probe: Probe describes a health check to be performed against a container to determine whether it is alive or ready to receive traffic.
  exec ExecAction: Exec specifies a command to execute in the container.
  failureThreshold integer: Minimum consecutive failures for the probe to be considered failed after having succeeded. Defaults to 3. Minimum value is 1.
  grpc GRPCAction: GRPC specifies a GRPC HealthCheckRequest.
  httpGet HTTPGetAction: HTTPGet specifies an HTTP GET request to perform.
  initialDelaySeconds integer: Number of seconds after the container has started before liveness probes are initiated.
  periodSeconds integer: How often (in seconds) to perform the probe. Default to 10 seconds. Minimum value is 1.
  successThreshold integer: Minimum consecutive successes for the probe to be considered successful after having failed. Defaults to 1.
  tcpSocket TCPSocketAction: TCPSocket specifies a connection to a TCP port.
  terminationGracePeriodSeconds long: Optional duration in seconds the pod needs to terminate gracefully upon probe failure.
  timeoutSeconds integer: Number of seconds after which the probe times out. Defaults to 1 second. Minimum value is 1.
ExecAction: ExecAction describes a "run in container" action.
  command []string: Command is the command line to execute inside the container, the working directory for the command is root ('/') in the container's filesystem.
HTTPGetAction: HTTPGetAction describes an action based on HTTP Get requests.
  host string: Host name to connect to, defaults to the pod IP.
  httpHeaders []HTTPHeader: Custom headers to set in the request. HTTP allows repeated headers.
  path string: Path to access on the HTTP server.
  port IntOrString required: Name or number of the port to access on the container. Number must be in the range 1 to 65535.
  scheme string: Scheme to use for connecting to the host. Defaults to HTTP.
HTTPHeader: HTTPHeader describes a custom header to be used in HTTP probes.
  name string required: The header field name.
  value string required: The header field value.
TCPSocketAction: TCPSocketAction describes an action based on opening a socket.
  host string: Optional: Host name to connect to, defaults to the pod IP.
  port IntOrString required: Number or name of the port to access on the container. Number must be in the range 1 to 65535.
GRPCAction: GRPCAction specifies an action involving a GRPC service.
  port integer required: Port number of the gRPC service. Number must be in the range 1 to 65535.
  service string: Service is the name of the service to place in the gRPC HealthCheckRequest.
Lifecycle: Lifecycle describes actions that the management system should take in response to container lifecycle events.
  postStart LifecycleHandler: PostStart is called immediately after a container is created.
  preStop LifecycleHandler: PreStop is called immediately before a container is terminated due to an API request or management event.
LifecycleHandler: LifecycleHandler defines a specific action that should be taken in a lifecycle hook.
  exec ExecAction: Exec specifies a command to execute in the container.
  httpGet HTTPGetAction: HTTPGet specifies an HTTP GET request to perform.
  sleep SleepAction: Sleep represents a duration that the container should sleep.
  tcpSocket TCPSocketAction: Deprecated. TCPSocket is NOT supported as a LifecycleHandler and kept for backward compatibility.
SleepAction: SleepAction describes a "sleep" action.
  seconds long required: Seconds is the number of seconds to sleep.

ResourceRequirements: ResourceRequirements describes the compute resource requirements.
  claims []ResourceClaim keys=name: Claims lists the names of resources, defined in spec.resourceClaims, that are used by this container.
  limits map[Quantity]: Limits describes the maximum amount of compute resources allowed.
  requests map[Quantity]: Requests describes the minimum amount of compute resources required. If Requests is omitted for a container, it defaults to Limits if that is explicitly specified.
ResourceClaim: ResourceClaim references one entry in PodSpec.ResourceClaims.
  name string required: Name must match the name of one entry in pod.spec.resourceClaims of the Pod where this field is used.
  request string: Request is the name chosen for a request in the referenced claim.
ContainerResizePolicy: ContainerResizePolicy represents resource resize policy for the container.
  resourceName string required: Name of the resource to which this resource resize policy applies. Supported values: cpu, memory.
  restartPolicy string required: Restart policy to apply when specified resource is resized. If not specified, it defaults to NotRequired.

SecurityContext: SecurityContext holds security configuration that will be applied to a container.
  allowPrivilegeEscalation boolean: AllowPrivilegeEscalation controls whether a process can gain more privileges than its parent process.
  appArmorProfile AppArmorProfile: appArmorProfile is the AppArmor options to use by this container.
  capabilities Capabilities: The capabilities to add/drop when running containers. Defaults to the default set of capabilities granted by the container runtime.
  privileged boolean: Run container in privileged mode. Processes in privileged containers are essentially equivalent to root on the host. Defaults to false.
  procMount string: procMount denotes the type of proc mount to use for the containers. The default value is Default which uses the container runtime defaults for readonly paths and masked paths.
  readOnlyRootFilesystem boolean: Whether this container has a read-only root filesystem. Default is false.
  runAsGroup long: The GID to run the entrypoint of the container process. Uses runtime default if unset.
  runAsNonRoot boolean: Indicates that the container must run as a non-root user.
  runAsUser long: The UID to run the entrypoint of the container process. Defaults to user specified in image metadata if unspecified.
  seLinuxOptions SELinuxOptions: The SELinux context to be applied to the container.
  seccompProfile SeccompProfile: The seccomp options to use by this container.
  windowsOptions WindowsSecurityContextOptions: The Windows specific settings applied to all containers.
PodSecurityContext: PodSecurityContext holds pod-level security attributes and common container settings.
  appArmorProfile AppArmorProfile: appArmorProfile is the AppArmor options to use by the containers in this pod.
  fsGroup long: A special supplemental group that applies to all containers in a pod.
  fsGroupChangePolicy string: fsGroupChangePolicy defines behavior of changing ownership and permission of the volume before being exposed inside Pod.
  runAsGroup long: The GID to run the entrypoint of the container process.
  runAsNonRoot boolean: Indicates that the container must run as a non-root user.
  runAsUser long: The UID to run the entrypoint of the container process.
  seLinuxChangePolicy string: seLinuxChangePolicy defines how the container's SELinux label is applied to all volumes used by the Pod.
  seLinuxOptions SELinuxOptions: The SELinux context to be applied to all containers.
  seccompProfile SeccompProfile: The seccomp options to use by the containers in this pod.
  supplementalGroups []long: A list of groups applied to the first process run in each container, in addition to the container's primary GID and fsGroup (if specified).
  supplementalGroupsPolicy string: Defines how supplemental groups of the first container processes are calculated. Valid values are "Merge" and "Strict".
  sysctls []Sysctl: Sysctls hold a list of namespaced sysctls used for the pod.
  windowsOptions WindowsSecurityContextOptions: The Windows specific settings applied to all containers.
AppArmorProfile: AppArmorProfile defines a pod or container's AppArmor settings.
  localhostProfile string: localhostProfile indicates a profile loaded on the node that should be used.
  type string required: type indicates which kind of AppArmor profile will be applied. Valid options are Localhost, RuntimeDefault and Unconfined.
Capabilities: Adds and removes POSIX capabilities from running containers.
  add []string: Added capabilities
  drop []string: Removed capabilities
SELinuxOptions: SELinuxOptions are the labels to be applied to the container
  level string: Level is SELinux level label that applies to the container.
  role string: Role is a SELinux role label that applies to the container.
  type string: Type is a SELinux type label that applies to the container.
  user string: User is a SELinux user label that applies to the container.
SeccompProfile: SeccompProfile defines a pod/container's seccomp profile settings. Only one profile source may be set.
  localhostProfile string: localhostProfile indicates a profile defined in a file on the node should be used.
  type string required: type indicates which kind of seccomp profile will be applied. Valid options are Localhost, RuntimeDefault and Unconfined.
WindowsSecurityContextOptions: WindowsSecurityContextOptions contain Windows-specific options and credentials.
  gmsaCredentialSpec string: GMSACredentialSpec is where the GMSA admission webhook inlines the contents of the GMSA credential spec named by the GMSACredentialSpecName field.
  gmsaCredentialSpecName string: GMSACredentialSpecName is the name of the GMSA credential spec to use.
  hostProcess boolean: HostProcess determines if a container should be run as a 'Host Process' container.
  runAsUserName string: The UserName in Windows to run the entrypoint of the container process.
Sysctl: Sysctl defines a kernel parameter to be set
  name string required: Name of a property to set
  value string required: Value of a property to set

Toleration: The pod this Toleration is attached to tolerates any taint that matches the triple <key,value,effect> using the matching operator <operator>.
  effect string: Effect indicates the taint effect to match. Empty means match all taint effects. When specified, allowed values are NoSchedule, PreferNoSchedule and NoExecute.
  key string: Key is the taint key that the toleration applies to. Empty means match all taint keys.
  operator string: Operator represents a key's relationship to the value. Valid operators are Exists and Equal. Defaults to Equal.
  tolerationSeconds long: TolerationSeconds represents the period of time the toleration (which must be of effect NoExecute, otherwise this field is ignored) tolerates the taint.
  value string: Value is the taint value the toleration matches to.
LocalObjectReference: LocalObjectReference contains enough information to let you locate the referenced object inside the same namespace.
  name string: Name of the referent.
HostAlias: HostAlias holds the mapping between IP and hostnames that will be injected as an entry in the pod's hosts file.
  hostnames []string: Hostnames for the above IP address.
  ip string required: IP address of the host file entry.
PodDNSConfig: PodDNSConfig defines the DNS parameters of a pod in addition to those generated from DNSPolicy.
  nameservers []string: A list of DNS name server IP addresses.
  options []PodDNSConfigOption: A list of DNS resolver options.
  searches []string: A list of DNS search domains for host-name lookup.
PodDNSConfigOption: PodDNSConfigOption defines DNS resolver options of a pod.
  name string: Name is this DNS resolver option's name. Required.
  value string: Value is this DNS resolver option's value.
Affinity opaque: Affinity is a group of affinity scheduling rules: nodeAffinity, podAffinity and podAntiAffinity.
TopologySpreadConstraint: TopologySpreadConstraint specifies how to spread matching pods among the given topology.
  labelSelector LabelSelector: LabelSelector is used to find matching pods.
  matchLabelKeys []string: MatchLabelKeys is a set of pod label keys to select the pods over which spreading will be calculated.
  maxSkew integer required: MaxSkew describes the degree to which pods may be unevenly distributed.
  minDomains integer: MinDomains indicates a minimum number of eligible domains.
  nodeAffinityPolicy string: NodeAffinityPolicy indicates how we will treat Pod's nodeAffinity/nodeSelector when calculating pod topology spread skew.
  nodeTaintsPolicy string: NodeTaintsPolicy indicates how we will treat node taints when calculating pod topology spread skew.
  topologyKey string required: TopologyKey is the key of node labels. Nodes that have a label with this key and identical values are considered to be in the same topology.
  whenUnsatisfiable string required: WhenUnsatisfiable indicates how to deal with a pod if it doesn't satisfy the spread constraint. DoNotSchedule (default) or ScheduleAnyway.
PodOS: PodOS defines the OS parameters of a pod.
  name string required: Name is the name of the operating system. The currently supported values are linux and windows.
PodReadinessGate: PodReadinessGate contains the reference to a pod condition
  conditionType string required: ConditionType refers to a condition in the pod's condition list with matching type.
PodResourceClaim: PodResourceClaim references exactly one ResourceClaim, either directly or by naming a ResourceClaimTemplate.
  name string required: Name uniquely identifies this resource claim inside the pod. This must be a DNS_LABEL.
  resourceClaimName string: ResourceClaimName is the name of a ResourceClaim object in the same namespace as this pod.
  resourceClaimTemplateName string: ResourceClaimTemplateName is the name of a ResourceClaimTemplate object in the same namespace as this pod.
PodSchedulingGate: PodSchedulingGate is associated to a Pod to guard its scheduling.
  name string required: Name of the scheduling gate. Each scheduling gate must have a unique name field.

PodStatus: PodStatus represents information about the status of a pod. Status may trail the actual state of a system, especially if the node that hosts the pod cannot contact the control plane.
  conditions []PodCondition merge=type strategy=merge keys=type: Current service state of pod.
  containerStatuses []ContainerStatus: The list has one entry per container in the manifest.
  ephemeralContainerStatuses []ContainerStatus: Status for any ephemeral containers that have run in this pod.
  hostIP string: hostIP holds the IP address of the host to which the pod is assigned. Empty if the pod has not started yet.
  hostIPs []HostIP merge=ip strategy=merge: hostIPs holds the IP addresses allocated to the host.
  initContainerStatuses []ContainerStatus: The list has one entry per init container in the manifest.
  message string: A human readable message indicating details about why the pod is in this condition.
  nominatedNodeName string: nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods.
  phase string: The phase of a Pod is a simple, high-level summary of where the Pod is in its lifecycle: Pending, Running, Succeeded, Failed or Unknown.
  podIP string: podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.
  podIPs []PodIP merge=ip strategy=merge: podIPs holds the IP addresses allocated to the pod.
  qosClass string: The Quality of Service (QOS) classification assigned to the pod based on resource requirements: Guaranteed, Burstable or BestEffort.
  reason string: A brief CamelCase message indicating details about why the pod is in this state. e.g. 'Evicted'
  resize string: Status of resources resize desired for pod's containers.
  resourceClaimStatuses []object: Status of resource claims.
  startTime Time: RFC 3339 date and time at which the object was acknowledged by the Kubelet. This is before the Kubelet pulled the container image(s) for the pod.
PodCondition: PodCondition contains details for the current condition of this pod.
  lastProbeTime Time: Last time we probed the condition.
  lastTransitionTime Time: Last time the condition transitioned from one status to another.
  message string: Human-readable message indicating details about last transition.
  reason string: Unique, one-word, CamelCase reason for the condition's last transition.
  status string required: Status is the status of the condition. Can be True, False, Unknown.
  type string required: Type is the type of the condition.
ContainerStatus: ContainerStatus contains details for the current status of this container.
  allocatedResources map[Quantity]: AllocatedResources represents the compute resources allocated for this container by the node.
  allocatedResourcesStatus []object: AllocatedResourcesStatus represents the status of various resources allocated for this Pod.
  containerID string: ContainerID is the ID of the container in the format '<type>://<container_id>'.
  image string required: Image is the name of container image that the container is running.
  imageID string required: ImageID is the image ID of the container's image.
  lastState ContainerState: LastTerminationState holds the last termination state of the container to help debug container crashes and restarts.
  name string required: Name is a DNS_LABEL representing the unique name of the container.
  ready boolean required: Ready specifies whether the container is currently passing its readiness check.
  resources ResourceRequirements: Resources represents the compute resource requests and limits that have been successfully enacted on the running container after it has been started or has been successfully resized.
  restartCount integer required: RestartCount holds the number of times the container has been restarted.
  started boolean: Started indicates whether the container has finished its postStart lifecycle hook and passed its startup probe.
  state ContainerState: State holds details about the container's current condition.
  user object: User represents user identity information initially attached to the first process of the container.
  volumeMounts []VolumeMountStatus merge=mountPath strategy=merge: Status of volume mounts.
ContainerState: ContainerState holds a possible state of container. Only one of its members may be specified. If none of them is specified, the default one is ContainerStateWaiting.
  running ContainerStateRunning: Details about a running container
  terminated ContainerStateTerminated: Details about a terminated container
  waiting ContainerStateWaiting: Details about a waiting container
ContainerStateRunning: ContainerStateRunning is a running state of a container.
  startedAt Time: Time at which the container was last (re-)started
ContainerStateTerminated: ContainerStateTerminated is a terminated state of a container.
  containerID string: Container's ID in the format '<type>://<container_id>'
  exitCode integer required: Exit status from the last termination of the container
  finishedAt Time: Time at which the container last terminated
  message string: Message regarding the last termination of the container
  reason string: (brief) reason from the last termination of the container
  signal integer: Signal from the last termination of the container
  startedAt Time: Time at which previous execution of the container started
ContainerStateWaiting: ContainerStateWaiting is a waiting state of a container.
  message string: Message regarding why the container is not yet running.
  reason string: (brief) reason the container is not yet running.
VolumeMountStatus: VolumeMountStatus shows status of volume mounts.
  mountPath string required: MountPath corresponds to the original VolumeMount.
  name string required: Name corresponds to the name of the original VolumeMount.
  readOnly boolean: ReadOnly corresponds to the original VolumeMount.
  recursiveReadOnly string: RecursiveReadOnly must be set to Disabled, Enabled, or unspecified (for non-readonly mounts).
HostIP: HostIP represents a single IP address allocated to the host.
  ip string required: IP is the IP address assigned to the host
PodIP: PodIP represents a single IP address allocated to the pod.
  ip string required: IP is the IP address assigned to the pod
)";
}

}  // namespace skiff::apiserver

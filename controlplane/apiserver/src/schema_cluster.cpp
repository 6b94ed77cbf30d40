// Schemas of coordination.k8s.io/v1 Lease and discovery.k8s.io/v1 EndpointSlice (Kubernetes 1.32).
#include "schema_sources.h"

namespace skiff::apiserver {

std::string_view cluster_schema_source() {
  return R"(
package io.k8s.api.coordination.v1
Lease kind=coordination.k8s.io/v1/Lease: Lease defines a lease concept.
  spec LeaseSpec: spec contains the specification of the Lease.
LeaseSpec: LeaseSpec is a specification of a Lease.
  acquireTime MicroTime: acquireTime is a time when the current lease was acquired.
  holderIdentity string: holderIdentity contains the identity of the holder of a current lease.
  leaseDurationSeconds integer: leaseDurationSeconds is a duration that candidates for a lease need to wait to force acquire it. This is measured against the time of last observed renewTime.
  leaseTransitions integer: leaseTransitions is the number of transitions of a lease between holders.
  preferredHolder string: PreferredHolder signals to a lease holder that the lease has a more optimal holder and should be given up.
  renewTime MicroTime: renewTime is a time when the current holder of a lease has last updated the lease.
  strategy string: Strategy indicates the strategy for picking the leader for coordinated leader election.

package io.k8s.api.discovery.v1
EndpointSlice kind=discovery.k8s.io/v1/EndpointSlice: EndpointSlice represents a subset of the endpoints that implement a service. For a given service there may be multiple EndpointSlice objects, selected by labels, which must be joined to produce the full set of endpoints.
  addressType string required: addressType specifies the type of address carried by this EndpointSlice. All addresses in this slice must be the same type: IPv4, IPv6 or FQDN.
  endpoints []Endpoint required: endpoints is a list of unique endpoints in this slice. Each slice may include a maximum of 1000 endpoints.
  ports []EndpointPort: ports specifies the list of network ports exposed by each endpoint in this slice.
Endpoint: Endpoint represents a single logical "backend" implementing a service.
  addresses []string required: addresses of this endpoint. The contents of this field are interpreted according to the corresponding EndpointSlice addressType field.
  conditions EndpointConditions: conditions contains information about the current status of the endpoint.
  deprecatedTopology map[string]: deprecatedTopology contains topology information part of the v1beta1 API. This field is deprecated.
  hints EndpointHints: hints contains information associated with how an endpoint should be consumed.
  hostname string: hostname of this endpoint. This field may be used by consumers of endpoints to distinguish endpoints from each other.
  nodeName string: nodeName represents the name of the Node hosting this endpoint.
  targetRef ObjectReference: targetRef is a reference to a Kubernetes object that represents this endpoint.
  zone string: zone is the name of the Zone this endpoint exists in.
EndpointConditions: EndpointConditions represents the current condition of an endpoint.
  ready boolean: ready indicates that this endpoint is prepared to receive traffic, according to whatever system is managing the endpoint.
  serving boolean: serving is identical to ready except that it is set regardless of the terminating state of endpoints.
  terminating boolean: terminating indicates that this endpoint is terminating.
EndpointHints: EndpointHints provides hints describing how an endpoint should be consumed.
  forZones []ForZone: forZones indicates the zone(s) this endpoint should be consumed by to enable topology aware routing.
ForZone: ForZone provides information about which zones should consume this endpoint.
  name string required: name represents the name of the zone.
EndpointPort: EndpointPort represents a Port used by an EndpointSlice
  appProtocol string: The application protocol for this port. This is used as a hint for implementations to offer richer behavior for protocols that they understand.
  name string: name represents the name of this port. All ports in an EndpointSlice must have a unique name.
  port integer: port represents the port number of the endpoint. If this is not specified, ports are not restricted and must be interpreted in the context of the specific consumer.
  protocol string: protocol represents the IP protocol for this port. Must be UDP, TCP, or SCTP. Default is TCP.
)";
}

}  // namespace skiff::apiserver

package org.virtualservices.core.fabric;

import java.util.List;

/**
 * What a job's private network is on one node.
 *
 * @param job the job id, for messages
 * @param vni VXLAN network identifier
 * @param bridge the bridge's name ({@link org.virtualservices.core.names.Names#bridge})
 * @param vxlan the VXLAN device's name
 * @param udpPort VXLAN destination UDP port
 * @param guestMtu MTU of the bridge, the VXLAN device and the guests (underlay MTU - 50)
 * @param localAddress this node's underlay address, the VXLAN source
 * @param underlayDevice the underlay device to bind the VXLAN to, or null to let the kernel route
 * @param peers every other node of the job (head-end replication), empty on a one-node job
 * @param multicastGroup a multicast group instead of head-end replication, or null
 * @param gatewayCidr the gateway address with prefix (batch host only), or null
 * @param subnet the job's subnet in CIDR notation
 * @param ownerUid the job owner's uid: on the batch host only they (and root) may connect to the subnet
 * @param endpoints the VMs of this node, for anti-spoofing
 * @param outboundNat whether the batch host masquerades the subnet's outbound traffic
 * @param floodLimit broadcast and multicast frames a VM may send per second (each VM its own
 *     bucket, a burst of as many again); 0 for no limit
 */
public record FabricSpec(String job, int vni, String bridge, String vxlan, int udpPort, int guestMtu,
    String localAddress, String underlayDevice, List<Peer> peers, String multicastGroup,
    String gatewayCidr, String subnet, int ownerUid, List<Endpoint> endpoints, boolean outboundNat, int floodLimit) {

  /** Broadcast and multicast frames per second and VM when the site sets nothing. */
  public static final int DEFAULT_FLOOD_LIMIT = 100;

  public FabricSpec {
    peers = List.copyOf(peers);
    endpoints = List.copyOf(endpoints);
  }

  /** A spec with the default flood limit. */
  public FabricSpec(String job, int vni, String bridge, String vxlan, int udpPort, int guestMtu,
      String localAddress, String underlayDevice, List<Peer> peers, String multicastGroup,
      String gatewayCidr, String subnet, int ownerUid, List<Endpoint> endpoints, boolean outboundNat) {
    this(job, vni, bridge, vxlan, udpPort, guestMtu, localAddress, underlayDevice, peers, multicastGroup, gatewayCidr,
        subnet, ownerUid, endpoints, outboundNat, DEFAULT_FLOOD_LIMIT);
  }

  /** The network's identity: what teardown needs of it. */
  public NetworkId id() {
    return new NetworkId(job, vni);
  }

  /** The job's mark on its devices and tables ({@link NetworkId#mark}). */
  public String mark() {
    return id().mark();
  }

  public boolean isBatchHost() {
    return gatewayCidr != null;
  }
}

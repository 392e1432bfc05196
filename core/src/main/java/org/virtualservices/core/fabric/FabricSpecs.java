package org.virtualservices.core.fabric;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Pieces for building a {@link FabricSpec}: the MTU rule and a node's peers. The mapping from a
 * plan to a spec belongs to the prolog; this only saves it from repeating these two rules.
 */
public final class FabricSpecs {

  /**
   * What VXLAN adds to a guest frame over an IPv4 underlay: inner Ethernet header 14 + VXLAN 8 +
   * UDP 8 + outer IPv4 20 (RFC 7348, section 5). The underlay MTU counts the outer IP packet.
   */
  public static final int VXLAN_OVERHEAD_IPV4 = 50;
  /** The same over an IPv6 underlay: the outer IPv6 header is 40 bytes. */
  public static final int VXLAN_OVERHEAD_IPV6 = 70;

  private FabricSpecs() {
  }

  /** The MTU of the bridge, the VXLAN device and the guests, so that no guest frame is fragmented. */
  public static int guestMtu(int underlayMtu, boolean ipv6Underlay) {
    int mtu = underlayMtu - (ipv6Underlay ? VXLAN_OVERHEAD_IPV6 : VXLAN_OVERHEAD_IPV4);
    if (mtu < 68) {
      throw new IllegalArgumentException("underlay MTU " + underlayMtu + " leaves guests less than 68 bytes");
    }
    return mtu;
  }

  /**
   * Every node of the job but this one, in allocation order, with its underlay address and the MACs
   * of its VMs.
   *
   * @param localNode this node's name, left out
   * @param vmMacsByNode the allocation in order (a {@link java.util.LinkedHashMap}), node to VM MACs
   * @param resolver node name to underlay address; with thousands of nodes prefer a map or a literal
   *     pattern to the system resolver, which may ask DNS once per node
   */
  public static List<Peer> peers(String localNode, Map<String, List<String>> vmMacsByNode,
      UnderlayResolver resolver) {
    List<Peer> peers = new ArrayList<>();
    vmMacsByNode.forEach((node, macs) -> {
      if (!node.equals(localNode)) {
        peers.add(new Peer(node, resolver.resolve(node), macs));
      }
    });
    return peers;
  }
}

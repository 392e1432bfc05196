package org.virtualservices.core.fabric;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A piece for building a {@link FabricSpec}: a node's peers. The MTU rule is
 * {@link org.virtualservices.core.net.VxlanMtu}, which the site configuration uses too.
 */
public final class FabricSpecs {

  private FabricSpecs() {
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

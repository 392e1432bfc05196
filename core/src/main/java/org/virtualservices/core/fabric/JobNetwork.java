package org.virtualservices.core.fabric;

import java.util.List;
import org.virtualservices.core.config.Network;
import org.virtualservices.core.plan.NodePlan;
import org.virtualservices.core.plan.Plan;
import org.virtualservices.core.plan.VmPlan;

/**
 * The job's network on one node, from its plan and the site's network settings. It sits on the
 * fabric's side, not in the plan, because it resolves the nodes' underlay addresses (through the
 * site's {@link UnderlayResolver}, which may ask DNS): the plan stays pure.
 */
public final class JobNetwork {

  private JobNetwork() {
  }

  public static FabricSpec spec(Plan plan, String node, Network net, int ownerUid, UnderlayResolver underlay) {
    NodePlan self = plan.node(node)
        .orElseThrow(() -> new IllegalArgumentException("node " + node + " is not in job " + plan.job()));
    List<Endpoint> endpoints = self.vms().stream().map(v -> new Endpoint(v.tap(), v.mac(), v.ip())).toList();
    boolean batchHost = plan.isBatchHost(node);
    String gateway = batchHost ? plan.gateway() + "/" + plan.prefixLength() : null;
    return new FabricSpec(plan.job(), plan.vni(), plan.bridge(), plan.vxlan(), net.vxlanPort(), plan.guestMtu(),
        underlay.resolve(node), net.underlayDevice(), peers(plan, node, underlay),
        net.multicastGroup(), gateway, plan.subnet(), ownerUid, endpoints, net.outboundNat() && batchHost,
        net.floodLimit());
  }

  /** Every other node of the job, with its VMs' MACs and IPs (answered on this node's bridge without flooding). */
  private static List<Peer> peers(Plan plan, String node, UnderlayResolver underlay) {
    List<Peer> peers = new java.util.ArrayList<>();
    for (NodePlan n : plan.nodes()) {
      if (!n.name().equals(node)) {
        peers.add(new Peer(n.name(), underlay.resolve(n.name()), n.vms().stream().map(VmPlan::mac).toList(),
            n.vms().stream().map(VmPlan::ip).toList()));
      }
    }
    return peers;
  }

}

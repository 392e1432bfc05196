package org.virtualservices.core.fabric;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.virtualservices.core.config.Network;
import org.virtualservices.core.names.Names;
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
    Map<String, List<String>> macsByNode = new LinkedHashMap<>();
    plan.nodes().forEach(n -> macsByNode.put(n.name(), n.vms().stream().map(VmPlan::mac).toList()));
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

  /** Enough of a spec to tear the network down: teardown goes by the names, which the VNI gives. */
  public static FabricSpec teardownSpec(String job, int vni) {
    return new FabricSpec(job == null ? FabricSpec.ANY_JOB : job, vni, Names.bridge(vni), Names.vxlan(vni), 0, 0, null, null, List.of(), null, null,
        null, -1, List.of(), false);
  }
}

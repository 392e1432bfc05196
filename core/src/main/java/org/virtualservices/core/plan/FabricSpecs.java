package org.virtualservices.core.plan;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.virtualservices.core.config.Network;
import org.virtualservices.core.fabric.Endpoint;
import org.virtualservices.core.fabric.FabricSpec;
import org.virtualservices.core.fabric.Peer;

/** The job's network on one node, from its plan and the site's network settings. */
public final class FabricSpecs {

  private FabricSpecs() {
  }

  /**
   * @param underlay node name -> underlay address, as the site resolves them
   */
  public static FabricSpec forNode(Plan plan, String node, Network net, int ownerUid,
      UnaryOperator<String> underlay) {
    NodePlan self = plan.node(node)
        .orElseThrow(() -> new IllegalArgumentException("node " + node + " is not in job " + plan.job()));
    List<Peer> peers = new ArrayList<>();
    for (NodePlan other : plan.nodes()) {
      if (!other.name().equals(node)) {
        peers.add(new Peer(other.name(), underlay.apply(other.name()),
            other.vms().stream().map(VmPlan::mac).toList()));
      }
    }
    List<Endpoint> endpoints = self.vms().stream().map(v -> new Endpoint(v.tap(), v.mac(), v.ip())).toList();
    String gateway = plan.isBatchHost(node) ? plan.gateway() + "/" + plan.prefixLength() : null;
    return new FabricSpec(plan.job(), plan.vni(), plan.bridge(), plan.vxlan(), net.vxlanPort(), plan.guestMtu(),
        underlay.apply(node), net.underlayDevice(), peers, net.multicastGroup(), gateway, plan.subnet(), ownerUid,
        endpoints, net.outboundNat() && plan.isBatchHost(node));
  }

  /** Enough of a spec to tear the network down: teardown goes by the names, which the VNI gives. */
  public static FabricSpec forTeardown(String job, int vni) {
    return new FabricSpec(job, vni, Names.bridge(vni), Names.vxlan(vni), 0, 0, null, null, List.of(), null, null,
        null, -1, List.of(), false);
  }
}

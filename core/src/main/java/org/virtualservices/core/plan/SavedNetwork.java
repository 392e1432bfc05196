package org.virtualservices.core.plan;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.virtualservices.core.names.Names;
import org.virtualservices.core.net.Cidr;

/**
 * The addresses and names of a job that restores another job's checkpoint ({@code restore=JOBID};
 * docs/users.md, "Restoring a checkpoint in a new job"): the guests come back with the subnet, gateway,
 * addresses and MACs they were saved with, so they notice nothing, inside the new job's own network (its
 * VNI, bridge, VXLAN and taps, its state folder). The domains keep the saved names too: libvirt restores a
 * saved domain only into a definition of the same name ("Target domain name ... does not match source");
 * they carry the new job's id in their metadata. The saved job's addresses and names follow from its VNI,
 * subnet and id alone, by {@link Planner}'s rule (VM {@code i}: {@code vc<job>-<i>}, address {@code i + 2},
 * MAC from the VNI and {@code i}), so each node computes the whole job's from its own checkpoint's
 * manifest, and every node the same, with no communication: one job wrote them all.
 */
public final class SavedNetwork {

  private SavedNetwork() {
  }

  /** The address VM {@code index} had in a job whose subnet was {@code subnet}. */
  public static String ip(String subnet, int index) {
    return Cidr.parse(subnet).address(index + 2L);
  }

  /** The MAC VM {@code index} had in a job whose VNI was {@code vni}. */
  public static String mac(int vni, int index) {
    return Planner.mac(vni, index);
  }

  /**
   * {@code plan} with the saved job's subnet, gateway, addresses, MACs and domain names (of job
   * {@code namesJob}, whose VMs they first were); its VNI, bridge, VXLAN, taps, state folder and everything
   * else as they were.
   *
   * @throws IllegalArgumentException when the saved subnet cannot hold the plan's VMs
   */
  public static Plan apply(Plan plan, int savedVni, String savedSubnet, String namesJob) {
    Cidr subnet = Cidr.parse(savedSubnet);
    if (plan.vms().size() > subnet.size() - 3) {
      throw new IllegalArgumentException("subnet " + savedSubnet + " cannot hold " + plan.vms().size() + " VMs");
    }
    List<NodePlan> nodes = new ArrayList<>();
    for (NodePlan n : plan.nodes()) {
      List<VmPlan> vms = new ArrayList<>();
      for (VmPlan v : n.vms()) {
        String name = Names.domain(namesJob, v.index());
        Path dir = v.disk().getParent();
        vms.add(new VmPlan(name, v.index(), v.localIndex(), v.node(), subnet.address(v.index() + 2L),
            mac(savedVni, v.index()), v.tap(), v.vcpus(), v.memoryMiB(), StatePaths.overlay(dir, name),
            StatePaths.seed(dir, name), StatePaths.console(dir, name)));
      }
      nodes.add(new NodePlan(n.name(), vms));
    }
    return new Plan(plan.job(), plan.image(), plan.vni(), subnet.toString(), subnet.address(1),
        subnet.prefixLength(), plan.guestMtu(), plan.batchHost(), plan.bridge(), plan.vxlan(), nodes);
  }
}

package org.virtualservices.core.plan;

import java.util.List;
import java.util.Optional;

/**
 * Everything a job's virtual cluster is made of, derived from the job id, the ordered node list,
 * the request and the site configuration alone: every node computes the same plan without talking
 * to any other.
 *
 * @param job the resource manager's job id
 * @param image the catalog name of the image
 * @param vni VXLAN network identifier of the job's private network
 * @param subnet the job's private subnet in CIDR notation
 * @param gateway the address the batch host's bridge gets: the user's point of entry
 * @param prefixLength prefix length of {@code subnet}
 * @param guestMtu MTU inside the guests (underlay MTU minus the VXLAN overhead)
 * @param batchHost the first node of the allocation, where the job script runs
 * @param bridge name of the job's bridge on every node
 * @param vxlan name of the job's VXLAN device on every node
 * @param nodes the allocation in order, each with its VMs
 */
public record Plan(String job, String image, int vni, String subnet, String gateway, int prefixLength,
    int guestMtu, String batchHost, String bridge, String vxlan, List<NodePlan> nodes) {

  public Plan {
    nodes = List.copyOf(nodes);
  }

  public Optional<NodePlan> node(String name) {
    return nodes.stream().filter(n -> n.name().equals(name)).findFirst();
  }

  public List<VmPlan> vms() {
    return nodes.stream().flatMap(n -> n.vms().stream()).toList();
  }

  public boolean isBatchHost(String node) {
    return batchHost.equals(node);
  }
}

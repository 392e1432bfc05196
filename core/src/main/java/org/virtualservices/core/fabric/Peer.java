package org.virtualservices.core.fabric;

import java.util.List;

/**
 * Another node of the same job: where its VXLAN endpoint is, and the MACs of the VMs behind it
 * with their IP addresses in the same order (empty when not known: then ARP for them is flooded
 * as usual instead of answered on this node).
 */
public record Peer(String node, String underlayAddress, List<String> vmMacs, List<String> vmIps) {
  public Peer {
    vmMacs = List.copyOf(vmMacs);
    vmIps = List.copyOf(vmIps);
    if (!vmIps.isEmpty() && vmIps.size() != vmMacs.size()) {
      throw new IllegalArgumentException("peer " + node + ": " + vmMacs.size() + " MACs but " + vmIps.size() + " IPs");
    }
  }

  public Peer(String node, String underlayAddress, List<String> vmMacs) {
    this(node, underlayAddress, vmMacs, List.of());
  }
}

package org.virtualservices.core.fabric;

import java.util.List;

/** Another node of the same job: where its VXLAN endpoint is, and the MACs of the VMs behind it. */
public record Peer(String node, String underlayAddress, List<String> vmMacs) {
  public Peer {
    vmMacs = List.copyOf(vmMacs);
  }
}

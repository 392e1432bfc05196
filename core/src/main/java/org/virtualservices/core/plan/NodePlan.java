package org.virtualservices.core.plan;

import java.util.List;

/** A node of the allocation and the VMs it runs, in allocation order. */
public record NodePlan(String name, List<VmPlan> vms) {
  public NodePlan {
    vms = List.copyOf(vms);
  }
}

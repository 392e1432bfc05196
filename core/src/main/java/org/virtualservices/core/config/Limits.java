package org.virtualservices.core.config;

/** What a job may ask for; checked at submission and again by the prolog. */
public record Limits(
    @Doc(value = "most VMs on one node", defaultValue = "4") int maxVmsPerNode,
    @Doc(value = "most vCPUs of one VM", defaultValue = "16") int maxVcpusPerVm,
    @Doc(value = "most memory of one VM, in MiB", defaultValue = "65536") long maxMemoryMiBPerVm,
    @Doc(value = "least memory of one VM, in MiB", defaultValue = "128") long minMemoryMiBPerVm,
    @Doc(value = "how a node's VMs are tied to the job's allocation there: cpus (VMs x vCPUs at most"
        + " cpuOvercommit x the CPUs the job has on the node) or none", defaultValue = "cpus")
    AllocationRule allocationRule,
    @Doc(value = "factor on the allocated CPUs for the cpus rule", defaultValue = "1.0") double cpuOvercommit) {

  /** How VMs are tied to the allocation. */
  public enum AllocationRule {
    cpus,
    none
  }
}

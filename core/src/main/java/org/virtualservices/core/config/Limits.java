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
    @Doc(value = "factor on the allocated CPUs for the cpus rule", defaultValue = "1.0") double cpuOvercommit,
    @Doc(value = "how a node's VMs are tied to the job's memory there: allocation (VMs x memory at most what"
        + " Slurm gave the job on the node, --mem or --mem-per-cpu, else memoryPerCpuMiB x its CPUs there) or"
        + " none", defaultValue = "allocation")
    MemoryRule memoryRule,
    @Doc(value = "MiB per allocated CPU that a job which asked Slurm for no memory (or any job on PBS) may give"
        + " its VMs on a node, under memoryRule allocation", defaultValue = "2048")
    long memoryPerCpuMiB,
    @Doc(value = "largest virtual disk of a VM, in MiB: an image whose disk is larger is refused, so that no"
        + " overlay can grow beyond it (docs/hooks.md, Limits)", defaultValue = "32768")
    long maxDiskMiBPerVm,
    @Doc(value = "most MiB a VM's console log may take with its rotated copies; the prolog refuses to boot where"
        + " libvirt's virtlogd would let it grow more (qemu.conf stdio_handler, virtlogd.conf max_size and"
        + " max_backups)", defaultValue = "8")
    long maxConsoleLogMiB) {

  /** How VMs are tied to the job's memory. */
  public enum MemoryRule {
    allocation,
    none
  }

  /** How VMs are tied to the allocation. */
  public enum AllocationRule {
    cpus,
    none
  }
}

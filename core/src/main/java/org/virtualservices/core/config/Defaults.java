package org.virtualservices.core.config;

/** What a request gets for what it leaves out. */
public record Defaults(
    @Doc(value = "vCPUs per VM", defaultValue = "1") int vcpus,
    @Doc(value = "memory per VM, in MiB", defaultValue = "512") long memoryMiB,
    @Doc(value = "VMs per node", defaultValue = "1") int vmsPerNode) {
}

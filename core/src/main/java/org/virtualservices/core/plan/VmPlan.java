package org.virtualservices.core.plan;

import java.nio.file.Path;

/**
 * One virtual machine of a job's plan.
 *
 * @param name domain name and guest hostname, {@code vc<jobid>-<index>}
 * @param index position in the whole job, 0-based, in allocation order
 * @param localIndex position among the VMs of its node, 0-based
 * @param node the node (resource manager's name) it runs on
 * @param ip its address on the job's private network
 * @param mac its MAC address, unique within the job
 * @param tap the host-side interface name on the job's bridge (at most 15 characters)
 * @param disk copy-on-write overlay on the image's base disk
 * @param seed guest configuration seed (NoCloud ISO)
 * @param console serial console log, kept as evidence when the VM does not become ready
 */
public record VmPlan(String name, int index, int localIndex, String node, String ip, String mac, String tap,
    int vcpus, long memoryMiB, Path disk, Path seed, Path console) {
}

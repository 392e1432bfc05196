package org.virtualservices.core.request;

/**
 * What the user asked for: an image from the site's catalog and, optionally, the size of each VM
 * and how many VMs per node. A null field means "the site's default".
 *
 * @param image catalog name of the image
 * @param vcpus virtual CPUs per VM, or null
 * @param memoryMiB memory per VM in MiB, or null
 * @param vmsPerNode VMs on each node of the allocation, or null
 * @param channel where the request was read from, for messages ("SPANK options", "--comment", "PBS variable list")
 * @param mounts the host folders asked for beyond (or instead of) the site's, or null: the site's
 * @param save the user's image that the head VM's disk is saved into at the job's end, as a new
 *     revision, or null: no save asked at submission ({@code vcluster save} may still ask, in the job)
 * @param checkpointOnTimeout {@code checkpoint=on-timeout}: the VMs are checkpointed when Slurm requeues
 *     the job (its time limit near, or preemption) and restored when it runs again
 */
public record VcRequest(String image, Integer vcpus, Long memoryMiB, Integer vmsPerNode, String channel,
    MountRequest mounts, String save, boolean checkpointOnTimeout) {

  /** A request that asks for no save and no checkpoint. */
  public VcRequest(String image, Integer vcpus, Long memoryMiB, Integer vmsPerNode, String channel,
      MountRequest mounts) {
    this(image, vcpus, memoryMiB, vmsPerNode, channel, mounts, null, false);
  }

  /** A request that says nothing of host folders. */
  public VcRequest(String image, Integer vcpus, Long memoryMiB, Integer vmsPerNode, String channel) {
    this(image, vcpus, memoryMiB, vmsPerNode, channel, null);
  }
}

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
 * @param restore the id of an earlier job of the same user whose checkpoint this job restores instead of
 *     booting (docs/users.md, "Restoring a checkpoint in a new job"), or null; with it the image, the
 *     vCPUs, the memory and the VMs per node may be left out: the checkpoint says them
 */
public record VcRequest(String image, Integer vcpus, Long memoryMiB, Integer vmsPerNode, String channel,
    MountRequest mounts, String save, boolean checkpointOnTimeout, String restore) {

  /** A request that restores no checkpoint of another job. */
  public VcRequest(String image, Integer vcpus, Long memoryMiB, Integer vmsPerNode, String channel,
      MountRequest mounts, String save, boolean checkpointOnTimeout) {
    this(image, vcpus, memoryMiB, vmsPerNode, channel, mounts, save, checkpointOnTimeout, null);
  }

  /** This request with what the checkpoint it restores says (each only where the request said nothing). */
  public VcRequest filledFrom(String savedImage, int savedVcpus, long savedMemoryMiB, int savedVmsPerNode) {
    return new VcRequest(image != null ? image : savedImage, vcpus != null ? vcpus : savedVcpus,
        memoryMiB != null ? memoryMiB : savedMemoryMiB, vmsPerNode != null ? vmsPerNode : savedVmsPerNode, channel,
        mounts, save, checkpointOnTimeout, restore);
  }

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

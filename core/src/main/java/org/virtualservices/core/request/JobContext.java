package org.virtualservices.core.request;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * The facts about a job that its hooks get from the resource manager.
 *
 * @param rm the resource manager that runs the hook
 * @param jobId the job id (Slurm: digits; PBS: {@code 123.server} as given)
 * @param user the job owner's login name
 * @param uid the job owner's uid
 * @param gid the job owner's primary gid
 * @param nodes the allocation in order, expanded; the first one is the batch host
 * @param thisNode the node this hook runs on
 * @param workDir the job's working directory, where the batch host writes the report; may be null
 * @param cpusPerNode CPUs allocated on each node, in the order of {@code nodes}; empty when unknown
 * @param exitCode the job's exit code (epilog only), or null
 * @param instance a value every node of the job sees alike that differs between two jobs with the
 *     same id (Slurm: the submit time the controller records); empty when unknown. Part of the
 *     job's key derivation (docs/hooks.md, "Keys without communication")
 * @param memoryMiBPerNode memory the resource manager gave the job on each node, in MiB, in the
 *     order of {@code nodes}; empty when the job asked none or the resource manager did not say
 *     (the site's per-CPU rule then applies: docs/hooks.md, "Limits")
 */
public record JobContext(ResourceManager rm, String jobId, String user, int uid, int gid, List<String> nodes,
    String thisNode, Path workDir, List<Integer> cpusPerNode, Integer exitCode, String instance,
    List<Long> memoryMiBPerNode) {

  public JobContext {
    nodes = List.copyOf(nodes);
    cpusPerNode = List.copyOf(cpusPerNode);
    instance = Objects.requireNonNullElse(instance, "");
    memoryMiBPerNode = List.copyOf(memoryMiBPerNode);
  }

  /** A job as the hook's call alone tells it: no instance, no memory allocation known yet. */
  public JobContext(ResourceManager rm, String jobId, String user, int uid, int gid, List<String> nodes,
      String thisNode, Path workDir, List<Integer> cpusPerNode, Integer exitCode) {
    this(rm, jobId, user, uid, gid, nodes, thisNode, workDir, cpusPerNode, exitCode, "", List.of());
  }

  /** This job with what the resource manager's record of it adds: its instance and its memory. */
  public JobContext withAllocation(String jobInstance, List<Long> memoryPerNode) {
    return new JobContext(rm, jobId, user, uid, gid, nodes, thisNode, workDir, cpusPerNode, exitCode, jobInstance,
        memoryPerNode);
  }

  public boolean isBatchHost() {
    return !nodes.isEmpty() && nodes.get(0).equals(thisNode);
  }

  /** CPUs allocated on this node, or -1 when the resource manager did not say. */
  public int cpusOnThisNode() {
    int i = nodes.indexOf(thisNode);
    return i >= 0 && i < cpusPerNode.size() ? cpusPerNode.get(i) : -1;
  }
}

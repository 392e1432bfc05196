package org.virtualservices.core.request;

import java.nio.file.Path;
import java.util.List;

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
 */
public record JobContext(ResourceManager rm, String jobId, String user, int uid, int gid, List<String> nodes,
    String thisNode, Path workDir, List<Integer> cpusPerNode, Integer exitCode) {

  public JobContext {
    nodes = List.copyOf(nodes);
    cpusPerNode = List.copyOf(cpusPerNode);
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

package org.virtualservices.core.fabric;

import org.virtualservices.core.names.Names;

/**
 * Which job's network on a node: all that removing it, or telling what is left of it, needs. The
 * VNI gives every name ({@link Names#bridge}, {@link Names#vxlan}, the taps, the nftables tables);
 * the job gives the mark that tells its devices and tables from a look-alike another job made
 * under the same names (docs/fabric.md).
 *
 * @param job the job id, or {@link #ANY_JOB} for the sweep, which removes an orphan whoever made it
 * @param vni the VXLAN network identifier
 */
public record NetworkId(String job, int vni) {

  /** The {@code job} of a network taken whoever made it: the sweep's, for orphans. */
  public static final String ANY_JOB = "(sweep)";

  public NetworkId {
    if (job == null || job.isEmpty()) {
      throw new IllegalArgumentException("a network's job is missing (the sweep's is " + ANY_JOB + ")");
    }
  }

  /** The network of this VNI whoever made it: the sweep's view of an orphan. */
  public static NetworkId anyJob(int vni) {
    return new NetworkId(ANY_JOB, vni);
  }

  public String bridge() {
    return Names.bridge(vni);
  }

  public String vxlan() {
    return Names.vxlan(vni);
  }

  /**
   * What marks the job's devices (interface alias) and nftables tables (comment) as its own, so
   * that teardown never removes a look-alike another job made under the same name.
   */
  public String mark() {
    return mark(job);
  }

  public static String mark(String job) {
    return "vcjob=" + job;
  }

  /** Whether this is the sweep's view, which takes whatever bears the VNI's names, marked or not. */
  public boolean claimsAll() {
    return ANY_JOB.equals(job);
  }

  /** Whether a device or table carrying this mark (null: none) is this network's; the sweep's claims all. */
  public boolean owns(String mark) {
    return claimsAll() || mark().equals(mark);
  }
}

package org.virtualservices.core.names;

/**
 * Every name a job's resources get, derived from the job id and the VNI so that teardown and the
 * sweep can find them even when the journal is gone. Interface names stay within the kernel's 15
 * characters (IFNAMSIZ - 1): the VNI has at most 8 decimal digits.
 */
public final class Names {

  /** Prefix of every domain, and of every file in the state directory, of any job. */
  public static final String DOMAIN_PREFIX = "vc";
  public static final String BRIDGE_PREFIX = "vcbr";
  public static final String VXLAN_PREFIX = "vcvx";
  public static final String TAP_PREFIX = "vt";
  /** Tap names are {@code vt<vni>-<localIndex>}: 2 + 8 + 1 + 5 characters at the most. */
  public static final int MAX_LOCAL_INDEX = 99_999;

  private Names() {
  }

  public static String domain(String jobId, int index) {
    return domainPrefix(jobId) + index;
  }

  /** The prefix every domain of this job starts with ({@code vc42-}), which no other job's shares. */
  public static String domainPrefix(String jobId) {
    return DOMAIN_PREFIX + jobToken(jobId) + "-";
  }

  /**
   * The job id as it may appear in host and domain names: Slurm's ids as they are; PBS's
   * {@code 123.server} as {@code 123} and an array job's {@code 123[4].server} as {@code 123a4}
   * (the server part is the same for every job of a site, and dots and brackets do not belong in
   * a host name).
   */
  public static String jobToken(String jobId) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)(?:\\[(\\d*)\\])?(?:\\..*)?").matcher(jobId);
    if (!m.matches()) {
      throw new IllegalArgumentException("job id '" + jobId + "' is neither Slurm's nor PBS's");
    }
    return m.group(1) + (m.group(2) == null || m.group(2).isEmpty() ? "" : "a" + m.group(2));
  }

  public static String bridge(int vni) {
    return BRIDGE_PREFIX + vni;
  }

  public static String vxlan(int vni) {
    return VXLAN_PREFIX + vni;
  }

  public static String tap(int vni, int localIndex) {
    if (localIndex < 0 || localIndex > MAX_LOCAL_INDEX) {
      throw new IllegalArgumentException("VM index on a node out of range: " + localIndex);
    }
    String name = TAP_PREFIX + vni + "-" + localIndex;
    if (name.length() > 15) {
      throw new IllegalArgumentException("interface name over 15 characters: " + name);
    }
    return name;
  }

  /** The nftables table name used for a job's rules (both the bridge and the inet family). */
  public static String nftTable(int vni) {
    return "vc" + vni;
  }
}

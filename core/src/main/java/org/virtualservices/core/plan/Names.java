package org.virtualservices.core.plan;

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
    return DOMAIN_PREFIX + jobId + "-" + index;
  }

  /** The prefix every domain of this job starts with ({@code vc42-}), which no other job's shares. */
  public static String domainPrefix(String jobId) {
    return DOMAIN_PREFIX + jobId + "-";
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

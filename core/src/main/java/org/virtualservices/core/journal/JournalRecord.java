package org.virtualservices.core.journal;

import java.util.List;

/**
 * What the journal file holds: enough to undo the prolog on this node without anything else.
 *
 * @param version format version
 * @param job the job id
 * @param node the node this journal is for
 * @param vni the job's VNI (0 before the plan was made)
 * @param bridge the job's bridge name on this node
 * @param vxlan the job's VXLAN device name on this node
 * @param entries the resources, in the order they were made
 */
public record JournalRecord(int version, String job, String node, int vni, String bridge, String vxlan,
    List<JournalEntry> entries) {

  public static final int VERSION = 1;

  public JournalRecord {
    entries = entries == null ? List.of() : List.copyOf(entries);
  }
}

package org.virtualservices.core.journal;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * What the journal file holds: enough to undo the prolog on this node without anything else.
 * The job's network is recorded once, as its VNI: the bridge's, the VXLAN device's and the taps'
 * names follow from it ({@link org.virtualservices.core.names.Names}).
 *
 * <p>Version 1 also wrote the bridge's and the VXLAN device's names and a
 * {@code FABRIC} entry with the VNI again: read, and ignored, so that an epilog of this version
 * tears down a job whose prolog ran before the node was upgraded.
 *
 * @param version format version
 * @param job the job id
 * @param node the node this journal is for
 * @param vni the job's VNI (0 before the plan was made)
 * @param entries the resources, in the order they were made
 */
@JsonIgnoreProperties({"bridge", "vxlan"})
public record JournalRecord(int version, String job, String node, int vni, List<JournalEntry> entries) {

  public static final int VERSION = 2;

  public JournalRecord {
    entries = entries == null ? List.of()
        : entries.stream().filter(e -> e != null && e.kind() != JournalEntry.Kind.FABRIC).toList();
  }
}

package org.virtualservices.core.journal;

/**
 * A resource the prolog is about to make, written down before it is made.
 *
 * @param kind what it is
 * @param name the domain name or the file's path
 */
public record JournalEntry(Kind kind, String name) {

  // Written out: a record's generated equals and hashCode are bootstrapped through method handles
  // on their first call, some 15-20 ms of a cold prolog's critical path (docs/bench.md) for a
  // comparison of two fields.
  @Override
  public boolean equals(Object o) {
    return o instanceof JournalEntry e && kind == e.kind && java.util.Objects.equals(name, e.name);
  }

  @Override
  public int hashCode() {
    return 31 * java.util.Objects.hashCode(kind) + java.util.Objects.hashCode(name);
  }

  /** Kinds of resource, in the order teardown removes them. */
  public enum Kind {
    /** a libvirt domain */
    DOMAIN,
    /** a virtiofsd serving a shared folder; name is {@code pid@startEpochMillis} */
    PROCESS,
    /** a file the product made (overlay, seed, console log, report file) */
    FILE,
    /** a folder the product made; removed when empty */
    DIR,
    /** version 1 only: the job's network, name the VNI, which {@link JournalRecord#vni} holds; never written now */
    FABRIC
  }
}

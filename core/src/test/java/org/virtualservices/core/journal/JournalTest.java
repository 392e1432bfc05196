package org.virtualservices.core.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalTest {

  @Test
  void whatIsWrittenIsReadBackByAnotherProcessLater(@TempDir Path tmp) {
    Path dir = tmp.resolve("jobs/42/n1");
    Journal j = Journal.open(dir, "42", "n1");
    j.network(4138, "vcbr4138", "vcvx4138");
    j.intend(new JournalEntry(JournalEntry.Kind.FABRIC, "4138"));
    j.intend(new JournalEntry(JournalEntry.Kind.DOMAIN, "vc42-0"));
    j.intend(new JournalEntry(JournalEntry.Kind.DOMAIN, "vc42-0"));
    JournalRecord r = Journal.read(dir).orElseThrow();
    assertEquals("42", r.job());
    assertEquals(4138, r.vni());
    assertEquals(List.of(new JournalEntry(JournalEntry.Kind.FABRIC, "4138"),
        new JournalEntry(JournalEntry.Kind.DOMAIN, "vc42-0")), r.entries(), "an entry is recorded once");
    assertTrue(Files.notExists(dir.resolve("journal.json.tmp")), "no temp file is left behind");
    assertEquals("rw-------", PosixFilePermissions.toString(assertDoesNotThrowPerms(dir.resolve("journal.json"))),
        "the journal is root's only");
    assertEquals("rwx--x--x", PosixFilePermissions.toString(assertDoesNotThrowPerms(dir)),
        "others (QEMU's user) may pass through the folder, not list it");
    // a second prolog run (after a crash) keeps what the first wrote
    Journal again = Journal.open(dir, "42", "n1");
    assertEquals(2, again.record().entries().size());
  }

  private static java.util.Set<java.nio.file.attribute.PosixFilePermission> assertDoesNotThrowPerms(Path p) {
    try {
      return Files.getPosixFilePermissions(p);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void noJournalIsNotAnError(@TempDir Path tmp) {
    assertTrue(Journal.read(tmp).isEmpty());
  }
}

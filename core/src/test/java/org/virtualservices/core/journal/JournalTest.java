package org.virtualservices.core.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.charset.StandardCharsets;
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
    assertEquals("rwx------", PosixFilePermissions.toString(assertDoesNotThrowPerms(dir)),
        "root's alone: nobody else opens an overlay or a seed in it by its predictable name");
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
  void theFileIsTheJsonThatDataBindingWritesAndReads() throws Exception {
    // journals written by earlier versions, and tools that read them, see the same text
    ObjectMapper binding = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    List<JournalRecord> records = List.of(
        new JournalRecord(JournalRecord.VERSION, "42", "n1", 0, null, null, List.of()),
        new JournalRecord(JournalRecord.VERSION, "7.pbs-server", "node-\"quoted\"", 16_777_215, "vcbr16777215",
            "vcvx16777215", List.of(new JournalEntry(JournalEntry.Kind.FABRIC, "16777215"),
                new JournalEntry(JournalEntry.Kind.FILE, "/var/lib/vcluster/jobs/7/vc7-0 \u00e9.qcow2"),
                new JournalEntry(JournalEntry.Kind.DOMAIN, "vc7-0"))));
    for (JournalRecord r : records) {
      byte[] streamed = Journal.json(r);
      assertEquals(binding.writeValueAsString(r), new String(streamed, StandardCharsets.UTF_8));
      assertEquals(r, binding.readValue(streamed, JournalRecord.class));
    }
  }

  @Test
  void noJournalIsNotAnError(@TempDir Path tmp) {
    assertTrue(Journal.read(tmp).isEmpty());
  }
}

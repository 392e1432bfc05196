package org.virtualservices.core.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalTest {

  @Test
  void whatIsWrittenIsReadBackByAnotherProcessLater(@TempDir Path tmp) throws IOException {
    Path dir = tmp.resolve("jobs/42/n1");
    Journal j = Journal.open(dir, "42", "n1", 4138);
    j.intend(new JournalEntry(JournalEntry.Kind.DOMAIN, "vc42-0"));
    j.intend(new JournalEntry(JournalEntry.Kind.DOMAIN, "vc42-0"));
    JournalRecord r = Journal.read(dir).orElseThrow();
    assertEquals("42", r.job());
    assertEquals(4138, r.vni());
    assertEquals(List.of(new JournalEntry(JournalEntry.Kind.DOMAIN, "vc42-0")), r.entries(),
        "an entry is recorded once");
    assertTrue(Files.notExists(dir.resolve("journal.json.tmp")), "no temp file is left behind");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("journal.json"))),
        "the journal is root's only");
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)),
        "root's alone: nobody else opens an overlay or a seed in it by its predictable name");
    // a second prolog run (after a crash) keeps what the first wrote
    Journal again = Journal.open(dir, "42", "n1", 4138);
    assertEquals(1, again.record().entries().size());
  }

  @Test
  void theNetworkIsRecordedOnceAsItsVni(@TempDir Path tmp) throws IOException {
    Journal.open(tmp, "42", "n1", 4138);
    String text = Files.readString(tmp.resolve(Journal.FILE_NAME));
    assertEquals(1, text.split("4138", -1).length - 1, "the VNI once, nothing derived from it: " + text);
    assertFalse(text.contains("vcbr") || text.contains("FABRIC"), text);
  }

  @Test
  void whatTheGeneratorWritesIsReadBackWhateverTheNamesHold(@TempDir Path tmp) throws IOException {
    // written by the streaming generator, read by data binding: quotes, backslashes, non-ASCII, control characters
    String odd = "/var/lib/vcluster/jobs/7/n\"1\\/vc7-0 \u00e9\u2028\n.qcow2";
    Journal.open(tmp, "7.pbs-server", "node-\"quoted\"", 16_777_215)
        .intendAll(List.of(new JournalEntry(JournalEntry.Kind.FILE, odd), new JournalEntry(JournalEntry.Kind.DOMAIN, "vc7-0")));
    JournalRecord r = Journal.read(tmp).orElseThrow();
    assertEquals(new JournalRecord(JournalRecord.VERSION, "7.pbs-server", "node-\"quoted\"", 16_777_215,
        List.of(new JournalEntry(JournalEntry.Kind.FILE, odd), new JournalEntry(JournalEntry.Kind.DOMAIN, "vc7-0"))), r);
  }

  @Test
  void aJournalOfTheFormerVersionIsStillRead(@TempDir Path tmp) throws IOException {
    // as version 1 wrote it: a node upgraded while its job runs tears the job down by it
    write(tmp, """
        {
          "version" : 1,
          "job" : "42",
          "node" : "n1",
          "vni" : 4138,
          "bridge" : "vcbr4138",
          "vxlan" : "vcvx4138",
          "entries" : [ {
            "kind" : "FABRIC",
            "name" : "4138"
          }, {
            "kind" : "FILE",
            "name" : "/var/lib/vcluster/jobs/42/n1/vc42-0.qcow2"
          }, {
            "kind" : "DOMAIN",
            "name" : "vc42-0"
          } ]
        }""");
    JournalRecord r = Journal.read(tmp).orElseThrow();
    assertEquals(4138, r.vni());
    assertEquals(List.of(new JournalEntry(JournalEntry.Kind.FILE, "/var/lib/vcluster/jobs/42/n1/vc42-0.qcow2"),
        new JournalEntry(JournalEntry.Kind.DOMAIN, "vc42-0")), r.entries());
  }

  @Test
  void aTruncatedJournalIsRefusedNamingTheFile(@TempDir Path tmp) throws IOException {
    Journal.open(tmp, "42", "n1", 4138).intend(new JournalEntry(JournalEntry.Kind.DOMAIN, "vc42-0"));
    byte[] whole = Files.readAllBytes(tmp.resolve(Journal.FILE_NAME));
    Files.write(tmp.resolve(Journal.FILE_NAME), java.util.Arrays.copyOf(whole, whole.length / 2));
    UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> Journal.read(tmp));
    assertTrue(e.getMessage().startsWith("journal " + tmp.resolve(Journal.FILE_NAME) + " not read: "), e.getMessage());
  }

  @Test
  void aLinkInPlaceOfTheJournalIsNotFollowed(@TempDir Path tmp) throws IOException {
    Path elsewhere = tmp.resolve("elsewhere");
    Journal.open(elsewhere, "7", "n1", 99);
    Path dir = Files.createDirectory(tmp.resolve("n1"));
    Files.createSymbolicLink(dir.resolve(Journal.FILE_NAME), elsewhere.resolve(Journal.FILE_NAME));
    UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> Journal.read(dir));
    assertTrue(e.getMessage().contains("a link"), e.getMessage());
  }

  @Test
  void aJournalNotOwnedByTheHooksUserIsRefused(@TempDir Path tmp) throws IOException {
    Journal.open(tmp, "42", "n1", 4138);
    Path file = tmp.resolve(Journal.FILE_NAME);
    int own = (Integer) Files.getAttribute(file, "unix:uid");
    org.junit.jupiter.api.Assumptions.assumeTrue(own == 0, "only root can give a file away");
    Files.setAttribute(file, "unix:uid", 65534);
    UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> Journal.read(tmp));
    assertTrue(e.getMessage().contains("owned by uid 65534"), e.getMessage());
  }

  @Test
  void aFolderOrAHugeFileInPlaceOfTheJournalIsRefused(@TempDir Path tmp) throws IOException {
    Files.createDirectories(tmp.resolve("a").resolve(Journal.FILE_NAME));
    assertTrue(assertThrows(UncheckedIOException.class, () -> Journal.read(tmp.resolve("a"))).getMessage()
        .contains("not a regular file"));
    Path b = Files.createDirectory(tmp.resolve("b"));
    try (var ch = Files.newByteChannel(b.resolve(Journal.FILE_NAME), java.util.Set.of(
        java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE))) {
      ch.position(Journal.MAX_BYTES);
      ch.write(java.nio.ByteBuffer.wrap(new byte[] {'}'}));
    }
    assertTrue(assertThrows(UncheckedIOException.class, () -> Journal.read(b)).getMessage()
        .contains("more than a journal holds"));
  }

  @Test
  void noJournalIsNotAnError(@TempDir Path tmp) {
    assertTrue(Journal.read(tmp).isEmpty());
  }

  private static void write(Path dir, String json) throws IOException {
    Files.writeString(dir.resolve(Journal.FILE_NAME), json, StandardCharsets.UTF_8);
  }
}

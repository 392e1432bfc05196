package org.virtualservices.core.journal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.virtualservices.core.files.HooksRecord;
import org.virtualservices.core.files.PrivateFiles;

/**
 * The durable record, per job and node, of every resource the prolog makes, written before the
 * resource is made (temp file, fsync, rename, fsync of the folder), so that the epilog can undo a
 * prolog that died at any point, even by kill -9 or a power cut.
 */
public final class Journal {

  public static final String FILE_NAME = "journal.json";
  /** A journal names a handful of VMs' files (a few kB): one larger was not written by a prolog. */
  static final long MAX_BYTES = 1 << 20;

  /**
   * The prolog writes with Jackson's streaming generator: data binding's mapper, built on a cold
   * JVM to write the first record, cost a journal's writing 0.13 s more CPU with the product's JVM
   * options and class archive (docs/bench.md, "The journal's JSON"), on the prolog's critical
   * path. Reading (the epilog, a second prolog) binds, which checks what it reads; its mapper is
   * built only then, so a prolog that finds no journal builds none.
   */
  private static final JsonFactory STREAM = new JsonFactory();

  private static final class Reading {
    static final ObjectMapper JSON = new ObjectMapper();
  }

  /** Root's only: it names every resource of the job. */
  private static final java.nio.file.attribute.FileAttribute<?> PRIVATE =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

  private final Path file;
  private JournalRecord record;

  private Journal(Path file, JournalRecord record) {
    this.file = file;
    this.record = record;
  }

  /**
   * Opens the journal in {@code dir} (made root-only if new), keeping what an earlier run wrote,
   * and records the job's network (its VNI) in the same write.
   */
  public static Journal open(Path dir, String job, String node, int vni) {
    try {
      // root's alone (0700) when made, the job's folder above it too: the overlays and seeds in it
      // are readable by nobody else from their first byte. The prolog then opens both to QEMU's
      // group for search only (StateFolders; docs/hooks.md, "QEMU as the job's user").
      PrivateFiles.folders(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("create state folder " + dir + ": " + e.getMessage(), e);
    }
    List<JournalEntry> kept = read(dir).map(JournalRecord::entries).orElse(List.of());
    Journal j = new Journal(dir.resolve(FILE_NAME), new JournalRecord(JournalRecord.VERSION, job, node, vni, kept));
    j.write();
    return j;
  }

  /**
   * The journal in {@code dir}, if there is one. It is read only when it is what a prolog writes:
   * a regular file (not a link: opened without following one), owned by this process's user
   * (root), of a journal's size, and valid JSON of a journal; anything else is refused with a
   * message naming the file and what is wrong with it, and the caller goes by names.
   *
   * @throws UncheckedIOException when there is a file but it cannot be read as a journal
   */
  public static Optional<JournalRecord> read(Path dir) {
    Path file = dir.resolve(FILE_NAME);
    try {
      Optional<byte[]> bytes = HooksRecord.read(file, "journal", MAX_BYTES);
      if (bytes.isEmpty()) {
        return Optional.empty();
      }
      return Optional.of(Reading.JSON.readValue(bytes.get(), JournalRecord.class));
    } catch (IOException e) {
      throw new UncheckedIOException("journal " + file + " not read: " + e.getMessage(), e);
    }
  }

  public synchronized JournalRecord record() {
    return record;
  }

  public Path file() {
    return file;
  }

  /** Records that this resource is about to be made; returns once that is on disk. */
  public synchronized void intend(JournalEntry entry) {
    intendAll(List.of(entry));
  }

  /**
   * Records that these resources are about to be made, in one write (one fsync pair, not one per
   * resource); returns once that is on disk. Recording more than is then made is harmless: teardown
   * takes "already gone" as success.
   */
  public synchronized void intendAll(List<JournalEntry> batch) {
    List<JournalEntry> entries = new ArrayList<>(record.entries());
    for (JournalEntry e : batch) {
      if (!entries.contains(e)) {
        entries.add(e);
      }
    }
    if (entries.size() == record.entries().size()) {
      return;
    }
    record = new JournalRecord(record.version(), record.job(), record.node(), record.vni(), entries);
    write();
  }

  /** The record as indented JSON, its fields in the record's order. */
  static byte[] json(JournalRecord r) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256 + 64 * r.entries().size());
    try (JsonGenerator g = STREAM.createGenerator(out)) {
      g.useDefaultPrettyPrinter();
      g.writeStartObject();
      g.writeNumberField("version", r.version());
      g.writeStringField("job", r.job());
      g.writeStringField("node", r.node());
      g.writeNumberField("vni", r.vni());
      g.writeArrayFieldStart("entries");
      for (JournalEntry e : r.entries()) {
        g.writeStartObject();
        g.writeStringField("kind", e.kind().name());
        g.writeStringField("name", e.name());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    }
    return out.toByteArray();
  }

  private void write() {
    Path tmp = file.resolveSibling(FILE_NAME + ".tmp");
    try {
      byte[] bytes = json(record);
      try (FileChannel ch = FileChannel.open(tmp, java.util.Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING), PRIVATE)) {
        ch.write(java.nio.ByteBuffer.wrap(bytes));
        ch.force(true);
      }
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
      try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
        dir.force(true);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("write journal " + file + ": " + e.getMessage(), e);
    }
  }
}

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
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.virtualservices.core.files.PrivateFiles;

/**
 * The durable record, per job and node, of every resource the prolog makes, written before the
 * resource is made (temp file, fsync, rename, fsync of the folder), so that the epilog can undo a
 * prolog that died at any point, even by kill -9 or a power cut.
 */
public final class Journal {

  public static final String FILE_NAME = "journal.json";
  /**
   * The prolog writes the journal with Jackson's streaming generator, not with data binding: the
   * serializer that binding builds for the records on first use costs a cold prolog some 20-40 ms
   * of its critical path (docs/bench.md), for seven fields. Reading (the epilog, a second prolog)
   * keeps binding, which checks what it reads; a holder builds its mapper only then.
   */
  private static final JsonFactory STREAM = new JsonFactory();

  private static final class Binding {
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

  /** Opens the journal in {@code dir} (made root-only if new), keeping what an earlier run wrote. */
  public static Journal open(Path dir, String job, String node) {
    try {
      // root's alone (0700) when made, the job's folder above it too: the overlays and seeds in it
      // are readable by nobody else from their first byte. The prolog then opens both to QEMU's
      // group for search only (StateFolders; docs/hooks.md, "QEMU as the job's user").
      PrivateFiles.folders(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("create state folder " + dir + ": " + e.getMessage(), e);
    }
    Path file = dir.resolve(FILE_NAME);
    JournalRecord existing = read(dir).orElse(
        new JournalRecord(JournalRecord.VERSION, job, node, 0, null, null, List.of()));
    Journal j = new Journal(file, existing);
    j.write();
    return j;
  }

  /** The journal in {@code dir}, if there is one that can be read. */
  public static Optional<JournalRecord> read(Path dir) {
    Path file = dir.resolve(FILE_NAME);
    try {
      byte[] bytes = Files.readAllBytes(file); // first: a prolog's first open finds none, and builds no mapper
      return Optional.of(Binding.JSON.readValue(bytes, JournalRecord.class));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("read journal " + file + ": " + e.getMessage(), e);
    }
  }

  public synchronized JournalRecord record() {
    return record;
  }

  public Path file() {
    return file;
  }

  /** Records the job's network names once the plan is known. */
  public synchronized void network(int vni, String bridge, String vxlan) {
    record = new JournalRecord(record.version(), record.job(), record.node(), vni, bridge, vxlan, record.entries());
    write();
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
    record = new JournalRecord(record.version(), record.job(), record.node(), record.vni(), record.bridge(),
        record.vxlan(), entries);
    write();
  }

  /** The record as indented JSON, the fields in the record's order, as data binding writes it. */
  static byte[] json(JournalRecord r) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256 + 64 * r.entries().size());
    try (JsonGenerator g = STREAM.createGenerator(out)) {
      g.useDefaultPrettyPrinter();
      g.writeStartObject();
      g.writeNumberField("version", r.version());
      g.writeStringField("job", r.job());
      g.writeStringField("node", r.node());
      g.writeNumberField("vni", r.vni());
      g.writeStringField("bridge", r.bridge());
      g.writeStringField("vxlan", r.vxlan());
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
